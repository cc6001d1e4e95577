using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Image2Model.Site.Generators.Remote;

/// <summary>A provider's answer, read in full (API answers are small).</summary>
internal sealed record ApiReply(HttpStatusCode Status, HttpResponseHeaders Headers, string Body)
{
    public bool IsSuccess => (int)Status is >= 200 and < 300;

    public bool IsTransient => Status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)Status >= 500;

    public T Read<T>(string provider)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(Body, ApiCall.Json)
                ?? throw new RemoteUnavailableException($"{provider} sent an empty answer.");
        }
        catch (JsonException ex)
        {
            throw new RemoteUnavailableException($"{provider} sent an answer this site cannot read.", ex);
        }
    }
}

internal static class ApiCall
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>
    /// Sends through the client's resilience pipeline. Transport failures, timeouts and an open
    /// circuit come back as <see cref="RemoteUnavailableException"/>; HTTP errors as a reply.
    /// </summary>
    public static async Task<ApiReply> SendAsync(this HttpClient client, HttpRequestMessage request, string provider, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await client.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            return new ApiReply(response.StatusCode, response.Headers, body);
        }
        catch (Exception ex) when (Unavailable(ex, provider, cancellationToken) is { } unavailable)
        {
            throw unavailable;
        }
    }

    /// <summary>
    /// Like <see cref="SendAsync"/>, but returns as soon as the headers arrived, for an answer too
    /// big to buffer; the caller reads (and disposes) the body.
    /// </summary>
    public static async Task<HttpResponseMessage> OpenAsync(this HttpClient client, HttpRequestMessage request, string provider, CancellationToken cancellationToken)
    {
        try
        {
            return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (Exception ex) when (Unavailable(ex, provider, cancellationToken) is { } unavailable)
        {
            throw unavailable;
        }
    }

    private static RemoteUnavailableException? Unavailable(Exception ex, string provider, CancellationToken cancellationToken) => ex switch
    {
        BrokenCircuitException => new($"{provider} is failing repeatedly right now, so calls to it are paused for a moment; try again in a few minutes.", ex),
        TimeoutRejectedException => new($"{provider} did not answer in time.", ex, noAnswer: true),
        // Only a connection that was never made proves the provider did not see the request.
        HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError } =>
            new($"{provider} could not be reached.", ex),
        HttpRequestException => new($"{provider} could not be reached.", ex, noAnswer: true),
        OperationCanceledException when !cancellationToken.IsCancellationRequested => new($"{provider} did not answer in time.", ex, noAnswer: true),
        _ => null,
    };

    /// <summary>
    /// A JSON request whose body is serialized up front, so it goes out with Content-Length as the
    /// providers' own clients send it: JsonContent streams (chunked), and servers that only read
    /// Content-Length then see an empty body ("image_url: field required").
    /// </summary>
    public static HttpRequestMessage JsonRequest(HttpMethod method, Uri url, object? body = null)
    {
        var request = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), Json));
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        }

        return request;
    }

    /// <summary>Appends a path to a configured base URL that may itself have a path (/v2/openapi).</summary>
    public static Uri Combine(Uri baseUrl, string path) => new($"{baseUrl.AbsoluteUri.TrimEnd('/')}/{path.TrimStart('/')}");

    /// <summary>Retry-After of a reply, when the provider sent one.</summary>
    public static TimeSpan? RetryAfter(this ApiReply reply)
    {
        var retryAfter = reply.Headers.RetryAfter;
        if (retryAfter?.Delta is { } delta)
        {
            return delta;
        }

        return retryAfter?.Date is { } date ? date - DateTimeOffset.UtcNow : null;
    }
}
