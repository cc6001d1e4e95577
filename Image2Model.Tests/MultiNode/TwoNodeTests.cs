using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Image2Model.Site.Conversions;
using Image2Model.Site.Data;
using Image2Model.Tests.Fakes;
using Image2Model.Tests.Generators;
using Image2Model.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Xunit.Abstractions;

namespace Image2Model.Tests.MultiNode;

/// <summary>
/// Two real site processes on one PostgreSQL database and one shared data directory, as
/// docker-compose runs them; one of them is killed with SIGKILL while it holds remote work.
/// </summary>
public sealed class TwoNodeTests(ITestOutputHelper output) : ClusterTest
{
    // Short, so the kill is recovered quickly; long enough that heartbeats on a busy CI machine keep it.
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(6);
    private static readonly TimeSpan HousekeepingInterval = TimeSpan.FromSeconds(2);
    [Fact]
    public async Task Housekeeping_runs_once_per_interval_across_both_nodes()
    {
        // Node B joins once node A's schedule is running: joining must not start a second schedule.
        await using var a = await SiteProcess.StartAsync(Settings());
        await Waiting.UntilAsync(() => a.LogsOf("Housekeeping run for").Any(), "node A's first housekeeping run");
        await using var b = await SiteProcess.StartAsync(Settings());
        await Task.Delay(HousekeepingInterval * 5);

        // Once per interval across them, never twice for one fire time, all on one schedule.
        foreach (var (node, log) in new[] { a, b }.SelectMany(node => node.LogsOf("Housekeeping run for").Select(log => (node, log))))
        {
            output.WriteLine($"node {(node == a ? "A" : "B")}: {log.GetProperty("Message").GetString()}");
        }

        var runs = new[] { a, b }.SelectMany(node => node.LogsOf("Housekeeping run for")).Select(log => log.GetProperty("State").GetProperty("ScheduledFireTime").GetString()).ToList();
        Assert.Equal(runs.Count, runs.Distinct().Count());
        var fireTimes = runs.Select(r => DateTimeOffset.Parse(r!)).Order().ToList();
        Assert.True(fireTimes.Count >= 3, $"Housekeeping ran {fireTimes.Count} times");
        Assert.All(fireTimes.Zip(fireTimes.Skip(1)), pair => Assert.True(pair.Second - pair.First >= HousekeepingInterval * 0.9, $"two runs {pair.First:o} and {pair.Second:o}"));
        Assert.All(fireTimes, t =>
        {
            var offBeat = (t - fireTimes[0]).Ticks % HousekeepingInterval.Ticks;
            Assert.True(Math.Min(offBeat, HousekeepingInterval.Ticks - offBeat) < TimeSpan.FromMilliseconds(50).Ticks, $"{t:o} is not on the schedule of {fireTimes[0]:o}");
        });
    }

    [Fact]
    public async Task A_node_paused_for_twenty_seconds_is_not_written_off_and_no_fire_time_runs_twice()
    {
        await using var a = await SiteProcess.StartAsync(Settings());
        await using var b = await SiteProcess.StartAsync(Settings());
        await Waiting.UntilAsync(() => new[] { a, b }.Sum(node => node.LogsOf("Housekeeping run for").Count()) >= 2, "two housekeeping runs");

        // A pause a busy machine (or a long GC) can give a node: longer than Quartz's default 7.5 s
        // check-in interval plus its 7.5 s threshold, after which the other node took it for dead,
        // handed its claimed run over, and both ran it.
        // The node that ran last most likely holds the next run claimed.
        var claimed = new[] { a, b }.MaxBy(node => node.LogsOf("Housekeeping run for").Select(log => log.GetProperty("State").GetProperty("ScheduledFireTime").GetString()).Max() ?? "")!;
        Signal("STOP", claimed);
        await Task.Delay(TimeSpan.FromSeconds(20));
        Signal("CONT", claimed);
        await Task.Delay(HousekeepingInterval * 5);

        foreach (var (node, log) in new[] { a, b }.SelectMany(node => node.LogsOf("Housekeeping run for").Select(log => (node, log))))
        {
            output.WriteLine($"node {(node == a ? "A" : "B")}: {log.GetProperty("Message").GetString()}");
        }

        var runs = new[] { a, b }.SelectMany(node => node.LogsOf("Housekeeping run for")).Select(log => log.GetProperty("State").GetProperty("ScheduledFireTime").GetString()).ToList();
        Assert.Equal(runs.Count, runs.Distinct().Count());
    }

