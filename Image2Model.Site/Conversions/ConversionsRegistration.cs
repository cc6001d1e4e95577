using Image2Model.Site.Data;
using Image2Model.Site.Storage;
using Npgsql;
using Quartz;
using Quartz.Impl;

namespace Image2Model.Site.Conversions;

public static class ConversionsRegistration
{
    /// <summary>The work queue, the runner and the Quartz jobs that drive them.</summary>
    public static IHostApplicationBuilder AddConversions(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ConversionOptions>().BindConfiguration(ConversionOptions.Section);
        var options = builder.Configuration.GetSection(ConversionOptions.Section).Get<ConversionOptions>() ?? new();

        services.AddScoped<WorkQueue>();
        services.AddScoped<ConversionCancellation>();
        services.AddSingleton<Dispatcher>();
        services.AddSingleton<ConversionRunner>();
        services.AddHostedService(sp => sp.GetRequiredService<ConversionRunner>());

        var multiNode = DataRegistration.IsPostgres(builder.Configuration);
        var housekeeping = builder.Configuration.GetValue("Housekeeping:Interval", TimeSpan.FromHours(1));
        services.AddQuartz(q =>
        {
            q.ConfigureScheduler(o => o.InstanceName = NodeScheduler);
            // The conversions table is the queue; Quartz only keeps time, so its in-memory store is enough.
            q.UseInMemoryStore();
            q.UseDefaultThreadPool(pool => pool.MaxConcurrency = 4);

            q.AddJob<DispatchJob>(j => j.WithIdentity(DispatchJob.Key).StoreDurably());
            q.AddTrigger(t => t.ForJob(DispatchJob.Key).WithIdentity("dispatch-tick")
                // Fixed delay, not fixed rate: a tick that ran long is not followed by a burst of catch-up ticks.
                .StartNow().WithSimpleSchedule(s => s.WithInterval(options.PollInterval).RepeatForever().MeasureIntervalFromCompletion()));

            if (!multiNode)
            {
                AddHousekeeping(q, housekeeping);
            }
        });

        if (multiNode)
        {
            // Many nodes, one housekeeper: a clustered scheduler in the shared PostgreSQL database
            // (Quartz's own tables, created at start) fires the hourly job on exactly one node.
            var connectionString = builder.Configuration.GetConnectionString("Default");
            services.AddQuartz(ClusterScheduler, q =>
            {
                q.ConfigureScheduler(o => o.GenerateInstanceId = true);
                q.UsePersistentStore(store =>
                {
                    store.UsePostgres(NpgsqlFactory.Instance, connectionString!);
                    // A node that misses its check-ins by this much is taken for dead and its claimed trigger
                    // released to the others, even if it is only paused (a busy machine, a long GC) and goes
                    // on to fire it too. Quartz's 7.5 s is far less than the hourly job needs: a minute more
                    // before a dead node's housekeeping moves costs nothing.
                    store.UseClustering(c => c.CheckinMisfireThreshold = TimeSpan.FromMinutes(1));
                    // Without the lock a node that read the trigger before another replaced or fired it still
                    // claims it, and from then on each node fires its own copy on its own schedule.
                    store.ConfigureStore(o => o.AcquireTriggersWithinLock = true);
                    store.UseSerializer<SystemTextJsonObjectSerializer>();
                    store.ProvisionSchema();
                });
                AddHousekeeping(q, housekeeping);
            });
            // A node that starts leaves the stored schedule alone. Re-applying the declared trigger (Quartz's
            // default) reads the stored one and then writes a copy carrying its last fire time, in two steps
            // outside the trigger lock: a slot another node fires in between is due again in the copy.
            // A changed interval is applied by HousekeepingSchedule.
            services.Configure<QuartzOptions>(ClusterScheduler, o => o.Scheduling.IgnoreDuplicates = true);
            services.AddSingleton(new HousekeepingInterval(housekeeping));
        }

        // Let an in-flight tick finish on shutdown; the runner itself finishes or releases running work.
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        if (multiNode)
        {
            // After Quartz's hosted service, which creates the schedulers and stores their triggers.
            services.AddHostedService<HousekeepingSchedule>();
        }

        return builder;
    }

