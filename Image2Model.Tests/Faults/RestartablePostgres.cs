using System.Diagnostics;
using Npgsql;

namespace Image2Model.Tests.Faults;

/// <summary>
/// A PostgreSQL server of its own (port 55433) for the tests that stop and start it under running
/// sites: the suite's shared server (<see cref="Infrastructure.PostgresServer"/>) must stay up for everyone else.
/// Started and stopped by scripts/postgres-for-tests.sh.
/// </summary>
public static class RestartablePostgres
{
    public const string CollectionName = "restartable-postgres";

    private static readonly string Directory = Path.Combine(Path.GetTempPath(), "image2model-pg-faults");

    public static async Task<string> CreateDatabaseAsync()
    {
        var server = (await RunAsync("start")).Trim().Split('\n').Last();
        var name = $"image2model_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(server) { Database = name }.ToString();
    }

    /// <summary>Fast shutdown: every client is disconnected, as when the database host restarts.</summary>
    public static Task StopAsync() => RunAsync("stop");

    public static Task StartAsync() => RunAsync("start");

    private static async Task<string> RunAsync(string action)
    {
        var script = Path.Combine(Infrastructure.Repository.Root(), "scripts", "postgres-for-tests.sh");
        var start = new ProcessStartInfo("bash", [script, action]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["PG_TEST_PORT"] = "55433";
        start.Environment["PG_TEST_DIR"] = Directory;
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"postgres-for-tests.sh {action} failed: {errors}");
        return output;
    }
}
