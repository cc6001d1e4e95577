using System.Linq.Expressions;
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
/// A batch ("job" in the API) as clients see it at one moment: its state is derived from its
/// conversions, as everywhere in the site.
/// </summary>
public sealed record JobSnapshot(Guid TaskId, Guid JobId, string OwnerId, IReadOnlyList<FileState> Files)
{
    public int Total => Files.Count;

    /// <summary>Files that reached a final state, successful or not.</summary>
    public int Finished => Files.Count(f => f.IsFinal);

    public int Succeeded => Files.Count(f => f.State == ConversionState.Succeeded);

    public int Failed => Finished - Succeeded;

    public bool IsFinal => Files.All(f => f.IsFinal);

    public string Status =>
        IsFinal ? (Succeeded > 0 ? "completed" : "failed")
        : Files.Any(f => f.State != ConversionState.Pending) ? "processing"
        : "queued";

    public int Progress => Total == 0 ? 0 : Files.Sum(f => f.IsFinal ? 100 : f.Progress) / Total;

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

    public bool SameAs(JobSnapshot other) => Files.SequenceEqual(other.Files);

    public static string FilesWord(int count) => count == 1 ? "1 file" : $"{count} files";
}

public static class JobSnapshots
{
    public static async Task<JobSnapshot?> ByTaskAsync(AppDbContext db, Guid taskId, CancellationToken cancellationToken) =>
        (await LoadAsync(db, c => c.Batch!.TaskId == taskId, cancellationToken)).SingleOrDefault();

    public static async Task<JobSnapshot?> ByJobAsync(AppDbContext db, Guid jobId, CancellationToken cancellationToken) =>
        (await LoadAsync(db, c => c.BatchId == jobId, cancellationToken)).SingleOrDefault();

    /// <summary>All the given tasks in one query; tasks that do not exist are missing from the answer.</summary>
    public static async Task<Dictionary<Guid, JobSnapshot>> ByTasksAsync(AppDbContext db, IReadOnlyCollection<Guid> taskIds, CancellationToken cancellationToken) =>
        (await LoadAsync(db, c => taskIds.Contains(c.Batch!.TaskId), cancellationToken)).ToDictionary(s => s.TaskId);

    private static async Task<List<JobSnapshot>> LoadAsync(AppDbContext db, Expression<Func<Conversion, bool>> filter, CancellationToken cancellationToken)
    {
        var rows = await db.Conversions.AsNoTracking()
            .Where(filter)
            // The same order as the batch page.
            .OrderBy(c => c.CreatedAt).ThenBy(c => c.FileName).ThenBy(c => c.Id)
            .Select(c => new { c.Batch!.TaskId, c.BatchId, c.OwnerId, File = new FileState(c.Id, c.FileName, c.State, c.Progress, c.Message) })
            .ToListAsync(cancellationToken);
        return rows.GroupBy(r => (r.TaskId, r.BatchId, r.OwnerId))
            .Select(g => new JobSnapshot(g.Key.TaskId, g.Key.BatchId, g.Key.OwnerId, g.Select(r => r.File).ToList()))
            .ToList();
    }
}
