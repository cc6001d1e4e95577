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
                    store.UseClustering();
                    store.UseSerializer<SystemTextJsonObjectSerializer>();
                    store.ProvisionSchema();
                });
                AddHousekeeping(q, housekeeping);
            });
        }

        // Let an in-flight tick finish on shutdown; the runner itself finishes or releases running work.
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        return builder;
    }

    /// <summary>This node's own scheduler: the dispatcher's tick (and housekeeping on a single node).</summary>
    public const string NodeScheduler = "image2model";

    /// <summary>The scheduler all nodes share through PostgreSQL, for jobs that must run once per cluster.</summary>
    public const string ClusterScheduler = "image2model-cluster";

    private static void AddHousekeeping(IQuartzBuilder q, TimeSpan interval)
    {
        q.AddJob<HousekeepingJob>(j => j.WithIdentity(HousekeepingJob.Key).StoreDurably());
        // The first run waits a little (at most a minute) so start-up is not slowed by it.
        var first = interval < TimeSpan.FromMinutes(1) ? interval : TimeSpan.FromMinutes(1);
        q.AddTrigger(t => t.ForJob(HousekeepingJob.Key).WithIdentity("housekeeping-hourly")
            .StartAt(DateTimeOffset.UtcNow + first).WithSimpleSchedule(s => s.WithInterval(interval).RepeatForever()));
        q.AddJobListener<HousekeepingLog>([GroupMatcher<JobKey>.GroupEquals(HousekeepingJob.Key.Group)]);
    }
}

/// <summary>One log line per housekeeping run, with the fire time it served: shows it ran once per interval across the nodes.</summary>
internal sealed class HousekeepingLog(ILogger<HousekeepingLog> logger) : IJobListener
{
    public string Name => "housekeeping-log";

    public ValueTask JobToBeExecuted(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        logger.LogInformation("Housekeeping run for {ScheduledFireTime:o} on {SchedulerInstance}", context.ScheduledFireTimeUtc, context.Scheduler.SchedulerInstanceId);
        return ValueTask.CompletedTask;
    }

    public ValueTask JobExecutionVetoed(IJobExecutionContext context, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public ValueTask JobWasExecuted(IJobExecutionContext context, JobExecutionException? jobException, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
}
