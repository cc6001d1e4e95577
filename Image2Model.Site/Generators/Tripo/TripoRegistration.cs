using System.Net.Http.Headers;
using Image2Model.Site.Generators.Remote;

namespace Image2Model.Site.Generators.Tripo;

public static class TripoRegistration
{
    /// <summary>The tripo generator: options from <c>Generators:Tripo</c>, the key from <c>TRIPO_API_KEY</c>.</summary>
    public static IHostApplicationBuilder AddTripoGenerator(this IHostApplicationBuilder builder)
    {
        builder.AddRemoteGenerator<TripoGenerator, TripoOptions>(
            TripoOptions.Section,
            TripoApiClient.HttpClientName,
            TripoApiClient.ReachedHeader,
            (options, configuration) => options.Key = configuration.Setting("TRIPO_API_KEY") ?? options.Key,
            o => o.BaseUrl.IsAbsoluteUri,
            "Generators:Tripo:BaseUrl must be an absolute URL.",
            (options, http) => http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.Key));
        return builder;
    }
}
