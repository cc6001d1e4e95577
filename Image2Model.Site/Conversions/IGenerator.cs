namespace Image2Model.Site.Conversions;

/// <summary>
/// One way of turning a photo into a GLB model. Every implementation is registered as an
/// <see cref="IGenerator"/> singleton; the upload form offers those that are configured.
/// </summary>
public interface IGenerator
{
    /// <summary>The value users pick and conversions store: "local", "fal-tripo", "tripo".</summary>
    string Name { get; }

    string DisplayName { get; }

    /// <summary>One friendly sentence for the upload form.</summary>
    string Description { get; }

    /// <summary>False when a key or URL it needs is missing; it is then hidden from users.</summary>
    bool IsConfigured { get; }

    /// <summary>Which options beyond the face limit the form shows for this generator.</summary>
    GeneratorFeatures Features { get; }

    /// <summary>
    /// Produces the model. Throw <see cref="GenerationFailedException"/> with a message a person
    /// understands for a final failure. <paramref name="request"/>.ResumeState is what an earlier,
    /// interrupted attempt saved through <see cref="IGenerationContext.SaveResumeStateAsync"/>.
    /// </summary>
    Task<GeneratedModel> GenerateAsync(GenerationRequest request, IGenerationContext context, CancellationToken cancellationToken);

    /// <summary>Asks the provider to stop a request an earlier attempt started (user cancel).</summary>
    Task CancelRemoteAsync(string resumeState, CancellationToken cancellationToken) => Task.CompletedTask;
}

[Flags]
public enum GeneratorFeatures
{
    None = 0,
    Texture = 1,
    Pbr = 2,
    Seed = 4,
}

public enum TextureQuality
{
    None,
    Standard,
    HD,
}

/// <summary>Options chosen on the upload form or the API. A null face limit means "Auto".</summary>
public sealed record GenerationOptions(int? FaceLimit = null, TextureQuality Texture = TextureQuality.Standard, bool Pbr = false, int? Seed = null)
{
    /// <summary>The face limits users may ask for (every generator can meet them).</summary>
    public const int MinFaces = 500;

    public const int MaxFaces = 100_000;
}

public sealed record GenerationRequest(
    Guid ConversionId,
    string FileName,
    string ContentType,
    byte[] Image,
    GenerationOptions Options,
    string? ResumeState);

/// <summary>The one thing the queue reads in a generator's otherwise opaque resume state.</summary>
public static class ResumeStates
{
    /// <summary>
    /// A state containing this names a provider job that already finished well, so a failure
    /// after it was ours (download, storage): Try again fetches that job instead of paying for a new one.
    /// </summary>
    public const string FinishedAtProvider = "\"phase\":\"finished\"";
}

/// <summary>What a running generator may tell the outside world while it works.</summary>
public interface IGenerationContext
{
    /// <summary>Stores progress (0–100; never goes backwards) and a status line users see.</summary>
    Task ReportProgressAsync(int percent, string message, CancellationToken cancellationToken);

    /// <summary>Persists provider state (request id, URLs) at once, so a restart resumes instead of resubmitting.</summary>
    /// <returns>
    /// False when the conversion is no longer this run's (canceled, or taken over by another node): nothing was
    /// saved, nobody else will learn of a job named in <paramref name="state"/>, and the run is being stopped.
    /// </returns>
    Task<bool> SaveResumeStateAsync(string state, CancellationToken cancellationToken);

    /// <summary>The provider state as stored now: someone else (a provider's callback) may have filled it in since the run began.</summary>
    Task<string?> ReadResumeStateAsync(CancellationToken cancellationToken) => Task.FromResult<string?>(null);
}

/// <param name="Message">The final status line, e.g. which mode the local engine used.</param>
public sealed record GeneratedModel(byte[] Glb, byte[]? PreviewImage, int Triangles, string Message);

/// <summary>A final failure; <see cref="Exception.Message"/> is shown to the user as is.</summary>
public sealed class GenerationFailedException(string userMessage, Exception? inner = null) : Exception(userMessage, inner);
