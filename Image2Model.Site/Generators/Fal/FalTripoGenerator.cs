using System.Text.Json;
using Image2Model.Site.Conversions;
using Image2Model.Site.Generators.Remote;
using Microsoft.Extensions.Options;

namespace Image2Model.Site.Generators.Fal;

/// <summary>Tripo3D v2.5 through FAL's queue API: upload to FAL's storage, submit, poll, fetch the result.</summary>
internal sealed class FalTripoGenerator(
    IOptions<FalOptions> options,
    IHttpClientFactory clients,
    RemoteFiles files,
    FalWebhooks webhooks,
    TimeProvider time,
    ILogger<FalTripoGenerator> logger) : RemoteGenerator<string, FalJob, FalTripoOutput>(options.Value, files, time, logger)
{
    public override string Name => "fal-tripo";

    public override string DisplayName => "Tripo3D (FAL)";

    public override string Description => "Studio-quality textured models from Tripo3D v2.5, made on FAL's servers.";

    public override GeneratorFeatures Features => GeneratorFeatures.Texture | GeneratorFeatures.Pbr | GeneratorFeatures.Seed;

    protected override string Provider => "FAL";

    protected override string NotConfiguredMessage => "The fal-tripo generator is not configured (FAL_KEY is missing).";

    protected override string SubmittingMessage => "Sending the job to Tripo3D on FAL";

    protected override string TimeoutMessage => $"Timed out after {Durations.Describe(options.Value.Deadline)} waiting for Tripo3D.";

    protected override TimeSpan? JobNamedLaterWithin => webhooks.Enabled ? options.Value.WebhookWait : null;

    private FalQueueClient Api => new(clients.CreateClient(FalQueueClient.HttpClientName), options.Value);

    /// <returns>The file URL FAL's storage gave the photo.</returns>
    protected override async Task<string> PrepareAsync(GenerationRequest request, ProviderPhoto photo, ProgressReporter progress, CancellationToken cancellationToken)
    {
        await progress.ReportAsync(1, "Uploading the photo to FAL", cancellationToken);
        // A neutral name: the user's file name is none of the provider's business.
        var fileName = $"{request.ConversionId:N}{ImageTypes.Extension(photo.ContentType)}";
        var (uploadUrl, fileUrl) = await Api.InitiateUploadAsync(photo.ContentType, fileName, cancellationToken);
        await Files.PutAsync(uploadUrl, photo.Bytes, photo.ContentType, Provider, cancellationToken);
        return fileUrl;
    }

    protected override async Task<FalJob> SubmitAsync(string fileUrl, GenerationRequest request, CancellationToken cancellationToken)
    {
        var submitted = await Api.SubmitAsync(Input(fileUrl, request.Options), webhooks.Enabled ? webhooks.CallbackFor(request.ConversionId) : null, cancellationToken);
        if (string.IsNullOrEmpty(submitted.RequestId)
            || !Uri.TryCreate(submitted.StatusUrl, UriKind.Absolute, out var statusUrl)
            || !Uri.TryCreate(submitted.ResponseUrl, UriKind.Absolute, out var responseUrl)
            || !Uri.TryCreate(submitted.CancelUrl, UriKind.Absolute, out var cancelUrl))
        {
            throw new GenerationFailedException("FAL accepted the job but did not say where to follow it; try again later.");
        }

        return new FalJob(submitted.RequestId, statusUrl, responseUrl, cancelUrl);
    }

    /// <summary>
    /// The job FAL's webhook names by its request id alone: its URLs follow FAL's pattern
    /// (queue host, the model id's owner/app, requests/{id}), as the submit answer would have given them.
    /// </summary>
    internal FalJob JobNamed(string requestId)
    {
        var app = string.Join('/', options.Value.ModelId.Split('/', StringSplitOptions.RemoveEmptyEntries).Take(2));
        var request = ApiCall.Combine(options.Value.QueueUrl, $"{app}/requests/{Uri.EscapeDataString(requestId)}");
        return new FalJob(requestId, new Uri($"{request}/status"), request, new Uri($"{request}/cancel"));
    }

    protected override bool CanResume(FalJob job) => job.RequestId is { Length: > 0 } && job.StatusUrl is not null && job.ResponseUrl is not null && job.CancelUrl is not null;

    protected override string JobId(FalJob job) => job.RequestId;

    protected override Func<CancellationToken, Task<FalTripoOutput?>> Polling(FalJob job, ProgressReporter progress)
    {
        var derived = new FalProgress(Time);
        return async token =>
        {
            var status = await Api.GetStatusAsync(job.StatusUrl, token);
            switch (status.Status)
            {
                case "IN_QUEUE":
                    var (queued, inQueue) = derived.Queued(status.QueuePosition);
                    await progress.ReportAsync(queued, inQueue, token);
                    return null;
                case "COMPLETED":
                    await progress.ReportAsync(88, "Fetching the result from FAL", token);
                    return await ResultAsync(job, status, token);
                default:
                    var (running, message) = derived.Running(status.Logs);
                    await progress.ReportAsync(running, message, token);
                    return null;
            }
        };
    }

    protected override Task<GeneratedModel> FetchAsync(FalJob job, FalTripoOutput output, ProgressReporter progress, CancellationToken cancellationToken) =>
        DownloadAsync(Model(output)!, Uri.TryCreate(output.RenderedImage?.Url, UriKind.Absolute, out var preview) ? preview : null,
            "Tripo3D v2.5 on FAL", progress, cancellationToken);

    /// <summary>FAL's cancel: PUT cancel_url.</summary>
    protected override async Task CancelJobAsync(FalJob job, CancellationToken cancellationToken)
    {
        var reply = await Api.CancelAsync(job.CancelUrl, cancellationToken);
        Logger.LogInformation("Cancel of FAL request {Request}: HTTP {Status} {Body}", job.RequestId, (int)reply.Status, reply.Body);
    }

    private async Task<FalTripoOutput> ResultAsync(FalJob job, FalStatus status, CancellationToken cancellationToken)
    {
        var failed = status.Error is { ValueKind: not JsonValueKind.Null } || !string.IsNullOrEmpty(status.ErrorType);
        var reply = await Api.GetResultAsync(job.ResponseUrl, failed, cancellationToken);
        if (!reply.IsSuccess)
        {
            Logger.LogWarning("FAL request {Request} result: HTTP {Status} {Body}", job.RequestId, (int)reply.Status, reply.Body);
            throw failed ? FalErrors.JobFailed(status, reply) : FalErrors.From(reply, "fetching the result");
        }

        var output = reply.Read<FalTripoOutput>(Provider);
        if (Model(output) is null)
        {
            throw failed ? FalErrors.JobFailed(status, reply) : new GenerationFailedException("FAL finished the job but sent no model file.");
        }

        return output;
    }

    private static Uri? Model(FalTripoOutput output) =>
        Uri.TryCreate((output.PbrModel ?? output.ModelMesh ?? output.BaseModel)?.Url, UriKind.Absolute, out var url) ? url : null;

    private static FalTripoInput Input(string imageUrl, GenerationOptions options)
    {
        // PBR forces a texture; asking for none with PBR would only earn a validation error.
        var texture = options.Pbr && options.Texture == TextureQuality.None ? TextureQuality.Standard : options.Texture;
        return new FalTripoInput
        {
            ImageUrl = imageUrl,
            FaceLimit = options.FaceLimit,
            Texture = texture switch { TextureQuality.None => "no", TextureQuality.HD => "HD", _ => "standard" },
            Pbr = options.Pbr ? true : null,
            Seed = options.Seed,
            TextureSeed = options.Seed,
        };
    }
}
