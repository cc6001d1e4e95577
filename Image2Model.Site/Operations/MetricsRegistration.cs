using System.Diagnostics.Metrics;
using System.Net;
using Image2Model.Site.Conversions;
using Image2Model.Site.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace Image2Model.Site.Operations;

public sealed class MetricsOptions
{
    public const string Section = "Metrics";

    /// <summary>Off by default: the scrape endpoint does not exist until an operator asks for it.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// Networks (CIDR, or single addresses) whose scrapers may read <c>/metrics</c>; everyone else gets 404.
    /// Empty means loopback only (a default list here would be appended to, not replaced, by configuration).
    /// </summary>
    public List<string> AllowedNetworks { get; set; } = [];

    /// <summary>How long one count of the queue by state is reused, so frequent scrapes do not each query the database.</summary>
    public TimeSpan QueueDepthCacheDuration { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>OpenTelemetry metrics with a Prometheus scrape endpoint at <c>/metrics</c>, when <c>Metrics:Enabled</c>.</summary>
public static class MetricsRegistration
{
    public static IHostApplicationBuilder AddMetrics(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<MetricsOptions>().BindConfiguration(MetricsOptions.Section);
        if (!IsEnabled(builder.Configuration))
        {
            return builder;
        }

        builder.Services.AddSingleton<QueueDepthGauge>();
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(SiteMetrics.MeterName, QueueDepthGauge.MeterName)
            .AddAspNetCoreInstrumentation()
            .AddHttpClientInstrumentation()
            .AddRuntimeInstrumentation()
            .AddPrometheusExporter());
        return builder;
    }

    public static WebApplication MapMetrics(this WebApplication app)
    {
        if (!IsEnabled(app.Configuration))
        {
            return app;
        }

        // The gauge registers its callback when built; build it now rather than at first use.
        app.Services.GetRequiredService<QueueDepthGauge>();
        var configured = app.Services.GetRequiredService<IOptions<MetricsOptions>>().Value.AllowedNetworks.Where(n => !string.IsNullOrWhiteSpace(n)).ToList();
        var networks = (configured.Count > 0 ? configured : ["127.0.0.1/32", "::1/128"]).Select(ParseNetwork).ToList();
        app.MapPrometheusScrapingEndpoint("/metrics", meterProvider: null, configureBranchedPipeline: branch => branch.Use((context, next) =>
            {
                var remote = context.Connection.RemoteIpAddress;
                if (remote is null || !networks.Any(n => n.Contains(remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote)))
                {
                    // Looks like no endpoint at all, as when metrics are off.
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    return Task.CompletedTask;
                }

                return next(context);
            }), optionsName: null)
            .AllowAnonymous()
            .DisableRateLimiting();
        return app;
    }

    private static bool IsEnabled(IConfiguration configuration) => configuration.GetValue<bool>($"{MetricsOptions.Section}:Enabled");

    private static IPNetwork ParseNetwork(string value)
    {
        value = value.Trim();
        if (value.Contains('/'))
        {
            return IPNetwork.Parse(value);
        }

        var address = IPAddress.Parse(value);
        return new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
    }
}

/// <summary>
/// <c>image2model.queue.depth</c> by state, read from the conversions table (the queue's source of
/// truth, so every node reports the same, cluster-wide numbers).
/// </summary>
internal sealed class QueueDepthGauge : IDisposable
{
    public const string MeterName = "Image2Model.Queue";

    private static readonly ConversionState[] States = Enum.GetValues<ConversionState>();
    private readonly Meter _meter;
    private readonly IServiceScopeFactory _scopes;
    private readonly TimeSpan _cacheDuration;
    private readonly Lock _lock = new();
    private Dictionary<ConversionState, int> _counts = [];
    private DateTime _countedAt = DateTime.MinValue;

    public QueueDepthGauge(IMeterFactory meters, IServiceScopeFactory scopes, IOptions<MetricsOptions> options)
    {
        _scopes = scopes;
        _cacheDuration = options.Value.QueueDepthCacheDuration;
        _meter = meters.Create(MeterName);
        _meter.CreateObservableGauge("image2model.queue.depth", Observe, "{conversion}", "Conversions in the queue by state (all nodes).");
    }

    private IEnumerable<Measurement<int>> Observe()
    {
        var counts = Counts();
        return States.Select(s => new Measurement<int>(counts.GetValueOrDefault(s), new KeyValuePair<string, object?>("state", s.ToString().ToLowerInvariant())));
    }

    private Dictionary<ConversionState, int> Counts()
    {
        lock (_lock)
        {
            if (DateTime.UtcNow - _countedAt < _cacheDuration)
            {
                return _counts;
            }

            try
            {
                using var scope = _scopes.CreateScope();
                var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
                // Observable callbacks are synchronous; the query is one GROUP BY over an indexed column.
                _counts = db.Conversions.GroupBy(c => c.State).Select(g => new { g.Key, Count = g.Count() }).ToDictionary(x => x.Key, x => x.Count);
            }
            catch (Exception e) when (e is DbUpdateException or InvalidOperationException or System.Data.Common.DbException)
            {
                // A scrape must not fail because the database hiccuped; the last counts stand.
            }

            _countedAt = DateTime.UtcNow;
            return _counts;
        }
    }

    public void Dispose() => _meter.Dispose();
}
