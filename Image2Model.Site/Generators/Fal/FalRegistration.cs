using Image2Model.Site.Conversions;
using Image2Model.Site.Generators.Remote;
using Microsoft.Extensions.Options;

namespace Image2Model.Site.Generators.Fal;

public static class FalRegistration
{
    /// <summary>
    /// Registers the fal-tripo generator: options from <c>Generators:FalTripo</c>, the key from
    /// <c>FAL_KEY</c>, an API client with the key and a file client without it.
    /// </summary>
    public static IHostApplicationBuilder AddFalTripoGenerator(this IHostApplicationBuilder builder)
    {
        if (builder.Services.Any(d => d.ServiceType == typeof(IGenerator) && d.ImplementationType == typeof(FalTripoGenerator)))
        {
            return builder;
        }

        builder.Services.AddOptions<FalOptions>()
            .BindConfiguration(FalOptions.Section)
            .Configure<IConfiguration>((options, configuration) =>
            {
                if (!string.IsNullOrWhiteSpace(configuration["FAL_KEY"]))
                {
                    options.Key = configuration["FAL_KEY"]!.Trim();
                }
            })
            .Validate(o => o.QueueUrl.IsAbsoluteUri && o.RestUrl.IsAbsoluteUri, "Generators:FalTripo:QueueUrl and RestUrl must be absolute URLs.")
            .Validate(o => o.Deadline > TimeSpan.Zero && o.PollInterval > TimeSpan.Zero, "Generators:FalTripo:Deadline and PollInterval must be positive.")
            .ValidateOnStart();

        builder.AddRemoteApiClient(FalQueueClient.HttpClientName, FalOptions.Section, FalQueueClient.ReachedHeader)
            .ConfigureHttpClient((services, client) =>
            {
                var options = services.GetRequiredService<IOptions<FalOptions>>().Value;
                if (options.IsConfigured)
                {
                    // Not AuthenticationHeaderValue: FAL keys look like "id:secret", which it may reject.
                    client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", $"Key {options.Key}");
                }
            });
        builder.Services.AddSingleton<IGenerator, FalTripoGenerator>();
        return builder;
    }
}
