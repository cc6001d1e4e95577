using System.Text.Json;
using Image2Model.Site.Conversions;
using Image2Model.Site.Generators.Remote;
using Microsoft.Extensions.Options;

namespace Image2Model.Site.Generators.Tripo;

/// <summary>Tripo3D v2.5 through Tripo's own API: upload, create the task, poll, download.</summary>
internal sealed class TripoGenerator(
    IOptions<TripoOptions> options,
    IHttpClientFactory clients,
    RemoteFiles files,
    TimeProvider time,
    ILogger<TripoGenerator> logger) : RemoteGenerator<TripoUpload, TripoJob, TripoOutput>(options.Value, files, time, logger)
{
    private readonly TripoOptions _options = options.Value;

    public override string Name => "tripo";

    public override string DisplayName => "Tripo3D";

    public override string Description => "Studio-quality textured models from Tripo3D v2.5, made on Tripo's own servers.";

    public override GeneratorFeatures Features => GeneratorFeatures.Texture | GeneratorFeatures.Pbr | GeneratorFeatures.Seed;

    protected override string Provider => "Tripo";

    protected override string NotConfiguredMessage => "The tripo generator is not configured (TRIPO_API_KEY is missing).";

    protected override string SubmittingMessage => "Sending the job to Tripo3D";

    private TripoApiClient Api => new(clients.CreateClient(TripoApiClient.HttpClientName), _options, Logger);

    protected override async Task<TripoUpload> PrepareAsync(GenerationRequest request, ProviderPhoto photo, ProgressReporter progress, CancellationToken cancellationToken)
    {
        await progress.ReportAsync(1, "Uploading the photo to Tripo", cancellationToken);
        var extension = ImageTypes.Extension(photo.ContentType);
        var token = await Api.UploadAsync(photo.Bytes, photo.ContentType, $"{request.ConversionId:N}{extension}", cancellationToken);
        return new TripoUpload(token, extension);
    }

    protected override async Task<TripoJob> SubmitAsync(TripoUpload upload, GenerationRequest request, CancellationToken cancellationToken)
    {
        var taskId = await Api.CreateTaskAsync(Input(upload, request.Options), cancellationToken);
        return string.IsNullOrEmpty(taskId)
            ? throw new GenerationFailedException("Tripo accepted the job but returned no task id; try again later.")
            : new TripoJob(taskId);
    }

    protected override bool CanResume(TripoJob job) => job.TaskId is { Length: > 0 };

    protected override string JobId(TripoJob job) => job.TaskId;

    protected override Func<CancellationToken, Task<TripoOutput?>> Polling(TripoJob job, ProgressReporter progress) => async token =>
    {
        var task = await Api.GetTaskAsync(job.TaskId, token);
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
    };

    /// <summary>Tripo's URLs expire after about five minutes: fetched at once. A resumed job asks for fresh ones.</summary>
    protected override Task<GeneratedModel> FetchAsync(TripoJob job, TripoOutput output, ProgressReporter progress, CancellationToken cancellationToken) =>
        DownloadAsync(Model(output)!, Uri.TryCreate(output.RenderedImage, UriKind.Absolute, out var preview) ? preview : null,
            "Tripo3D v2.5", progress, cancellationToken);

    private static GenerationFailedException Final(string? status) => new(status switch
    {
        "banned" => TripoApiClient.ContentPolicy,
        "failed" => "Tripo3D could not make a model from this image.",
        "expired" => "The job expired at Tripo before it finished; retry the conversion.",
        "cancelled" => "The job was cancelled at Tripo.",
        _ => $"Tripo reported the job as '{status ?? "unknown"}' and gave no model.",
    });

    private static Uri? Model(TripoOutput output) =>
        Uri.TryCreate(output.PbrModel ?? output.Model ?? output.BaseModel, UriKind.Absolute, out var url) ? url : null;

    private TripoTaskInput Input(TripoUpload upload, GenerationOptions options)
    {
        var texture = options.Pbr || options.Texture != TextureQuality.None;
        return new TripoTaskInput
        {
            ModelVersion = _options.ModelVersion,
            File = new TripoFile(upload.Extension.TrimStart('.'), upload.Token),
            Texture = texture,
            Pbr = options.Pbr,
            // UNCONFIRMED in the spec: Tripo's documented name for the HD texture.
            TextureQuality = texture && options.Texture == TextureQuality.HD ? "detailed" : null,
            FaceLimit = options.FaceLimit,
            ModelSeed = options.Seed,
            TextureSeed = options.Seed,
        };
    }
}
