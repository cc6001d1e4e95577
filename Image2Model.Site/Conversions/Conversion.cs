namespace Image2Model.Site.Conversions;

public enum ConversionState
{
    Pending,
    Running,
    Succeeded,
    Failed,
    Canceled,
}

public static class ConversionStates
{
    /// <summary>Succeeded, Failed or Canceled: nothing more will happen unless a user asks again.</summary>
    public static bool IsFinal(this ConversionState state) =>
        state is ConversionState.Succeeded or ConversionState.Failed or ConversionState.Canceled;
}

/// <summary>One photo on its way to a model. This row is the source of truth for the work queue.</summary>
public sealed class Conversion
{
    public Guid Id { get; set; } = Guid.NewGuid();

    public Guid BatchId { get; set; }

    public Batch? Batch { get; set; }

    /// <summary>Copied from the batch so claiming (fairness) and authorization need no join.</summary>
    public required string OwnerId { get; set; }

    /// <summary>The name the user's file had; shown HTML-encoded, never used as a path.</summary>
    public required string FileName { get; set; }

    public required string OriginalBlob { get; set; }

    public required string ContentType { get; set; }

    public long OriginalSize { get; set; }

    public int Width { get; set; }

    public int Height { get; set; }

    public string? ThumbnailBlob { get; set; }

    public required string Generator { get; set; }

    public int? FaceLimit { get; set; }

    public TextureQuality Texture { get; set; } = TextureQuality.Standard;

    public bool Pbr { get; set; }

    public int? Seed { get; set; }

    public ConversionState State { get; set; }

    /// <summary>0–100; only ever raised.</summary>
    public int Progress { get; set; }

    public string Message { get; set; } = "Waiting in the queue";

    public string? LeaseOwner { get; set; }

    public DateTime? LeaseExpiresAt { get; set; }

    /// <summary>1 for the first run; raised when a user retries or regenerates.</summary>
    public int Attempt { get; set; } = 1;

    /// <summary>Provider state saved by a remote generator (request id, URLs), so a restart resumes.</summary>
    public string? ResumeState { get; set; }

    public string? ModelBlob { get; set; }

    public long? ModelSize { get; set; }

    public int? Triangles { get; set; }

    public string? PreviewBlob { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? StartedAt { get; set; }

    public DateTime? FinishedAt { get; set; }

    public bool IsFinal => State.IsFinal();

    public GenerationOptions Options => new(FaceLimit, Texture, Pbr, Seed);
}
