using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Image2Model.Site.Conversions;
using Image2Model.Site.Generators.Remote;

namespace Image2Model.Site.Generators.Tripo;

/// <summary>Tripo's upload, task and status calls (spec section 3). The HttpClient carries the key.</summary>
internal sealed class TripoApiClient(HttpClient http, TripoOptions options, ILogger logger)
{
    public const string HttpClientName = "tripo";

    /// <summary>Tripo's servers stamp every reply with it: a 5xx with it means the create reached Tripo.</summary>
    public const string ReachedHeader = "X-Tripo-Trace-ID";

    public const string ContentPolicy = "The image was refused by the provider's content policy.";
    public const string BadKey = "Tripo refused the key, so the tripo generator is not configured correctly; an administrator needs to check TRIPO_API_KEY.";

    private const string Provider = "Tripo";

    public async Task<string> UploadAsync(byte[] image, string contentType, string fileName, CancellationToken cancellationToken)
    {
        var file = new ByteArrayContent(image);
        file.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        using var request = new HttpRequestMessage(HttpMethod.Post, ApiCall.Combine(options.BaseUrl, "upload"))
        {
            Content = new MultipartFormDataContent { { file, "file", fileName } },
        };
        var uploaded = await SendAsync<TripoUploaded>(request, "uploading the photo", cancellationToken);
        return string.IsNullOrEmpty(uploaded.ImageToken)
            ? throw new GenerationFailedException("Tripo accepted the photo but returned no token for it; try again later.")
            : uploaded.ImageToken;
    }

    public async Task<string?> CreateTaskAsync(TripoTaskInput input, CancellationToken cancellationToken)
    {
        using var request = ApiCall.JsonRequest(HttpMethod.Post, ApiCall.Combine(options.BaseUrl, "task"), input).AsSubmit();
        return (await SendAsync<TripoCreated>(request, "starting the job", cancellationToken)).TaskId;
    }

    public async Task<TripoTask> GetTaskAsync(string taskId, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, ApiCall.Combine(options.BaseUrl, $"task/{Uri.EscapeDataString(taskId)}"));
        return await SendAsync<TripoTask>(request, "checking the job", cancellationToken);
    }

    private async Task<T> SendAsync<T>(HttpRequestMessage request, string doing, CancellationToken cancellationToken)
        where T : class
    {
        var reply = await http.SendAsync(request, Provider, cancellationToken);
        TripoEnvelope<T>? envelope = null;
        try
        {
            envelope = JsonSerializer.Deserialize<TripoEnvelope<T>>(reply.Body, ApiCall.Json);
        }
        catch (JsonException) when (!reply.IsSuccess)
        {
            // A proxy's error page; the HTTP status says enough.
        }
        catch (JsonException ex)
        {
            throw new RemoteUnavailableException("Tripo sent an answer this site cannot read.", ex);
        }

        if (reply.IsSuccess && envelope is { Code: 0, Data: { } data })
        {
            return data;
        }

        var trace = reply.Headers.TryGetValues(ReachedHeader, out var values) ? values.FirstOrDefault() : null;
        logger.LogWarning("Tripo answered HTTP {Status}, code {Code} while {Doing}: {Message} (trace {Trace})",
            (int)reply.Status, envelope?.Code, doing, envelope?.Message, trace);
        throw Failure(reply, envelope?.Code ?? 0, envelope?.Message, doing);
    }

    private static Exception Failure(ApiReply reply, int code, string? message, string doing)
    {
        var suffix = string.IsNullOrWhiteSpace(message) ? "." : $": {message}";
        return code switch
        {
            1002 => new GenerationFailedException(BadKey),
            1003 or 1004 => new GenerationFailedException($"Tripo rejected the request{suffix}"),
            1007 or 2000 => new RemoteUnavailableException($"Tripo is rate limiting this account right now{suffix}"),
            2001 => new GenerationFailedException("Tripo no longer knows this task; retry the conversion."),
            2003 or 2004 => new GenerationFailedException("Tripo could not use this image: it is empty or in a format it does not support."),
            2008 => new GenerationFailedException(ContentPolicy),
            2010 => new GenerationFailedException("The Tripo account has no credits left; an administrator needs to top it up."),
            _ => reply.Status switch
            {
                HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => new GenerationFailedException(BadKey),
                _ when reply.IsTransient => new RemoteUnavailableException($"Tripo answered HTTP {(int)reply.Status} while {doing}{suffix}"),
                _ when reply.IsSuccess => new RemoteUnavailableException($"Tripo sent an unexpected answer while {doing}{suffix}"),
                _ => new GenerationFailedException($"Tripo answered HTTP {(int)reply.Status} while {doing}{suffix}"),
            },
        };
    }
}
