using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Image2Model.Site.Generators.Remote;

/// <summary>HTTP clients shared by the remote generators.</summary>
internal static class RemoteHttpRegistration
{
    /// <summary>Fetches provider files (results, uploads to signed URLs) without any credentials.</summary>
    public const string FileClient = "remote-files";

    /// <summary>
    /// A provider API client: the standard pipeline (rate limiter, total timeout, retry with
    /// exponential backoff, jitter and Retry-After, circuit breaker, attempt timeout) with defaults
    /// fit for short calls, overridable under <paramref name="sectionPath"/>:Http, and the submit rule.
    /// </summary>
    public static IHttpClientBuilder AddRemoteApiClient(this IHostApplicationBuilder builder, string name, string sectionPath, string reachedHeader)
    {
        builder.AddRemoteFileClient();
        var client = builder.Services.AddHttpClient(name);
        client.AddStandardResilienceHandler()
            .Configure(ApplyDefaults)
            .Configure((options, services) =>
            {
                // Bind rather than Configure(section): that one throws when the section is absent.
                services.GetRequiredService<IConfiguration>().GetSection($"{sectionPath}:Http").Bind(options);
                options.Retry.ShouldHandle = args => ValueTask.FromResult(
                    RemoteCall.ShouldRetry(args.Outcome, args.Outcome.Result?.RequestMessage ?? args.Context.GetRequestMessage(), reachedHeader));
                options.CircuitBreaker.ShouldHandle = args => ValueTask.FromResult(RemoteCall.CountsAsFailure(args.Outcome));
            });
        // Inside the resilience handler, so every attempt is logged.
        client.AddHttpMessageHandler(services => new ProviderTraceHandler(
            name, reachedHeader, services.GetRequiredService<ILoggerFactory>().CreateLogger(name)));
        return client;
    }

    public static void AddRemoteFileClient(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        if (builder.Services.Any(d => d.ServiceType == typeof(RemoteFiles)))
        {
            return;
        }

        builder.Services.AddSingleton<RemoteFiles>();
        builder.Services.AddHttpClient(FileClient)
            .AddStandardResilienceHandler()
            .Configure((options, services) =>
            {
                ApplyDefaults(options);
                // Result files can be large; give each attempt longer than an API call.
                options.AttemptTimeout.Timeout = TimeSpan.FromMinutes(2);
                options.TotalRequestTimeout.Timeout = TimeSpan.FromMinutes(5);
                options.CircuitBreaker.SamplingDuration = TimeSpan.FromMinutes(4);
                services.GetRequiredService<IConfiguration>().GetSection("Generators:RemoteFiles:Http").Bind(options);
            });
    }

    private static void ApplyDefaults(HttpStandardResilienceOptions options)
    {
        options.Retry.MaxRetryAttempts = 5;
        options.Retry.BackoffType = DelayBackoffType.Exponential;
        options.Retry.UseJitter = true;
        options.Retry.Delay = TimeSpan.FromSeconds(1);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(30);
        options.AttemptTimeout.Timeout = TimeSpan.FromSeconds(30);
        options.TotalRequestTimeout.Timeout = TimeSpan.FromMinutes(2);
        // Opens when half of at least 20 calls in a minute failed; new conversions then fail fast.
        options.CircuitBreaker.FailureRatio = 0.5;
        options.CircuitBreaker.MinimumThroughput = 20;
        options.CircuitBreaker.SamplingDuration = TimeSpan.FromMinutes(1);
        options.CircuitBreaker.BreakDuration = TimeSpan.FromSeconds(15);
    }
}
