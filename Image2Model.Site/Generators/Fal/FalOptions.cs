using Image2Model.Site.Generators.Remote;

namespace Image2Model.Site.Generators.Fal;

/// <summary>Section <c>Generators:FalTripo</c>; the key comes from the <c>FAL_KEY</c> configuration value.</summary>
public sealed class FalOptions : RemoteGeneratorOptions
{
    public const string Section = "Generators:FalTripo";

    public Uri QueueUrl { get; set; } = new("https://queue.fal.run");

    public Uri RestUrl { get; set; } = new("https://rest.fal.ai");

    /// <summary>The FAL model id (owner/app/path).</summary>
    public string ModelId { get; set; } = "tripo3d/tripo/v2.5/image-to-3d";

    /// <summary>
    /// Hosts (and their subdomains) the key may be sent to when FAL hands back status, result and
    /// cancel URLs; the hosts of QueueUrl and RestUrl are always allowed. Keeps a forged URL
    /// from receiving the key.
    /// </summary>
    public string[] TrustedHosts { get; set; } = ["fal.run", "fal.ai"];

    /// <summary>
    /// Ask FAL to call the site back (at Site:PublicBaseUrl) when a job ends. Off by default: polling
    /// alone does the work. On, a submit whose answer was lost is not given up: the callback names its job.
    /// </summary>
    public bool Webhooks { get; set; }

    /// <summary>With webhooks on, how long after a submit whose answer was lost the site waits for FAL's callback to name the job.</summary>
    public TimeSpan WebhookWait { get; set; } = TimeSpan.FromMinutes(10);
}
