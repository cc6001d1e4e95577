using System.Net;
using System.Text.Json;
using Image2Model.Site.Conversions;
using Image2Model.Site.Generators.Remote;

namespace Image2Model.Site.Generators.Hunyuan3D;

/// <summary>api_server.py's calls. The HttpClient carries the proxy's Authorization header, if any.</summary>
internal sealed class Hunyuan3DClient(HttpClient http, Hunyuan3DOptions options, ILogger logger)
{
    public const string HttpClientName = "hunyuan3d";

    /// <summary>The server stamps no header of its own; the name only has to be one no reply carries.</summary>
    public const string ReachedHeader = "X-Image2Model-None";

    private const string Provider = "The Hunyuan3D server";

    private Uri Url(string path) => ApiCall.Combine(options.BaseUrl!, path);

    /// <summary>Starts the job. Never repeated: one /send per attempt, even after a proxy's 502.</summary>
    public async Task<string> SendAsync(Hunyuan3DSend body, CancellationToken cancellationToken)
    {
        using var request = ApiCall.JsonRequest(HttpMethod.Post, Url("send"), body).AsSubmit().WithoutRetry();
        var reply = await http.SendAsync(request, Provider, cancellationToken);
        if (!reply.IsSuccess)
        {
            throw Failure(reply, "starting the job");
        }

        var sent = reply.Read<Hunyuan3DSent>(Provider);
        return string.IsNullOrEmpty(sent.Uid)
            ? throw new GenerationFailedException("The Hunyuan3D server accepted the job but returned no id for it.")
            : sent.Uid;
    }

    /// <summary>The job's status; the model (decoded as it streams in) once it is completed.</summary>
    public async Task<StatusAnswer.Answer> StatusAsync(string uid, CancellationToken cancellationToken)
    {
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        reading.CancelAfter(options.StatusReadTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, Url($"status/{Uri.EscapeDataString(uid)}"));
        try
        {
            using var response = await http.OpenAsync(request, Provider, reading.Token);
            if (!response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadAsStringAsync(reading.Token);
                throw Failure(new ApiReply(response.StatusCode, response.Headers, body), "checking the job");
            }

            await using var stream = await response.Content.ReadAsStreamAsync(reading.Token);
            return await StatusAnswer.ReadAsync(stream, response.Content.Headers.ContentLength, options.MaxDownloadBytes, reading.Token);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RemoteUnavailableException($"{Provider} took longer than {Durations.Describe(options.StatusReadTimeout)} to send the job's status.", ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            throw new RemoteUnavailableException($"{Provider} broke off while sending the job's status.", ex);
        }
        catch (FormatException ex)
        {
            throw new GenerationFailedException($"{Provider} sent a status this site cannot read: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Asks for the status of a job that does not exist: the server answers "processing" from a
    /// file check, so this touches neither the GPU nor any real job.
    /// </summary>
    public async Task<HttpStatusCode> ProbeAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url($"status/image2model-probe-{Guid.NewGuid():N}")).WithoutRetry();
        var reply = await http.SendAsync(request, Provider, cancellationToken);
        return reply.Status;
    }

    private Exception Failure(ApiReply reply, string doing)
    {
        Hunyuan3DError? error = null;
        try
        {
            error = JsonSerializer.Deserialize<Hunyuan3DError>(reply.Body, ApiCall.Json);
        }
        catch (JsonException)
        {
            // A proxy's error page; the status says enough.
        }

        var code = (int)reply.Status;
        if (error is { ErrorCode: not null })
        {
            // The server's own error answer (HTTP 404 with a text). Its text is the same canned
            // "network error" whatever went wrong, so it goes to the log, not to the user.
            logger.LogWarning("The Hunyuan3D server answered HTTP {Status} while {Doing}: {Text} (error code {Code})", code, doing, error.Text, error.ErrorCode);
            return new GenerationFailedException("The Hunyuan3D server failed while making this model; its log says why. Try again, or try another photo.");
        }

        return reply.Status switch
        {
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => new GenerationFailedException(
                $"The Hunyuan3D server (or the proxy in front of it) refused this site (HTTP {code}); an administrator needs to check Generators:Hunyuan3D:Authorization."),
            HttpStatusCode.NotFound => new GenerationFailedException(
                $"The Hunyuan3D server answered HTTP 404 while {doing}; an administrator needs to check Generators:Hunyuan3D:BaseUrl."),
            _ when reply.IsTransient => new RemoteUnavailableException($"{Provider} answered HTTP {code} while {doing}."),
            _ => new GenerationFailedException($"{Provider} answered HTTP {code} while {doing}."),
        };
    }
}

