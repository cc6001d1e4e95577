using System.Diagnostics;
using Npgsql;

namespace Image2Model.Tests.Infrastructure;

/// <summary>
/// A real PostgreSQL server on loopback, started once per test run by scripts/postgres-for-tests.sh
/// (which installs Debian's package when needed). Each caller gets a database of its own.
/// </summary>
public static class PostgresServer
{
    private static readonly Lazy<Task<string>> Server = new(StartAsync);

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync() => await CreateDatabaseOnAsync(await Server.Value);

    /// <summary>Creates an empty database on the server <paramref name="server"/> names (a connection string).</summary>
    public static async Task<string> CreateDatabaseOnAsync(string server)
    {
        var name = $"image2model_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(server) { Database = name }.ToString();
    }

    /// <summary>Runs scripts/postgres-for-tests.sh; the last line of what it prints is the server's connection string.</summary>
    public static async Task<string> RunScriptAsync(string action = "start", IReadOnlyDictionary<string, string>? environment = null)
    {
        var script = Path.Combine(Repository.Root(), "scripts", "postgres-for-tests.sh");
        var start = new ProcessStartInfo("bash", [script, action]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"postgres-for-tests.sh {action} failed: {errors}");
        return output.Trim().Split('\n').Last();
    }

    private static Task<string> StartAsync() => RunScriptAsync();
}
