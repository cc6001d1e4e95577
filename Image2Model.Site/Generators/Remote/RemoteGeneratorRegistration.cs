using Image2Model.Site.Conversions;
using Microsoft.Extensions.Options;

namespace Image2Model.Site.Generators.Remote;

internal static class RemoteGeneratorRegistration
{
    /// <summary>
    /// Registers a remote generator once: its options from <paramref name="section"/> (secrets read
    /// by <paramref name="configure"/>), an API client that carries the credentials
    /// (<paramref name="authorize"/>) and the shared file client that carries none.
    /// </summary>
    /// <param name="valid">Checks beyond the shared ones (positive deadline, poll interval and submit timeout).</param>
    public static IHttpClientBuilder? AddRemoteGenerator<TGenerator, TOptions>(
        this IHostApplicationBuilder builder,
        string section,
        string clientName,
        string reachedHeader,
        Action<TOptions, IConfiguration> configure,
        Func<TOptions, bool> valid,
        string invalidMessage,
        Action<TOptions, HttpClient> authorize)
        where TGenerator : class, IGenerator
        where TOptions : RemoteGeneratorOptions
    {
        if (builder.Services.Any(d => d.ServiceType == typeof(IGenerator) && d.ImplementationType == typeof(TGenerator)))
        {
            return null;
        }

        builder.Services.AddOptions<TOptions>()
            .BindConfiguration(section)
            .Configure(configure)
            .Validate(valid, invalidMessage)
            .Validate(o => o.Deadline > TimeSpan.Zero && o.PollInterval > TimeSpan.Zero && o.SubmitTimeout > TimeSpan.Zero,
                $"{section}:Deadline, PollInterval and SubmitTimeout must be positive.")
            .ValidateOnStart();

        var client = builder.AddRemoteApiClient(clientName, section, reachedHeader)
            .ConfigureHttpClient((services, http) =>
            {
                var options = services.GetRequiredService<IOptions<TOptions>>().Value;
                if (options.IsConfigured)
                {
                    authorize(options, http);
                }
            });
        builder.Services.AddSingleton<IGenerator, TGenerator>();
        return client;
    }

    /// <summary>A trimmed, non-empty configuration value, or null.</summary>
    public static string? Setting(this IConfiguration configuration, string key) =>
        string.IsNullOrWhiteSpace(configuration[key]) ? null : configuration[key]!.Trim();
}
