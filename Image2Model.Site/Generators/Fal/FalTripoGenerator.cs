using System.Text.Json;
using Image2Model.Site.Conversions;
using Image2Model.Site.Generators.Remote;
using Microsoft.Extensions.Options;

namespace Image2Model.Site.Generators.Fal;

/// <summary>Tripo3D v2.5 through FAL's queue API: upload, submit once, poll, download.</summary>
internal sealed class FalTripoGenerator(
    IOptions<FalOptions> options,
    IHttpClientFactory clients,
    RemoteFiles files,
    TimeProvider time,
    ILogger<FalTripoGenerator> logger) : IGenerator
{
    private const string Provider = "FAL";
    private readonly FalOptions _options = options.Value;

    public string Name => "fal-tripo";

    public string DisplayName => "Tripo3D (FAL)";

    public string Description => "Studio-quality textured models from Tripo3D v2.5, made on FAL's servers.";

    public bool IsConfigured => _options.IsConfigured;

    public GeneratorFeatures Features => GeneratorFeatures.Texture | GeneratorFeatures.Pbr | GeneratorFeatures.Seed;

    public async Task<GeneratedModel> GenerateAsync(GenerationRequest request, IGenerationContext context, CancellationToken cancellationToken)
    {
        if (!IsConfigured)
        {
            throw new GenerationFailedException("The fal-tripo generator is not configured (FAL_KEY is missing).");
        }

        var api = Api();
        var progress = new ProgressReporter(context);
        FalResumeState job;
        if (request.ResumeState is { } saved)
        {
            job = ReadState(saved) ?? throw new GenerationFailedException(
                "The saved FAL request of this conversion cannot be read, so it cannot be resumed; retry the conversion.");
            logger.LogInformation("Conversion {Conversion} resumes FAL request {Request}", request.ConversionId, job.RequestId);
            await progress.ReportAsync(5, "Checking on the job at FAL", cancellationToken);
        }
        else
        {
            job = await SubmitAsync(api, request, progress, context, cancellationToken);
        }

        var output = await WaitAsync(api, job, progress, cancellationToken);
        return await DownloadAsync(output, progress, cancellationToken);
    }

    /// <summary>FAL's cancel: PUT cancel_url. Any answer is final; failures are only logged.</summary>
    public async Task CancelRemoteAsync(string resumeState, CancellationToken cancellationToken)
    {
        if (!IsConfigured || ReadState(resumeState) is not { } job)
        {
            logger.LogWarning("No FAL request to cancel in the saved state");
            return;
        }

        try
        {
            var reply = await Api().CancelAsync(job.CancelUrl, cancellationToken);
            logger.LogInformation("Cancel of FAL request {Request}: HTTP {Status} {Body}", job.RequestId, (int)reply.Status, reply.Body);
        }
        catch (Exception ex) when (ex is RemoteUnavailableException or GenerationFailedException)
        {
            logger.LogWarning(ex, "Cancel of FAL request {Request} could not be sent", job.RequestId);
        }
    }

    private async Task<FalResumeState> SubmitAsync(FalQueueClient api, GenerationRequest request, ProgressReporter progress, IGenerationContext context, CancellationToken cancellationToken)
    {
        FalSubmitted submitted;
        try
        {
            await progress.ReportAsync(1, "Uploading the photo to FAL", cancellationToken);
            // A neutral name: the user's file name is none of the provider's business.
            var fileName = $"{request.ConversionId:N}{ImageTypes.Extension(request.ContentType)}";
            var (uploadUrl, fileUrl) = await api.InitiateUploadAsync(request.ContentType, fileName, cancellationToken);
            await files.PutAsync(uploadUrl, request.Image, request.ContentType, Provider, cancellationToken);

            await progress.ReportAsync(3, "Sending the job to Tripo3D on FAL", cancellationToken);
            submitted = await api.SubmitAsync(Input(fileUrl, request.Options), cancellationToken);
        }
        catch (RemoteUnavailableException ex)
        {
            // Nothing is at FAL yet (or it cannot be known): fail now rather than pile up.
            throw new GenerationFailedException(ex.Message, ex);
        }

        if (string.IsNullOrEmpty(submitted.RequestId)
            || !Uri.TryCreate(submitted.StatusUrl, UriKind.Absolute, out var statusUrl)
            || !Uri.TryCreate(submitted.ResponseUrl, UriKind.Absolute, out var responseUrl)
            || !Uri.TryCreate(submitted.CancelUrl, UriKind.Absolute, out var cancelUrl))
        {
            throw new GenerationFailedException("FAL accepted the job but did not say where to follow it; try again later.");
        }

        var job = new FalResumeState(Name, submitted.RequestId, statusUrl, responseUrl, cancelUrl, time.GetUtcNow());
        // Saved before anything else and regardless of cancellation: this is what prevents a second, billed submit.
        await context.SaveResumeStateAsync(JsonSerializer.Serialize(job, ApiCall.Json), CancellationToken.None);
        logger.LogInformation("Conversion {Conversion} submitted to FAL as request {Request}", request.ConversionId, job.RequestId);
        await progress.ReportAsync(5, "Waiting in FAL's queue", cancellationToken);
        return job;
    }

    private Task<FalTripoOutput> WaitAsync(FalQueueClient api, FalResumeState job, ProgressReporter progress, CancellationToken cancellationToken)
    {
        var derived = new FalProgress(time);
        return StatusPolling.UntilDoneAsync(
            async token =>
            {
                var status = await api.GetStatusAsync(job.StatusUrl, token);
                switch (status.Status)
                {
                    case "IN_QUEUE":
                        var (queued, inQueue) = derived.Queued(status.QueuePosition);
                        await progress.ReportAsync(queued, inQueue, token);
                        return null;
                    case "COMPLETED":
                        await progress.ReportAsync(88, "Fetching the result from FAL", token);
                        return await ResultAsync(api, job, status, token);
                    default:
                        var (running, message) = derived.Running(status.Logs);
                        await progress.ReportAsync(running, message, token);
                        return null;
                }
            },
            job.SubmittedAt + _options.Deadline,
            _options.PollInterval,
            time,
            $"Timed out after {Durations.Describe(_options.Deadline)} waiting for Tripo3D.",
            async () =>
            {
                logger.LogWarning("FAL request {Request} passed its deadline; cancelling it", job.RequestId);
                await CancelRemoteAsync(JsonSerializer.Serialize(job, ApiCall.Json), CancellationToken.None);
            },
            logger,
            cancellationToken);
    }

    private async Task<FalTripoOutput> ResultAsync(FalQueueClient api, FalResumeState job, FalStatus status, CancellationToken cancellationToken)
    {
        var failed = status.Error is { ValueKind: not JsonValueKind.Null } || !string.IsNullOrEmpty(status.ErrorType);
        var reply = await api.GetResultAsync(job.ResponseUrl, failed, cancellationToken);
        if (!reply.IsSuccess)
        {
            logger.LogWarning("FAL request {Request} result: HTTP {Status} {Body}", job.RequestId, (int)reply.Status, reply.Body);
            throw failed ? FalErrors.JobFailed(status, reply) : FalErrors.From(reply, "fetching the result");
        }

        var output = reply.Read<FalTripoOutput>(Provider);
        if (Model(output) is null)
        {
            throw failed ? FalErrors.JobFailed(status, reply) : new GenerationFailedException("FAL finished the job but sent no model file.");
        }

        return output;
    }

    private async Task<GeneratedModel> DownloadAsync(FalTripoOutput output, ProgressReporter progress, CancellationToken cancellationToken)
    {
        await progress.ReportAsync(90, "Downloading the model", cancellationToken);
        var glb = await files.GetAsync(Model(output)!, "model", Provider, _options.MaxDownloadBytes, cancellationToken);
        byte[]? preview = null;
        if (Uri.TryCreate(output.RenderedImage?.Url, UriKind.Absolute, out var previewUrl))
        {
            try
            {
                preview = await files.GetAsync(previewUrl, "preview image", Provider, _options.MaxDownloadBytes, cancellationToken);
            }
            catch (GenerationFailedException ex)
            {
                // The preview is a nicety; the model is what the user asked for.
                logger.LogWarning(ex, "FAL preview image could not be downloaded");
            }
        }

        await progress.ReportAsync(97, "Checking the model", cancellationToken);
        var triangles = GlbModel.CountTriangles(glb);
        return new GeneratedModel(glb, preview, triangles, $"Made by Tripo3D v2.5 on FAL: {triangles:N0} triangles.");
    }

    private FalQueueClient Api() => new(clients.CreateClient(FalQueueClient.HttpClientName), _options);

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

    private FalResumeState? ReadState(string state)
    {
        try
        {
            var job = JsonSerializer.Deserialize<FalResumeState>(state, ApiCall.Json);
            return job is { Provider: "fal-tripo", RequestId.Length: > 0 } ? job : null;
        }
        catch (JsonException ex)
        {
            logger.LogWarning(ex, "Saved FAL state is not readable");
            return null;
        }
    }
}
