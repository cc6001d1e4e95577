using System.Text.Json;
using Image2Model.Site.Conversions;
using Image2Model.Site.Generators.Remote;
using Microsoft.Extensions.Options;

namespace Image2Model.Site.Generators.Tripo;

/// <summary>Tripo3D v2.5 through Tripo's own API: upload, create the task once, poll, download.</summary>
internal sealed class TripoGenerator(
    IOptions<TripoOptions> options,
    IHttpClientFactory clients,
    RemoteFiles files,
    TimeProvider time,
    ILogger<TripoGenerator> logger) : IGenerator
{
    private const string Provider = "Tripo";
    private readonly TripoOptions _options = options.Value;

    public string Name => "tripo";

    public string DisplayName => "Tripo3D";

    public string Description => "Studio-quality textured models from Tripo3D v2.5, made on Tripo's own servers.";

    public bool IsConfigured => _options.IsConfigured;

    public GeneratorFeatures Features => GeneratorFeatures.Texture | GeneratorFeatures.Pbr | GeneratorFeatures.Seed;

    public async Task<GeneratedModel> GenerateAsync(GenerationRequest request, IGenerationContext context, CancellationToken cancellationToken)
    {
        if (!IsConfigured)
        {
            throw new GenerationFailedException("The tripo generator is not configured (TRIPO_API_KEY is missing).");
        }

        var api = Api();
        var progress = new ProgressReporter(context);
        TripoResumeState job;
        if (request.ResumeState is { } saved)
        {
            job = ReadState(saved) ?? throw new GenerationFailedException(
                "The saved Tripo task of this conversion cannot be read, so it cannot be resumed; retry the conversion.");
            logger.LogInformation("Conversion {Conversion} resumes Tripo task {Task}", request.ConversionId, job.TaskId);
            await progress.ReportAsync(5, "Checking on the job at Tripo", cancellationToken);
        }
        else
        {
            job = await SubmitAsync(api, request, progress, context, cancellationToken);
        }

        var output = await WaitAsync(api, job, progress, cancellationToken);
        return await DownloadAsync(output, progress, cancellationToken);
    }

    /// <summary>
    /// Tripo documents no way to cancel a task, so nothing is sent: the task finishes (and is
    /// billed) at Tripo and its result is simply never fetched.
    /// </summary>
    public Task CancelRemoteAsync(string resumeState, CancellationToken cancellationToken)
    {
        logger.LogInformation("Tripo has no cancel call; task {Task} is left to finish at Tripo", ReadState(resumeState)?.TaskId);
        return Task.CompletedTask;
    }

    private async Task<TripoResumeState> SubmitAsync(TripoApiClient api, GenerationRequest request, ProgressReporter progress, IGenerationContext context, CancellationToken cancellationToken)
    {
        string? taskId;
        try
        {
            await progress.ReportAsync(1, "Uploading the photo to Tripo", cancellationToken);
            var extension = ImageTypes.Extension(request.ContentType);
            var token = await api.UploadAsync(request.Image, request.ContentType, $"{request.ConversionId:N}{extension}", cancellationToken);

            await progress.ReportAsync(3, "Sending the job to Tripo3D", cancellationToken);
            taskId = await api.CreateTaskAsync(Input(token, extension, request.Options), cancellationToken);
        }
        catch (RemoteUnavailableException ex)
        {
            // Nothing is at Tripo yet (or it cannot be known): fail now rather than pile up.
            throw new GenerationFailedException(ex.Message, ex);
        }

        if (string.IsNullOrEmpty(taskId))
        {
            throw new GenerationFailedException("Tripo accepted the job but returned no task id; try again later.");
        }

        var job = new TripoResumeState(Name, taskId, time.GetUtcNow());
        // Saved before anything else and regardless of cancellation: this is what prevents a second, billed task.
        await context.SaveResumeStateAsync(JsonSerializer.Serialize(job, ApiCall.Json), CancellationToken.None);
        logger.LogInformation("Conversion {Conversion} submitted to Tripo as task {Task}", request.ConversionId, taskId);
        await progress.ReportAsync(5, "Waiting in Tripo's queue", cancellationToken);
        return job;
    }

    private Task<TripoOutput> WaitAsync(TripoApiClient api, TripoResumeState job, ProgressReporter progress, CancellationToken cancellationToken) =>
        StatusPolling.UntilDoneAsync(
            async token =>
            {
                var task = await api.GetTaskAsync(job.TaskId, token);
                switch (task.Status)
                {
                    case "queued":
                        await progress.ReportAsync(5, "Waiting in Tripo's queue", token);
                        return null;
                    case "running":
                        var percent = Math.Clamp(task.Progress ?? 0, 0, 100);
                        var left = task.RunningLeftTime is { ValueKind: JsonValueKind.Number } l && l.TryGetDouble(out var seconds) && seconds > 0
                            ? $", about {Durations.Describe(TimeSpan.FromSeconds(seconds))} left"
                            : "";
                        await progress.ReportAsync(10 + (int)(percent * 0.78), $"Tripo3D is building the model ({percent} %{left})", token);
                        return null;
                    case "success":
                        return task.Output is { } output && Model(output) is not null
                            ? output
                            : throw new GenerationFailedException("Tripo finished the job but sent no model file.");
                    default:
                        throw Final(task.Status);
                }
            },
            job.SubmittedAt + _options.Deadline,
            _options.PollInterval,
            time,
            $"Timed out after {Durations.Describe(_options.Deadline)} waiting for Tripo3D.",
            () =>
            {
                logger.LogWarning("Tripo task {Task} passed its deadline; Tripo has no cancel call, so it is left alone", job.TaskId);
                return Task.CompletedTask;
            },
            logger,
            cancellationToken);

    private async Task<GeneratedModel> DownloadAsync(TripoOutput output, ProgressReporter progress, CancellationToken cancellationToken)
    {
        // Tripo's URLs expire after about five minutes: fetch at once.
        await progress.ReportAsync(90, "Downloading the model", cancellationToken);
        var glb = await files.GetAsync(Model(output)!, "model", Provider, _options.MaxDownloadBytes, cancellationToken);
        byte[]? preview = null;
        if (Uri.TryCreate(output.RenderedImage, UriKind.Absolute, out var previewUrl))
        {
            try
            {
                preview = await files.GetAsync(previewUrl, "preview image", Provider, _options.MaxDownloadBytes, cancellationToken);
            }
            catch (GenerationFailedException ex)
            {
                // The preview is a nicety; the model is what the user asked for.
                logger.LogWarning(ex, "Tripo preview image could not be downloaded");
            }
        }

        await progress.ReportAsync(97, "Checking the model", cancellationToken);
        var triangles = GlbModel.CountTriangles(glb);
        return new GeneratedModel(glb, preview, triangles, $"Made by Tripo3D v2.5: {triangles:N0} triangles.");
    }

    private static GenerationFailedException Final(string? status) => new(status switch
    {
        "banned" => TripoApiClient.ContentPolicy,
        "failed" => "Tripo3D could not make a model from this image.",
        "expired" => "The job expired at Tripo before it finished; retry the conversion.",
        "cancelled" => "The job was cancelled at Tripo.",
        _ => $"Tripo reported the job as '{status ?? "unknown"}' and gave no model.",
    });

    private TripoApiClient Api() => new(clients.CreateClient(TripoApiClient.HttpClientName), _options, logger);

    private static Uri? Model(TripoOutput output) =>
        Uri.TryCreate(output.PbrModel ?? output.Model ?? output.BaseModel, UriKind.Absolute, out var url) ? url : null;

    private TripoTaskInput Input(string token, string extension, GenerationOptions options)
    {
        var texture = options.Pbr || options.Texture != TextureQuality.None;
        return new TripoTaskInput
        {
            ModelVersion = _options.ModelVersion,
            File = new TripoFile(extension.TrimStart('.'), token),
            Texture = texture,
            Pbr = options.Pbr,
            // UNCONFIRMED in the spec: Tripo's documented name for the HD texture.
            TextureQuality = texture && options.Texture == TextureQuality.HD ? "detailed" : null,
            FaceLimit = options.FaceLimit,
            ModelSeed = options.Seed,
            TextureSeed = options.Seed,
        };
    }

    private TripoResumeState? ReadState(string state)
    {
        try
        {
            var job = JsonSerializer.Deserialize<TripoResumeState>(state, ApiCall.Json);
            return job is { Provider: "tripo", TaskId.Length: > 0 } ? job : null;
        }
        catch (JsonException ex)
        {
            logger.LogWarning(ex, "Saved Tripo state is not readable");
            return null;
        }
    }
}