    private static void Signal(string signal, SiteProcess node)
    {
        using var kill = Process.Start("kill", [$"-{signal}", node.ProcessId.ToString()])!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    [Fact]
    public async Task Two_nodes_share_the_work_and_the_cookies_and_a_killed_nodes_remote_work_is_finished_by_the_other_with_one_submit_each()
    {
        await using var a = await SiteProcess.StartAsync(Settings());
        await using var b = await SiteProcess.StartAsync(Settings());
        var cookies = new CookieContainer();
        var onA = Client(a, cookies);
        var onB = Client(b, cookies);

        // A cookie from node A works on node B (the key ring lives in the shared database).
        var email = $"user-{Guid.NewGuid():N}@example.com";
        await UserStories.RegisterAsync(onA, email);
        Assert.Equal(HttpStatusCode.Redirect, (await UserStories.SignInAsync(onA, email)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await onB.Http.GetAsync("/upload")).StatusCode);

        // 60 local conversions, uploaded to both nodes: each processed exactly once, by both nodes together.
        var photos = new[] { "apple.png", "horse.png", "rubber_duck.png" };
        var batches = new List<Guid>();
        foreach (var client in new[] { onA, onB, onA })
        {
            var files = Enumerable.Range(0, 20).Select(i => Fixtures.File(photos[i % photos.Length]) with { FileName = $"photo-{batches.Count}-{i}.png" });
            batches.Add(Waiting.BatchIdFrom(await UserStories.UploadAsync(client, files)));
        }

        var local = await UntilAsync(async db => await db.Conversions.AsNoTracking().Where(c => batches.Contains(c.BatchId)).ToListAsync(),
            all => all.Count == 60 && all.All(c => c.IsFinal), TimeSpan.FromSeconds(90), "the 60 local conversions to finish");
        Assert.All(local, c => Assert.Equal(ConversionState.Succeeded, c.State));
        // Each conversion is stored exactly once. The runner logs "Conversion finished" just after
        // the database says Succeeded, so the last lines may still be on their way: wait for them.
        await Waiting.UntilAsync(() => NodeLogs.StoredResults(a, b).Count >= 60, "the nodes to log every stored result", TimeSpan.FromSeconds(10));
        var finishedBy = NodeLogs.StoredResults(a, b);
        var discarded = new[] { a, b }.Sum(node => node.LogsOf("Conversion finished").Count(log => !log.GetProperty("State").GetProperty("Stored").GetBoolean()));
        output.WriteLine($"runs discarded after a lost lease: {discarded}");
        Assert.Equal(60, finishedBy.Count);
        Assert.Equal(local.Select(c => c.Id).Order(), finishedBy.Select(f => f.Id).Order());
        Assert.Contains(finishedBy, f => f.Node == a);
        Assert.Contains(finishedBy, f => f.Node == b);
        output.WriteLine($"local conversions: node A {finishedBy.Count(f => f.Node == a)}, node B {finishedBy.Count(f => f.Node == b)}");

        // Remote work held by node A when it dies: node B takes it over after the lease, polls the
        // request A submitted, and never submits a second (billed) one.
        Fal.HoldInProgress = true;
        var remoteBatch = Waiting.BatchIdFrom(await UserStories.UploadAsync(onA,
            Enumerable.Range(0, 6).Select(i => Fixtures.File("apple.png") with { FileName = $"remote-{i}.png" }),
            new Dictionary<string, string> { ["Input.Generator"] = "fal-tripo" }));
        var held = await UntilAsync(async db => await db.Conversions.AsNoTracking().Where(c => c.BatchId == remoteBatch).ToListAsync(),
            // A resume state is saved before the submit goes out ("submitting") and again with FAL's
            // answer: wait for the answers, or a kill under load could land between the two (a submit
            // whose outcome is unknown, which the chaos test covers).
            all => all.Count == 6 && all.All(c => c.State == ConversionState.Running && c.ResumeState is { } s && !s.Contains("\"submitting\"", StringComparison.Ordinal))
                && all.Any(c => c.LeaseOwner!.StartsWith(a.NodePrefix)) && Fal.SubmitCount == 6,
            TimeSpan.FromSeconds(60), "both nodes to have submitted the remote conversions");
        var heldByA = held.Where(c => c.LeaseOwner!.StartsWith(a.NodePrefix)).Select(c => c.Id).ToList();
        Assert.Equal(6, Fal.SubmitCount);

        await a.KillAsync();
        var killedAt = Stopwatch.StartNew();
        Fal.HoldInProgress = false;
        var waits = new Dictionary<Guid, TimeSpan>();
        var remote = await UntilAsync(async db => await db.Conversions.AsNoTracking().Where(c => c.BatchId == remoteBatch).ToListAsync(),
            all =>
            {
                foreach (var c in all.Where(c => heldByA.Contains(c.Id) && !waits.ContainsKey(c.Id) && (c.IsFinal || !c.LeaseOwner!.StartsWith(a.NodePrefix))))
                {
                    waits[c.Id] = killedAt.Elapsed;
                }

                return all.All(c => c.IsFinal);
            },
            TimeSpan.FromSeconds(60), "node B to finish node A's remote conversions");

        Assert.All(remote, c => Assert.Equal(ConversionState.Succeeded, c.State));
        Assert.Equal(6, Fal.SubmitCount);
        Assert.Equal(6, remote.Select(c => c.ResumeState).Distinct().Count());
        Assert.Equal(heldByA.Count, b.LogsOf("Conversion finished").Count(log => heldByA.Contains(NodeLogs.ConversionIdOf(log))));
        output.WriteLine($"node A held {heldByA.Count}; longest wait from the kill to node B taking one over: {waits.Values.Max().TotalSeconds:0.0} s (lease {Lease.TotalSeconds:0} s)");

    }

    private Dictionary<string, string> Settings() => NodeSettings.For(Database, DataDirectory, Fal, Lease, HousekeepingInterval);

    private async Task<T> UntilAsync<T>(Func<AppDbContext, Task<T>> read, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            await using (var db = CreateDbContext())
            {
                var value = await read(db);
                if (done(value))
                {
                    return value;
                }
            }

            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}");
            await Task.Delay(100);
        }
    }
}
