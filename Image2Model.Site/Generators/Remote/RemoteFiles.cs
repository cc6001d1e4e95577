using System.Net;
using System.Net.Http.Headers;
using Image2Model.Site.Conversions;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Image2Model.Site.Generators.Remote;

/// <summary>
/// Moves files to and from the signed URLs providers hand out. These requests never carry the
/// account key: the client behind them has no Authorization header.
/// </summary>
internal sealed class RemoteFiles(IHttpClientFactory clients, ILogger<RemoteFiles> logger)
{
    /// <summary>PUTs the bytes to a pre-signed upload URL.</summary>
    public async Task PutAsync(Uri url, byte[] content, string contentType, string provider, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = new ByteArrayContent(content) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        try
        {
            using var response = await Client().SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new GenerationFailedException($"Uploading the photo to {provider} failed (HTTP {(int)response.StatusCode}); try again later.");
            }
        }
        catch (Exception ex) when (IsTransport(ex, cancellationToken))
        {
            throw new GenerationFailedException($"Uploading the photo to {provider} failed: {Describe(ex)}", ex);
        }
    }

    /// <summary>Downloads a result file into memory, failing with a plain message when it is gone.</summary>
    public async Task<byte[]> GetAsync(Uri url, string what, string provider, long maxBytes, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await Client().GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone or HttpStatusCode.Forbidden)
            {
                throw new GenerationFailedException($"The finished {what} could not be downloaded from {provider}: the file is gone (HTTP {(int)response.StatusCode}).");
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new GenerationFailedException($"The finished {what} could not be downloaded from {provider} (HTTP {(int)response.StatusCode}).");
            }

            if (response.Content.Headers.ContentLength > maxBytes)
            {
                throw new GenerationFailedException($"The {what} {provider} returned is larger than the {maxBytes / (1024 * 1024)} MB this site accepts.");
            }

            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    throw new GenerationFailedException($"The {what} {provider} returned is larger than the {maxBytes / (1024 * 1024)} MB this site accepts.");
                }

                buffer.Write(chunk, 0, read);
            }

            logger.LogInformation("Downloaded {What} from {Provider}: {Bytes} bytes", what, provider, buffer.Length);
            return buffer.ToArray();
        }
        catch (Exception ex) when (IsTransport(ex, cancellationToken))
        {
            throw new GenerationFailedException($"The finished {what} could not be downloaded from {provider}: {Describe(ex)}", ex);
        }
    }

    private HttpClient Client() => clients.CreateClient(RemoteHttpRegistration.FileClient);

    private static bool IsTransport(Exception ex, CancellationToken cancellationToken) =>
        ex is HttpRequestException or TimeoutRejectedException or BrokenCircuitException or IOException
        || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    private static string Describe(Exception ex) => ex switch
    {
        TimeoutRejectedException or OperationCanceledException => "it took too long.",
        BrokenCircuitException => "file downloads are failing repeatedly right now.",
        _ => "the connection failed.",
    };
}
