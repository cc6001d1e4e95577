namespace Image2Model.Site.Conversions;

public sealed class ConversionOptions
{
    public const string Section = "Conversions";

    /// <summary>False makes this a web-only node: it queues work but never runs any (multi-node deployments).</summary>
    public bool RunOnThisNode { get; set; } = true;

    /// <summary>How many conversions this node runs at once. 0 means one per processor.</summary>
    public int MaxConcurrency { get; set; }

    /// <summary>A claimed conversion belongs to its node this long after the last heartbeat.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the dispatcher looks for work even when nobody nudged it.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A single conversion that runs longer than this fails with "timed out".</summary>
    public TimeSpan ItemTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>On shutdown, running conversions get this long to finish before they are handed back to the queue.</summary>
    public TimeSpan ShutdownGracePeriod { get; set; } = TimeSpan.FromSeconds(10);

    public int EffectiveConcurrency => MaxConcurrency > 0 ? MaxConcurrency : Environment.ProcessorCount;
}
