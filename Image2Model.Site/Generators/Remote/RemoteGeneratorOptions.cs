namespace Image2Model.Site.Generators.Remote;

/// <summary>Settings every remote generator shares; each provider binds its own section.</summary>
public abstract class RemoteGeneratorOptions
{
    /// <summary>The account key; the generator is hidden from users while it is empty.</summary>
    public string? Key { get; set; }

    /// <summary>How long one conversion may wait for the provider, counted from the submit.</summary>
    public TimeSpan Deadline { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Pause between two status polls.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1.5);

    /// <summary>Larger result files are refused rather than buffered.</summary>
    public long MaxDownloadBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>
    /// How long the one call that creates a billed job may take. Its own bound, not the
    /// conversion's token: a shutdown or cancel in the middle must not cut the call off and lose
    /// the id of a job that was created anyway.
    /// </summary>
    public TimeSpan SubmitTimeout { get; set; } = TimeSpan.FromSeconds(90);

    public virtual bool IsConfigured => !string.IsNullOrWhiteSpace(Key);
}
