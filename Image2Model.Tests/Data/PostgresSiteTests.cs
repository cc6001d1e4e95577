using System.Collections.Concurrent;
using System.Net;
using Image2Model.Site.Conversions;
using Image2Model.Site.Data;
using Image2Model.Tests.Api;
using Image2Model.Tests.Infrastructure;
using Image2Model.Site.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Quartz;

namespace Image2Model.Tests.Data;

/// <summary>The whole site on PostgreSQL, as a multi-node deployment runs it.</summary>
public sealed class PostgresSiteTests
{
    [Fact]
    public async Task Site_on_postgres_migrates_at_start_and_converts_an_upload()
    {
        using var site = new SiteFactory();
        site.Settings["Database:Provider"] = "Postgres";
        site.Settings["ConnectionStrings:Default"] = await PostgresServer.CreateDatabaseAsync();
        var client = await UserStories.SignedInUserAsync(site);

        var response = await UserStories.UploadAsync(client, [Fixtures.File("apple.png")]);

        var conversion = Assert.Single(await Waiting.ForBatchAsync(site, Waiting.BatchIdFrom(response)));
        Assert.Equal(ConversionState.Succeeded, conversion.State);
        Assert.Equal(HttpStatusCode.OK, (await client.Http.GetAsync($"/files/{conversion.Id}/model.glb")).StatusCode);
        await using var db = site.CreateDbContext();
        Assert.IsType<PostgresDbContext>(db);
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        // Data Protection keys live in the database, so every node can read every cookie.
        Assert.NotEmpty(await db.DataProtectionKeys.ToListAsync());
    }

    [Fact]
    public async Task Two_nodes_share_one_clustered_housekeeping_scheduler_and_each_keeps_its_own_dispatcher()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        using var first = Node(database);
        using var second = Node(database);

        var firstSchedulers = first.Services.GetRequiredService<ISchedulerFactory>();
        var secondSchedulers = second.Services.GetRequiredService<ISchedulerFactory>();
        var clustered = (await firstSchedulers.LookupScheduler(ConversionsRegistration.ClusterScheduler))!;
        var otherClustered = (await secondSchedulers.LookupScheduler(ConversionsRegistration.ClusterScheduler))!;

