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

            // Only what starts conversions counts: uploads, and "Make it again" / "Try again", which re-run
            // one just as an upload does. Looking at a page is free, and so are cancel and delete.
            limiter.AddPolicy(Uploads, http => !StartsConversions(http.Request) ? RateLimitPartition.GetNoLimiter("free") : RateLimitPartition.GetFixedWindowLimiter(
                http.User.FindFirstValue(ClaimTypes.NameIdentifier) ?? "anonymous",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = options.UploadsPerMinute, Window = TimeSpan.FromMinutes(1) }));

            // The connection's address is the real client's: forwarded headers are applied first, and only
            // from the proxies configured as trusted (see ForwardedHeadersSetup).
            limiter.AddPolicy(Accounts, http => HttpMethods.IsGet(http.Request.Method) ? RateLimitPartition.GetNoLimiter("read") : RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = options.AccountAttemptsPerMinute, Window = TimeSpan.FromMinutes(1) }));
        });
    }

    /// <summary>The page handlers that queue a conversion again; they share the upload limit.</summary>
    private static readonly string[] RequeueHandlers = ["regenerate", "retry"];

    private static bool StartsConversions(HttpRequest request)
    {
        if (!HttpMethods.IsPost(request.Method))
        {
            return false;
        }

        // The upload page and the API's upload are limited as a whole; pages with several handlers only for those that requeue.
        var handler = request.Query["handler"].ToString();
        return !(request.Path.StartsWithSegments("/models") || request.Path.StartsWithSegments("/batches"))
            || RequeueHandlers.Contains(handler, StringComparer.OrdinalIgnoreCase);
    }
}
