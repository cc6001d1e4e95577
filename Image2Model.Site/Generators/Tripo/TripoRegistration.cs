using System.Net.Http.Headers;
using Image2Model.Site.Conversions;
using Image2Model.Site.Generators.Remote;
using Microsoft.Extensions.Options;

namespace Image2Model.Site.Generators.Tripo;

public static class TripoRegistration
{
    /// <summary>
    /// Registers the tripo generator: options from <c>Generators:Tripo</c>, the key from
    /// <c>TRIPO_API_KEY</c>, an API client with the key and a file client without it.
    /// </summary>
    public static IHostApplicationBuilder AddTripoGenerator(this IHostApplicationBuilder builder)
    {
        if (builder.Services.Any(d => d.ServiceType == typeof(IGenerator) && d.ImplementationType == typeof(TripoGenerator)))
        {
            return builder;
        }

        builder.Services.AddOptions<TripoOptions>()
            .BindConfiguration(TripoOptions.Section)
            .Configure<IConfiguration>((options, configuration) =>
            {
                if (!string.IsNullOrWhiteSpace(configuration["TRIPO_API_KEY"]))
                {
                    options.Key = configuration["TRIPO_API_KEY"]!.Trim();
                }
            })
            .Validate(o => o.BaseUrl.IsAbsoluteUri, "Generators:Tripo:BaseUrl must be an absolute URL.")
            .Validate(o => o.Deadline > TimeSpan.Zero && o.PollInterval > TimeSpan.Zero, "Generators:Tripo:Deadline and PollInterval must be positive.")
            .ValidateOnStart();

        builder.AddRemoteApiClient(TripoApiClient.HttpClientName, TripoOptions.Section, TripoApiClient.ReachedHeader)
            .ConfigureHttpClient((services, client) =>
            {
                var options = services.GetRequiredService<IOptions<TripoOptions>>().Value;
                if (options.IsConfigured)
                {
                    client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.Key);
                }
            });
        builder.Services.AddSingleton<IGenerator, TripoGenerator>();
        return builder;
    }
}