        var metadata = await clustered.GetMetadata();
        Assert.True(metadata.JobStoreClustered);
        Assert.NotEqual(await clustered.GetSchedulerInstanceId(), await otherClustered.GetSchedulerInstanceId());
        Assert.True(await clustered.Exists(HousekeepingJob.Key));
        var node = (await firstSchedulers.LookupScheduler(ConversionsRegistration.NodeScheduler))!;
        Assert.True(await node.Exists(DispatchJob.Key));
        Assert.False(await node.Exists(HousekeepingJob.Key));
        // Work still flows through each node's own dispatcher.
        var client = await UserStories.SignedInUserAsync(second);
        var conversion = Assert.Single(await Waiting.ForBatchAsync(second, Waiting.BatchIdFrom(await UserStories.UploadAsync(client, [Fixtures.File("apple.png")]))));
        Assert.Equal(ConversionState.Succeeded, conversion.State);
    }

    [Fact]
    public async Task A_node_joining_the_cluster_leaves_the_running_housekeeping_schedule_alone()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        var runs = new HousekeepingRuns();
        using var a = new HousekeepingNode(database, runs, startUpDelay: TimeSpan.Zero);
        var scheduler = (await a.Services.GetRequiredService<ISchedulerFactory>().LookupScheduler(ConversionsRegistration.ClusterScheduler))!;
        await Waiting.UntilAsync(() => !runs.FireTimes.IsEmpty, "node A's first housekeeping run");
        var before = (await scheduler.GetTrigger(ConversionsRegistration.HousekeepingTriggerKey))!;

        // Node B is configured now (its first slot computed) and its start-up (migrations on a busy
        // machine) takes longer than the delay before that slot, which node A runs meanwhile. Replacing
        // the trigger at its start would read the stored trigger, then store a copy of it: a slot node A
        // fires in between is fired again by the copy.
        using var b = new HousekeepingNode(database, runs, startUpDelay: HousekeepingNode.Interval * 3);
        _ = b.Services;
        await Task.Delay(HousekeepingNode.Interval * 3);

        var after = (await scheduler.GetTrigger(ConversionsRegistration.HousekeepingTriggerKey))!;
        Assert.Equal(before.StartTimeUtc, after.StartTimeUtc);
        var fireTimes = runs.FireTimes.ToList();
        Assert.True(fireTimes.Count >= 3, $"Housekeeping ran {fireTimes.Count} times");
        Assert.Equal(fireTimes.Count, fireTimes.Distinct().Count());
    }

    [Fact]
    public async Task A_node_started_with_a_new_housekeeping_interval_applies_it_to_the_cluster()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        var runs = new HousekeepingRuns();
        using var a = new HousekeepingNode(database, runs, startUpDelay: TimeSpan.Zero);
        _ = a.Services;
        using var b = new HousekeepingNode(database, runs, startUpDelay: TimeSpan.Zero);
        b.Settings["Housekeeping:Interval"] = "00:00:03";
        _ = b.Services;

        var scheduler = (await a.Services.GetRequiredService<ISchedulerFactory>().LookupScheduler(ConversionsRegistration.ClusterScheduler))!;
        var trigger = Assert.IsAssignableFrom<ISimpleTrigger>(await scheduler.GetTrigger(ConversionsRegistration.HousekeepingTriggerKey));
        Assert.Equal(TimeSpan.FromSeconds(3), trigger.RepeatInterval);
    }

    /// <summary>A node on the shared database, housekeeping every two seconds, whose start-up takes <paramref name="startUpDelay"/> longer.</summary>
    private sealed class HousekeepingNode : SiteFactory
    {
        public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);
        private readonly HousekeepingRuns _runs;
        private readonly TimeSpan _startUpDelay;

        public HousekeepingNode(string database, HousekeepingRuns runs, TimeSpan startUpDelay)
        {
            _runs = runs;
            _startUpDelay = startUpDelay;
            Settings["Database:Provider"] = "Postgres";
            Settings["ConnectionStrings:Default"] = database;
            Settings["Housekeeping:Interval"] = Interval.ToString();
        }

        protected override void ConfigureTestServices(IServiceCollection services)
        {
            services.AddSingleton<ILoggerProvider>(_runs);
            // Before every other hosted service, Quartz's among them: the node is configured but not started yet.
            services.Insert(0, ServiceDescriptor.Singleton<IHostedService>(new SlowStart(_startUpDelay)));
        }
    }

    private sealed class SlowStart(TimeSpan delay) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.Delay(delay, cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>The fire time of every housekeeping run on any node in this process (from HousekeepingLog's line).</summary>
    private sealed class HousekeepingRuns : ILoggerProvider, ILogger
    {
        public ConcurrentQueue<string> FireTimes { get; } = new();

        public ILogger CreateLogger(string categoryName) =>
            categoryName == "Image2Model.Site.Conversions.HousekeepingLog" ? this : NullLogger.Instance;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (state is IEnumerable<KeyValuePair<string, object?>> values && values.FirstOrDefault(v => v.Key == "ScheduledFireTime").Value is string fireTime)
            {
                FireTimes.Enqueue(fireTime);
            }
        }

        public void Dispose()
        {
        }
    }

    private static SiteFactory Node(string database)
    {
        var site = new SiteFactory();
        site.Settings["Database:Provider"] = "Postgres";
        site.Settings["ConnectionStrings:Default"] = database;
        return site;
    }

    [Fact]
    public async Task Api_upload_on_postgres_streams_to_task_completed()
    {
        using var site = new SiteFactory();
        site.Settings["Database:Provider"] = "Postgres";
        site.Settings["ConnectionStrings:Default"] = await PostgresServer.CreateDatabaseAsync();
        site.Settings["Api:StreamPollInterval"] = "00:00:00.200";
        var script = await ApiStories.ScriptAsync(site);

        var upload = await ApiStories.UploadAsync(script, "apple.png", "horse.png");
        var stream = await ServerSentEvents.ReadToEndAsync(site.CreateClient(), $"/api/v1/status/tasks/{upload.GetProperty("task_id").GetString()}/stream");

        var final = stream.Events[^1];
        Assert.Equal("task_completed", final.Name);
        Assert.Equal(2, final.Data.GetProperty("result").GetProperty("successful_files").GetInt32());
    }
}
