using Image2Model.Site.Conversions;
using Image2Model.Site.Generators.Remote;

namespace Image2Model.Site.Generators.Fal;

/// <summary>FAL's storage and queue calls (spec section 1). The HttpClient carries the key.</summary>
internal sealed class FalQueueClient(HttpClient http, FalOptions options)
{
    public const string HttpClientName = "fal-tripo";

    /// <summary>The header FAL's own servers put on replies: a 5xx with it means the submit reached FAL.</summary>
    public const string ReachedHeader = "x-fal-request-id";

    private const string Provider = "FAL";

    public async Task<(Uri UploadUrl, string FileUrl)> InitiateUploadAsync(string contentType, string fileName, CancellationToken cancellationToken)
    {
        var url = ApiCall.Combine(options.RestUrl, "storage/upload/initiate?storage_type=fal-cdn-v3");
        using var request = ApiCall.JsonRequest(HttpMethod.Post, url, new FalUploadInitiate(contentType, fileName));
        var reply = await http.SendAsync(request, Provider, cancellationToken);
        if (!reply.IsSuccess)
        {
            throw FalErrors.From(reply, "preparing the upload");
        }

        var target = reply.Read<FalUploadTarget>(Provider);
        if (!Uri.TryCreate(target.UploadUrl, UriKind.Absolute, out var uploadUrl) || string.IsNullOrEmpty(target.FileUrl))
        {
            throw new GenerationFailedException("FAL's storage did not return an upload address; try again later.");
        }

        return (uploadUrl, target.FileUrl);
    }

    /// <param name="webhook">Where FAL should report the job's end, if anywhere.</param>
    public async Task<FalSubmitted> SubmitAsync(FalTripoInput input, Uri? webhook, CancellationToken cancellationToken)
    {
        var url = ApiCall.Combine(options.QueueUrl, options.ModelId);
        if (webhook is not null)
        {
            url = new Uri($"{url}?fal_webhook={Uri.EscapeDataString(webhook.AbsoluteUri)}");
        }

        using var request = ApiCall.JsonRequest(HttpMethod.Post, url, input).AsSubmit();
        var reply = await http.SendAsync(request, Provider, cancellationToken);
        return reply.IsSuccess ? reply.Read<FalSubmitted>(Provider) : throw FalErrors.From(reply, "starting the job");
    }

    public async Task<FalStatus> GetStatusAsync(Uri statusUrl, CancellationToken cancellationToken)
    {
        var url = new UriBuilder(Trusted(statusUrl));
        url.Query = string.IsNullOrEmpty(url.Query) ? "logs=1" : $"{url.Query.TrimStart('?')}&logs=1";
        using var request = new HttpRequestMessage(HttpMethod.Get, url.Uri);
        var reply = await http.SendAsync(request, Provider, cancellationToken);
        return reply.IsSuccess ? reply.Read<FalStatus>(Provider) : throw FalErrors.From(reply, "checking the job");
    }

    /// <summary>The raw answer: a failed job answers with the model's own error status and body.</summary>
    /// <param name="failed">The status already said the job failed: its error answer is not worth repeating.</param>
    public async Task<ApiReply> GetResultAsync(Uri responseUrl, bool failed, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Trusted(responseUrl));
        if (failed)
        {
            request.WithoutRetry();
        }

        return await http.SendAsync(request, Provider, cancellationToken);
    }

    public async Task<ApiReply> CancelAsync(Uri cancelUrl, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, Trusted(cancelUrl));
        return await http.SendAsync(request, Provider, cancellationToken);
    }

    /// <summary>The key only goes to FAL's own hosts, even when an answer names another one.</summary>
    public Uri Trusted(Uri url)
    {
        var host = url.Host;
        var trusted = host.Equals(options.QueueUrl.Host, StringComparison.OrdinalIgnoreCase)
            || host.Equals(options.RestUrl.Host, StringComparison.OrdinalIgnoreCase)
            || options.TrustedHosts.Any(t => host.Equals(t, StringComparison.OrdinalIgnoreCase)
                || host.EndsWith("." + t, StringComparison.OrdinalIgnoreCase));
        var secure = url.Scheme == Uri.UriSchemeHttps || url.Scheme == options.QueueUrl.Scheme;
        return trusted && secure
            ? url
            : throw new GenerationFailedException($"FAL named an address this site does not trust ({url.Host}); the key was not sent there.");
    }
}
