using Image2Model.Site.Storage;
using Quartz;

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

        services.AddQuartz(q =>
        {
            q.ConfigureScheduler(o => o.InstanceName = "image2model");
            // The conversions table is the queue; Quartz only keeps time, so its in-memory store is enough.
            q.UseInMemoryStore();
            q.UseDefaultThreadPool(pool => pool.MaxConcurrency = 4);

            q.AddJob<DispatchJob>(j => j.WithIdentity(DispatchJob.Key).StoreDurably());
            q.AddTrigger(t => t.ForJob(DispatchJob.Key).WithIdentity("dispatch-tick")
                // Fixed delay, not fixed rate: a tick that ran long is not followed by a burst of catch-up ticks.
                .StartNow().WithSimpleSchedule(s => s.WithInterval(options.PollInterval).RepeatForever().MeasureIntervalFromCompletion()));

            q.AddJob<HousekeepingJob>(j => j.WithIdentity(HousekeepingJob.Key).StoreDurably());
            q.AddTrigger(t => t.ForJob(HousekeepingJob.Key).WithIdentity("housekeeping-hourly")
                .StartAt(DateTimeOffset.UtcNow.AddMinutes(1)).WithSimpleSchedule(s => s.WithInterval(TimeSpan.FromHours(1)).RepeatForever()));
        });
        // Let an in-flight tick finish on shutdown; the runner itself finishes or releases running work.
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        return builder;
    }
}
