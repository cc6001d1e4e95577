using System.Text.Json;

namespace Image2Model.Site.Api;

/// <summary>The error body every API failure has: <c>{"detail": "..."}</c>.</summary>
public sealed record ApiError(string Detail);

public static class ApiResults
{
    /// <summary>
    /// snake_case names, as the earlier API's clients expect; compact and without HTML escaping:
    /// SSE needs one line per event and scripts read URLs with grep.
    /// </summary>
    public static readonly JsonSerializerOptions Json = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>Also applied to the site's minimal-API JSON options, so the OpenAPI document shows the same names.</summary>
    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        return options;
    }

    public static IResult Error(int status, string detail) => Results.Json(new ApiError(detail), Json, statusCode: status);

    /// <summary>A reached quota: 429 with Retry-After when it resets (conversions a day), 403 when it does not (storage).</summary>
    public static IResult Quota(HttpContext http, Quotas.QuotaRefusal quota)
    {
        if (quota.RetryAfter is { } wait)
        {
            http.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Error(StatusCodes.Status429TooManyRequests, quota.Message);
        }

        return Error(StatusCodes.Status403Forbidden, quota.Message);
    }

    public static IResult JobNotFound() => Error(StatusCodes.Status404NotFound, "Job not found");

    public static IResult TaskNotFound() => Error(StatusCodes.Status404NotFound, "Task not found");

    public static IResult Ok<T>(T body) => Results.Json(body, Json);
}