    /// <summary>This node's own scheduler: the dispatcher's tick (and housekeeping on a single node).</summary>
    public const string NodeScheduler = "image2model";

    /// <summary>The scheduler all nodes share through PostgreSQL, for jobs that must run once per cluster.</summary>
    public const string ClusterScheduler = "image2model-cluster";

    /// <summary>
    /// The first run: on a grid of whole intervals since the Unix epoch, so a schedule started again
    /// (its interval changed) stays on whole intervals; and a little after start-up (at most a minute)
    /// so start-up is not slowed by it.
    /// </summary>
    public static DateTimeOffset FirstHousekeeping(DateTimeOffset now, TimeSpan interval)
    {
        var delay = interval < TimeSpan.FromMinutes(1) ? interval : TimeSpan.FromMinutes(1);
        var earliest = (now + delay - DateTimeOffset.UnixEpoch).Ticks;
        var beats = (earliest + interval.Ticks - 1) / interval.Ticks;
        return DateTimeOffset.UnixEpoch + TimeSpan.FromTicks(beats * interval.Ticks);
    }

    private static void AddHousekeeping(IQuartzBuilder q, TimeSpan interval)
    {
        q.AddJob<HousekeepingJob>(j => j.WithIdentity(HousekeepingJob.Key).StoreDurably());
        q.AddTrigger(t => t.ForJob(HousekeepingJob.Key).WithIdentity(HousekeepingTriggerKey)
            .StartAt(FirstHousekeeping(DateTimeOffset.UtcNow, interval)).WithSimpleSchedule(s => s.WithInterval(interval).RepeatForever()));
        q.AddJobListener<HousekeepingLog>([GroupMatcher<JobKey>.GroupEquals(HousekeepingJob.Key.Group)]);
    }

    public static readonly TriggerKey HousekeepingTriggerKey = new("housekeeping-hourly");
}

internal sealed record HousekeepingInterval(TimeSpan Value);

/// <summary>
/// Applies a changed housekeeping interval to the cluster's stored schedule. Nodes that start with
/// the stored interval leave the schedule alone, so a joining node never re-arms a slot that already ran.
/// </summary>
internal sealed class HousekeepingSchedule(ISchedulerFactory schedulers, HousekeepingInterval interval, TimeProvider clock, ILogger<HousekeepingSchedule> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (await schedulers.LookupScheduler(ConversionsRegistration.ClusterScheduler, cancellationToken) is not { } scheduler
            || await scheduler.GetTrigger(ConversionsRegistration.HousekeepingTriggerKey, cancellationToken) is not ISimpleTrigger stored
            || stored.RepeatInterval == interval.Value)
        {
            return;
        }

        var trigger = TriggerBuilder.Create(clock).ForJob(HousekeepingJob.Key).WithIdentity(stored.Key)
            .StartAt(ConversionsRegistration.FirstHousekeeping(clock.GetUtcNow(), interval.Value))
            .WithSimpleSchedule(s => s.WithInterval(interval.Value).RepeatForever()).Build();
        await scheduler.RescheduleJob(stored.Key, trigger, cancellationToken);
        logger.LogInformation("Housekeeping now runs every {Interval} (was every {Previous})", interval.Value, stored.RepeatInterval);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>One log line per housekeeping run, with the fire time it served: shows it ran once per interval across the nodes.</summary>
internal sealed class HousekeepingLog(ILogger<HousekeepingLog> logger) : IJobListener
{
    public string Name => "housekeeping-log";

    public ValueTask JobToBeExecuted(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        // The fire time as a round-trip string: a structured DateTimeOffset is written in whole seconds, which hides a second schedule.
        logger.LogInformation("Housekeeping run for {ScheduledFireTime} on {SchedulerInstance}", context.ScheduledFireTimeUtc?.ToString("o"), context.Scheduler.SchedulerInstanceId);
        return ValueTask.CompletedTask;
    }

    public ValueTask JobExecutionVetoed(IJobExecutionContext context, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public ValueTask JobWasExecuted(IJobExecutionContext context, JobExecutionException? jobException, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
}
