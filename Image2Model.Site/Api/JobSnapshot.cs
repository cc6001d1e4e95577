using Image2Model.Site.Conversions;
using Image2Model.Site.Data;
using Microsoft.EntityFrameworkCore;

namespace Image2Model.Site.Api;

/// <summary>One conversion as the API reports it.</summary>
public sealed record FileState(Guid FileId, string FileName, ConversionState State, int Progress, string Message)
{
    public bool IsFinal => State.IsFinal();

    /// <summary>The API's four words; a canceled file counts as failed (its message says "Canceled").</summary>
    public string Status => State switch
    {
        ConversionState.Pending => "queued",
        ConversionState.Running => "processing",
        ConversionState.Succeeded => "completed",
        _ => "failed",
    };
}

/// <summary>
/// A batch ("job" in the API) as clients see it at one moment: the batch's read model, put into
/// the API's words. Its state is the read model's, as everywhere in the site.
/// </summary>
public sealed record JobSnapshot(BatchReadModel Batch)
{
    public Guid TaskId => Batch.TaskId;

    public Guid JobId => Batch.Id;

    public string OwnerId => Batch.OwnerId;

    public IReadOnlyList<FileState> Files { get; } = Batch.Items.Select(i => new FileState(i.Id, i.FileName, i.State, i.Progress, i.Message)).ToList();

    public int Total => Batch.Total;

    public int Finished => Batch.Finished;

    public int Succeeded => Batch.Succeeded;

    public int Failed => Batch.Failed;

    public bool IsFinal => Batch.IsFinal;

    public string Status =>
        IsFinal ? (Succeeded > 0 ? "completed" : "failed")
        : Batch.IsQueued ? "queued"
        : "processing";

    public int Progress => Batch.Progress;

    public string Message => Status switch
    {
        "queued" => $"Waiting in the queue ({FilesWord(Total)})",
        // One file: its own status line says more than a count.
        "processing" when Total == 1 => Files[0].Message,
        "processing" => $"Processing {FilesWord(Total)}: {Finished} finished",
        "completed" when Failed == 0 => $"Completed {FilesWord(Total)}",
        "completed" => $"Completed: {Succeeded} of {FilesWord(Total)} converted",
        _ => FailureSummary,
    };

    public string FailureSummary => Total == 1
        ? Files[0].Message
        : $"None of the {Total} files could be converted. " + string.Join(" ", Files.Select(f => $"{f.FileName}: {f.Message}"));

    /// <summary>What a client would notice: any file's state, progress or status line.</summary>
    public bool SameAs(JobSnapshot other) => Files.SequenceEqual(other.Files);

    public static string FilesWord(int count) => count == 1 ? "1 file" : $"{count} files";
}

public static class JobSnapshots
{
    public static async Task<JobSnapshot?> ByTaskAsync(AppDbContext db, Guid taskId, CancellationToken cancellationToken) =>
        await BatchReadModel.ByTaskAsync(db, taskId, cancellationToken) is { } batch ? new JobSnapshot(batch) : null;

    public static async Task<JobSnapshot?> ByJobAsync(AppDbContext db, Guid jobId, CancellationToken cancellationToken) =>
        await BatchReadModel.ByIdAsync(db, jobId, cancellationToken) is { } batch ? new JobSnapshot(batch) : null;

    /// <summary>All the given tasks in one query; tasks that do not exist are missing from the answer.</summary>
    public static async Task<Dictionary<Guid, JobSnapshot>> ByTasksAsync(AppDbContext db, IReadOnlyCollection<Guid> taskIds, CancellationToken cancellationToken) =>
        (await BatchReadModel.ByTasksAsync(db, taskIds, cancellationToken)).ToDictionary(p => p.Key, p => new JobSnapshot(p.Value));
}
