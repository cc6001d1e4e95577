using Image2Model.Site.Conversions;
using Image2Model.Site.Generators.Remote;
using Microsoft.Extensions.Options;

namespace Image2Model.Site.Generators.Hunyuan3D;

/// <summary>
/// Hunyuan3D-2 on the operators' own GPU, through its api_server.py: one /send, then /status until
/// the model arrives inside the answer. No per-model cost; the server has no cancel call.
/// </summary>
internal sealed class Hunyuan3DGenerator(
    IOptions<Hunyuan3DOptions> options,
    IHttpClientFactory clients,
    RemoteFiles files,
    TimeProvider time,
    ILogger<Hunyuan3DGenerator> logger) : RemoteGenerator<ProviderPhoto, Hunyuan3DJob, Hunyuan3DModel>(options.Value, files, time, logger), IServerCheck
{
    /// <summary>A typical textured run on a 24 GB card; the bar approaches 85 % over a few of these.</summary>
    private static readonly TimeSpan TypicalRun = TimeSpan.FromSeconds(90);

    private readonly Hunyuan3DOptions _options = options.Value;

    public override string Name => "hunyuan3d";

    public override string DisplayName => "Hunyuan3D-2 (own GPU)";

    public override string Description => "Detailed textured models from Tencent's Hunyuan3D-2, made on this site's own GPU server.";

    public override GeneratorFeatures Features => GeneratorFeatures.Texture | GeneratorFeatures.Seed;

    protected override string Provider => "Hunyuan3D";

    protected override string NotConfiguredMessage => "The hunyuan3d generator is not configured (Generators:Hunyuan3D:BaseUrl is missing).";

    protected override string SubmittingMessage => "Sending the photo to the Hunyuan3D server";

    protected override string QueuedMessage => "The Hunyuan3D server is working on it";

    protected override string TimeoutMessage => $"The Hunyuan3D server did not finish in {Durations.Describe(_options.Deadline)}; check its log.";

    private Hunyuan3DClient Api => new(clients.CreateClient(Hunyuan3DClient.HttpClientName), _options, Logger);

    /// <summary>Nothing to upload: the photo travels inside the /send body.</summary>
    protected override Task<ProviderPhoto> PrepareAsync(GenerationRequest request, ProviderPhoto photo, ProgressReporter progress, CancellationToken cancellationToken) =>
        Task.FromResult(photo);

    protected override async Task<Hunyuan3DJob> SubmitAsync(ProviderPhoto photo, GenerationRequest request, CancellationToken cancellationToken)
    {
        var preset = _options.Chosen;
        var options = request.Options;
        var uid = await Api.SendAsync(new Hunyuan3DSend
        {
            Image = Convert.ToBase64String(photo.Bytes),
            Texture = options.Texture != TextureQuality.None,
            Seed = options.Seed,
            OctreeResolution = preset.OctreeResolution,
            Steps = preset.Steps,
            GuidanceScale = preset.GuidanceScale,
            FaceCount = options.FaceLimit,
        }, cancellationToken);
        return new Hunyuan3DJob(uid);
    }

    protected override bool CanResume(Hunyuan3DJob job) => job.Uid is { Length: > 0 };

    protected override string JobId(Hunyuan3DJob job) => job.Uid;

    protected override Func<CancellationToken, Task<Hunyuan3DModel?>> Polling(Hunyuan3DJob job, ProgressReporter progress)
    {
        var since = Time.GetUtcNow();
        return async token =>
        {
            var answer = await Api.StatusAsync(job.Uid, token);
            switch (answer.Status)
            {
                case "processing":
                    // The server says nothing but "processing": the bar follows the time spent.
                    var elapsed = Time.GetUtcNow() - since;
                    var percent = 10 + (int)(75 * (1 - Math.Exp(-elapsed / TypicalRun)));
                    await progress.ReportAsync(percent, "The Hunyuan3D server is working on it", token);
                    return null;
                case "completed" when answer.Model is { } glb:
                    return new Hunyuan3DModel(glb);
                default:
                    throw new GenerationFailedException($"The Hunyuan3D server reported the job as '{answer.Status ?? "unknown"}' and sent no model.");
            }
        };
    }

    protected override Task<GeneratedModel> FetchAsync(Hunyuan3DJob job, Hunyuan3DModel result, ProgressReporter progress, CancellationToken cancellationToken) =>
        CheckAsync(result.Glb, null, "Hunyuan3D-2", progress, cancellationToken);

    public async Task<string> CheckAsync(CancellationToken cancellationToken)
    {
        if (!IsConfigured)
        {
            return "Not configured (no BaseUrl set)";
        }

        try
        {
            var status = await Api.ProbeAsync(cancellationToken);
            return (int)status is >= 200 and < 300 ? "Answers" : $"Answers, but with HTTP {(int)status}";
        }
        catch (RemoteUnavailableException ex)
        {
            return $"Does not answer: {ex.Message}";
        }
        catch (OperationCanceledException)
        {
            return "Does not answer: no reply within a few seconds";
        }
    }
}
