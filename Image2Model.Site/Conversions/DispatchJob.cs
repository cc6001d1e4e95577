using Quartz;

namespace Image2Model.Site.Conversions;

/// <summary>The Quartz "tick": fills this node's free slots with claimed work.</summary>
[DisallowConcurrentExecution]
public sealed class DispatchJob(ConversionRunner runner) : IJob
{
    public static readonly JobKey Key = new("dispatch", "conversions");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) => await runner.FillAsync(cancellationToken);
}

/// <summary>Starts the dispatcher now instead of at its next tick, so new work begins at once.</summary>
public sealed class Dispatcher(ISchedulerFactory schedulers, ILogger<Dispatcher> logger)
{
    public async Task NudgeAsync()
    {
        try
        {
            var scheduler = await schedulers.LookupScheduler(ConversionsRegistration.NodeScheduler)
                ?? throw new SchedulerException("The node's scheduler is not running.");
            await scheduler.TriggerJob(DispatchJob.Key, new JobDataMap());
        }
        catch (SchedulerException e)
        {
            // The regular tick will pick the work up; a lost nudge only costs a second or two.
            logger.LogWarning(e, "Could not nudge the dispatcher");
        }
    }
}
