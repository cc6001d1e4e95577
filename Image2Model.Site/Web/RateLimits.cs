using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace Image2Model.Site.Web;

public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    /// <summary>Uploads (each with up to 25 files) per user per minute.</summary>
    public int UploadsPerMinute { get; set; } = 10;

    /// <summary>Sign-in and registration attempts per client address per minute.</summary>
    public int AccountAttemptsPerMinute { get; set; } = 10;
}

public static class RateLimits
{
    public const string Uploads = "uploads";
    public const string Accounts = "accounts";

    public static IServiceCollection AddSiteRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(RateLimitOptions.Section).Get<RateLimitOptions>() ?? new();
        return services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
                context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                var message = $"Too many requests. Please wait {Math.Ceiling(retryAfter.TotalSeconds)} seconds and try again.";
                // API clients parse every error as {"detail": "..."}.
                if (context.HttpContext.Request.Path.StartsWithSegments("/api"))
                {
                    await context.HttpContext.Response.WriteAsJsonAsync(new { detail = message }, cancellationToken);
                }
                else
                {
                    await context.HttpContext.Response.WriteAsync(message, cancellationToken);
                }
            };

            // Only POSTs count: looking at a form is free, submitting it is not.
            limiter.AddPolicy(Uploads, http => HttpMethods.IsGet(http.Request.Method) ? RateLimitPartition.GetNoLimiter("read") : RateLimitPartition.GetFixedWindowLimiter(
                http.User.FindFirstValue(ClaimTypes.NameIdentifier) ?? "anonymous",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = options.UploadsPerMinute, Window = TimeSpan.FromMinutes(1) }));

            limiter.AddPolicy(Accounts, http => HttpMethods.IsGet(http.Request.Method) ? RateLimitPartition.GetNoLimiter("read") : RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = options.AccountAttemptsPerMinute, Window = TimeSpan.FromMinutes(1) }));
        });
    }
}
