using System.Text.Json;
using Image2Model.Site.Conversions;
using Image2Model.Site.Data;
using Image2Model.Site.Storage;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Quartz;

namespace Image2Model.Site.Operations;

/// <summary>
/// <c>/health/live</c> (the process answers) and <c>/health/ready</c> (it can do its work: the
/// database answers, the data directory takes files, the scheduler runs), for docker-compose,
/// load balancers and orchestrators. Both are anonymous and say nothing secret.
/// </summary>
public static class HealthRegistration
{
    private const string Ready = "ready";

    public static IHostApplicationBuilder AddHealth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: [Ready])
            .AddCheck<DataDirectoryHealthCheck>("data_directory", tags: [Ready])
            .AddCheck<SchedulerHealthCheck>("scheduler", tags: [Ready])
            .AddCheck<GeneratorsHealthCheck>("generators", tags: [Ready]);
        return builder;
    }

    public static WebApplication MapHealth(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteJsonAsync }).AllowAnonymous().DisableRateLimiting();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(Ready), ResponseWriter = WriteJsonAsync }).AllowAnonymous().DisableRateLimiting();
        return app;
    }

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    /// <summary>Status, description and data per check; never exception texts, which may carry host names or paths.</summary>
    private static Task WriteJsonAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        var body = new
        {
            Status = report.Status.ToString(),
            DurationMs = Math.Round(report.TotalDuration.TotalMilliseconds, 1),
            Checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                Status = e.Value.Status.ToString(),
                e.Value.Description,
                DurationMs = Math.Round(e.Value.Duration.TotalMilliseconds, 1),
                Data = e.Value.Data.Count == 0 ? null : e.Value.Data,
            }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, Json));
    }
}

internal sealed class DatabaseHealthCheck(AppDbContext db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            return await db.Database.CanConnectAsync(cancellationToken)
                ? HealthCheckResult.Healthy("The database answers.", new Dictionary<string, object> { ["provider"] = db.Database.ProviderName ?? "" })
                : HealthCheckResult.Unhealthy("The database does not answer.");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("The database does not answer.");
        }
    }
}

internal sealed class DataDirectoryHealthCheck(IOptions<StorageOptions> options, IHostEnvironment environment) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var directory = Path.GetFullPath(options.Value.DataDirectory, environment.ContentRootPath);
        var probe = Path.Combine(directory, $".health-{Guid.NewGuid():N}");
        try
        {
            await File.WriteAllBytesAsync(probe, [1], cancellationToken);
            File.Delete(probe);
            return HealthCheckResult.Healthy("The data directory is writable.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return HealthCheckResult.Unhealthy("The data directory is not writable.");
        }
    }
}

internal sealed class SchedulerHealthCheck(ISchedulerFactory schedulers) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var scheduler = await schedulers.LookupScheduler(ConversionsRegistration.NodeScheduler, cancellationToken);
        return scheduler?.Status == SchedulerStatus.Running
            ? HealthCheckResult.Healthy("The scheduler runs.")
            : HealthCheckResult.Unhealthy("The scheduler is not running.");
    }
}

/// <summary>Which generators users can pick; names only, never keys.</summary>
internal sealed class GeneratorsHealthCheck(GeneratorCatalog generators) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var configured = generators.Available.Select(g => g.Name).ToArray();
        var data = new Dictionary<string, object> { ["configured"] = configured };
        return Task.FromResult(configured.Length > 0
            ? HealthCheckResult.Healthy($"{configured.Length} generator(s) configured.", data)
            : HealthCheckResult.Unhealthy("No generator is configured.", data: data));
    }
}
