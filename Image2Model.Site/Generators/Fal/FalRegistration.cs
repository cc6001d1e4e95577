using Image2Model.Site.Generators.Remote;

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
        return builder;
    }
}
