using System.Diagnostics;
using System.Net;
using Image2Model.Site.Conversions;
using Image2Model.Site.Data;
using Image2Model.Tests.Fakes;
using Image2Model.Tests.Infrastructure;
using Image2Model.Tests.MultiNode;
using Microsoft.EntityFrameworkCore;
using Xunit.Abstractions;

namespace Image2Model.Tests.Faults;

/// <summary>Two real site processes whose PostgreSQL server restarts in the middle of a batch.</summary>
[Collection(RestartablePostgres.CollectionName)]
public sealed class PostgresRestartTests(ITestOutputHelper output) : ClusterTest
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(6);
    protected override Task<string> CreateDatabaseAsync() => RestartablePostgres.CreateDatabaseAsync();

    public override async Task DisposeAsync()
    {
        await RestartablePostgres.StartAsync();
        await base.DisposeAsync();
    }

    [Fact]
    public async Task Both_nodes_reconnect_after_postgresql_restarts_mid_batch_and_every_conversion_succeeds_once()
    {
        var settings = NodeSettings.For(Database, DataDirectory, Fal, Lease, TimeSpan.FromHours(1));
        await using var a = await SiteProcess.StartAsync(settings);
        await using var b = await SiteProcess.StartAsync(settings);
        var cookies = new CookieContainer();
        var onA = Client(a, cookies);
        var email = $"user-{Guid.NewGuid():N}@example.com";
        await UserStories.RegisterAsync(onA, email);
        Assert.Equal(HttpStatusCode.Redirect, (await UserStories.SignInAsync(onA, email)).StatusCode);

        var photos = new[] { "apple.png", "horse.png", "rubber_duck.png" };
        var batch = Waiting.BatchIdFrom(await UserStories.UploadAsync(onA,
            Enumerable.Range(0, 20).Select(i => Fixtures.File(photos[i % photos.Length]) with { FileName = $"photo-{i}.png" })));
        await UntilAsync(batch, all => all.Count(c => c.State == ConversionState.Succeeded) >= 3, TimeSpan.FromSeconds(60), "the first conversions");

        // Down for a few seconds, as a restart of the database host is.
        await RestartablePostgres.StopAsync();
        var down = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(3));
        await RestartablePostgres.StartAsync();
        output.WriteLine($"PostgreSQL was down for {down.Elapsed.TotalSeconds:0.0} s");
        var back = Stopwatch.StartNew();

        var done = await UntilAsync(batch, all => all.Count == 20 && all.All(c => c.IsFinal), TimeSpan.FromSeconds(120), "the batch to finish after the restart");
        output.WriteLine($"the batch finished {back.Elapsed.TotalSeconds:0.0} s after PostgreSQL was back");
        Assert.All(done, c => Assert.True(c.State == ConversionState.Succeeded, $"{c.FileName}: {c.State} ({c.Message})"));
        var stored = NodeLogs.StoredResults(a, b);
        Assert.Equal(done.Select(c => c.Id).Order(), stored.Select(s => s.Id).Order());
        Assert.False(a.HasExited || b.HasExited, "a node died");

        // Both nodes keep serving and working: a new upload through node B after the restart.
        var onB = Client(b, cookies);
        var after = Waiting.BatchIdFrom(await UserStories.UploadAsync(onB, [Fixtures.File("apple.png")]));
        var last = await UntilAsync(after, all => all.Count == 1 && all[0].IsFinal, TimeSpan.FromSeconds(60), "an upload after the restart");
        Assert.Equal(ConversionState.Succeeded, last[0].State);
        output.WriteLine($"results stored: node A {stored.Count(s => s.Node == a)}, node B {stored.Count(s => s.Node == b)}; "
            + $"runs interrupted by the restart: {a.LogsOf("Conversion interrupted").Count() + b.LogsOf("Conversion interrupted").Count()}, "
            + $"crashed: {a.LogsOf("Conversion crashed").Count() + b.LogsOf("Conversion crashed").Count()}");
    }

    private async Task<List<Conversion>> UntilAsync(Guid batch, Func<List<Conversion>, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                await using var db = CreateDbContext();
                var value = await db.Conversions.AsNoTracking().Where(c => c.BatchId == batch).ToListAsync();
                if (done(value))
                {
                    return value;
                }
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException || e.InnerException is Npgsql.NpgsqlException)
            {
                // The test's own pooled connections break with the restart too.
            }

            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}");
            await Task.Delay(100);
        }
    }
}
