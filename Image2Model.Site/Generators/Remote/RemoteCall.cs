using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Image2Model.Site.Generators.Remote;

/// <summary>
/// Which calls the resilience pipeline may repeat. A submit creates a billed job, so it is only
/// repeated when the provider cannot have seen it (spec section 4).
/// </summary>
internal static class RemoteCall
{
    private static readonly HttpRequestOptionsKey<bool> SubmitKey = new("Image2Model.Submit");
    private static readonly HttpRequestOptionsKey<bool> NoRetryKey = new("Image2Model.NoRetry");

    /// <summary>Marks a request as the one that creates a billed job.</summary>
    public static HttpRequestMessage AsSubmit(this HttpRequestMessage request)
    {
        request.Options.Set(SubmitKey, true);
        return request;
    }

    /// <summary>Marks a request whose error answer is already expected (a failed job's result).</summary>
    public static HttpRequestMessage WithoutRetry(this HttpRequestMessage request)
    {
        request.Options.Set(NoRetryKey, true);
        return request;
    }

    public static bool IsSubmit(HttpRequestMessage? request) =>
        request is not null && request.Options.TryGetValue(SubmitKey, out var submit) && submit;

    /// <param name="reachedHeader">A reply header that proves the provider itself saw the request
    /// (x-fal-request-id, X-Tripo-Trace-ID); without it a 502/503/504 came from a proxy in front.</param>
    public static bool ShouldRetry(Outcome<HttpResponseMessage> outcome, HttpRequestMessage? request, string reachedHeader)
    {
        if (request is not null && request.Options.TryGetValue(NoRetryKey, out var noRetry) && noRetry)
        {
            return false;
        }

        if (IsSubmit(request))
        {
            // An exception or a timeout leaves open whether the job was created: never repeat it.
            if (outcome.Result is not { } reply)
            {
                return false;
            }

            return reply.StatusCode == HttpStatusCode.TooManyRequests
                || (reply.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout
                    && !reply.Headers.Contains(reachedHeader));
        }

        if (outcome.Result is { } response && IsUserTimeout(response))
        {
            return false;
        }

        return HttpClientResiliencePredicates.IsTransient(outcome);
    }

    /// <summary>Rate limiting is not a sign of a broken service, so it does not trip the breaker.</summary>
    public static bool CountsAsFailure(Outcome<HttpResponseMessage> outcome) =>
        outcome.Result?.StatusCode != HttpStatusCode.TooManyRequests && HttpClientResiliencePredicates.IsTransient(outcome);

    /// <summary>FAL's 504 for an X-Fal-Request-Timeout we asked for: retrying cannot help.</summary>
    public static bool IsUserTimeout(HttpResponseMessage response) =>
        response.StatusCode == HttpStatusCode.GatewayTimeout
        && response.Headers.TryGetValues("X-Fal-Request-Timeout-Type", out var values)
        && values.Any(v => string.Equals(v, "user", StringComparison.OrdinalIgnoreCase));
}
