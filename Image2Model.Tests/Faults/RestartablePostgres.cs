namespace Image2Model.Tests.Faults;

/// <summary>
/// A PostgreSQL server of its own (port 55433) for the tests that stop and start it under running
/// sites: the suite's shared server (<see cref="Infrastructure.PostgresServer"/>) must stay up for everyone else.
/// Started and stopped by scripts/postgres-for-tests.sh.
/// </summary>
public static class RestartablePostgres
{
    public const string CollectionName = "restartable-postgres";

    private static readonly Dictionary<string, string> Environment = new()
    {
        ["PG_TEST_PORT"] = "55433",
        ["PG_TEST_DIR"] = Path.Combine(Path.GetTempPath(), "image2model-pg-faults"),
    };

    public static async Task<string> CreateDatabaseAsync() =>
        await Infrastructure.PostgresServer.CreateDatabaseOnAsync(await RunAsync("start"));

    /// <summary>Fast shutdown: every client is disconnected, as when the database host restarts.</summary>
    public static Task StopAsync() => RunAsync("stop");

    public static Task StartAsync() => RunAsync("start");

    private static Task<string> RunAsync(string action) => Infrastructure.PostgresServer.RunScriptAsync(action, Environment);
}
