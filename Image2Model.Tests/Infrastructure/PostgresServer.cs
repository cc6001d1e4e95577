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
    public static async Task<string> CreateDatabaseAsync()
    {
        var server = await Server.Value;
        var name = $"image2model_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(server) { Database = name }.ToString();
    }

    private static async Task<string> StartAsync()
    {
        var script = Path.Combine(Repository.Root(), "scripts", "postgres-for-tests.sh");
        using var process = Process.Start(new ProcessStartInfo("bash", script) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"Could not start PostgreSQL: {errors}");
        return output.Trim().Split('\n').Last();
    }
}
