using Image2Model.Site.Generators.Remote;
using Image2Model.Site.Web;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Image2Model.Site.Generators.Fal;

public static class FalRegistration
{
    /// <summary>The fal-tripo generator: options from <c>Generators:FalTripo</c>, the key from <c>FAL_KEY</c>.</summary>
    public static IHostApplicationBuilder AddFalTripoGenerator(this IHostApplicationBuilder builder)
    {
        builder.AddRemoteGenerator<FalTripoGenerator, FalOptions>(
            FalOptions.Section,
            FalQueueClient.HttpClientName,
            FalQueueClient.ReachedHeader,
            (options, configuration) => options.Key = configuration.Setting("FAL_KEY") ?? options.Key,
            o => o.QueueUrl.IsAbsoluteUri && o.RestUrl.IsAbsoluteUri,
            "Generators:FalTripo:QueueUrl and RestUrl must be absolute URLs.",
            // Not AuthenticationHeaderValue: FAL keys look like "id:secret", which it may reject.
            (options, http) => http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", $"Key {options.Key}"));
        // The callback base; bound here too so the generator stands without the web UI (binding twice is harmless).
        builder.Services.AddOptions<SiteOptions>().BindConfiguration(SiteOptions.Section);
        builder.Services.AddOptions<FalOptions>()
            .Validate<IOptions<SiteOptions>>((o, site) => !o.Webhooks || site.Value.PublicBaseUrl is { IsAbsoluteUri: true },
                "Generators:FalTripo:Webhooks needs Site:PublicBaseUrl: FAL calls the site back there.")
            .Validate(o => o.WebhookWait > TimeSpan.Zero, "Generators:FalTripo:WebhookWait must be positive.");
        builder.Services.AddDataProtection();
        builder.Services.TryAddSingleton<FalWebhooks>();
        // FAL's public keys: no key of ours goes along.
        builder.Services.AddHttpClient(FalWebhooks.HttpClientName, http => http.Timeout = TimeSpan.FromSeconds(10));
        return builder;
    }
}
