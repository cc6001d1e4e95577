using System.Linq.Expressions;
using Image2Model.Site.Data;
using Microsoft.EntityFrameworkCore;

namespace Image2Model.Site.Conversions;

/// <summary>One conversion as every view of a batch (page, API, downloads) sees it.</summary>
public sealed record BatchItem(
    Guid Id,
    string FileName,
    ConversionState State,
    int Progress,
    string Message,
    string Generator,
    bool HasThumbnail,
    string? ModelBlob,
    long? ModelSize,
    string? PreviewBlob,
    int? Triangles,
    DateTime CreatedAt,
    DateTime? FinishedAt)
{
    public bool IsFinal => State.IsFinal();

    /// <summary>A finished model that can be viewed and downloaded.</summary>
    public bool HasModel => State == ConversionState.Succeeded && ModelBlob is not null;

    public bool HasPreview => PreviewBlob is not null;
}

/// <summary>
/// A batch and its conversions, loaded by one query in one order, with the batch's state derived
/// from its conversions in one place. The batch page, the API's status and stream, and the API's
/// download list all read batches through this.
/// </summary>
public sealed record BatchReadModel(Guid Id, Guid TaskId, string OwnerId, DateTime CreatedAt, IReadOnlyList<BatchItem> Items)
{
    public int Total => Items.Count;

    /// <summary>Conversions that reached a final state, successful or not.</summary>
    public int Finished => Items.Count(i => i.IsFinal);

    public int Succeeded => Items.Count(i => i.State == ConversionState.Succeeded);

    public int Failed => Finished - Succeeded;

    public bool IsFinal => Items.All(i => i.IsFinal);

    public bool IsActive => !IsFinal;

    /// <summary>Nothing has started yet.</summary>
    public bool IsQueued => Items.All(i => i.State == ConversionState.Pending);

    /// <summary>0–100 over the whole batch; a final conversion counts as done.</summary>
    public int Progress => Total == 0 ? 0 : Items.Sum(i => i.IsFinal ? 100 : i.Progress) / Total;

    public static async Task<BatchReadModel?> ByIdAsync(AppDbContext db, Guid id, CancellationToken cancellationToken) =>
        (await LoadAsync(db, c => c.BatchId == id, cancellationToken)).SingleOrDefault();

    public static async Task<BatchReadModel?> ByTaskAsync(AppDbContext db, Guid taskId, CancellationToken cancellationToken) =>
        (await LoadAsync(db, c => c.Batch!.TaskId == taskId, cancellationToken)).SingleOrDefault();

    /// <summary>All the given tasks in one query; tasks that do not exist are missing from the answer.</summary>
    public static async Task<Dictionary<Guid, BatchReadModel>> ByTasksAsync(AppDbContext db, IReadOnlyCollection<Guid> taskIds, CancellationToken cancellationToken) =>
        (await LoadAsync(db, c => taskIds.Contains(c.Batch!.TaskId), cancellationToken)).ToDictionary(b => b.TaskId);

    private static async Task<List<BatchReadModel>> LoadAsync(AppDbContext db, Expression<Func<Conversion, bool>> filter, CancellationToken cancellationToken)
    {
        var rows = await db.Conversions.AsNoTracking()
            .Where(filter)
            // The one order every view shows: upload order, then name, then id so ties never swap.
            .OrderBy(c => c.CreatedAt).ThenBy(c => c.FileName).ThenBy(c => c.Id)
            .Select(c => new
            {
                c.BatchId,
                c.Batch!.TaskId,
                c.Batch.OwnerId,
                BatchCreatedAt = c.Batch.CreatedAt,
                Item = new BatchItem(c.Id, c.FileName, c.State, c.Progress, c.Message, c.Generator, c.ThumbnailBlob != null,
                    c.ModelBlob, c.ModelSize, c.PreviewBlob, c.Triangles, c.CreatedAt, c.FinishedAt),
            })
            .ToListAsync(cancellationToken);
        return rows.GroupBy(r => (r.BatchId, r.TaskId, r.OwnerId, r.BatchCreatedAt))
            .Select(g => new BatchReadModel(g.Key.BatchId, g.Key.TaskId, g.Key.OwnerId, g.Key.BatchCreatedAt, g.Select(r => r.Item).ToList()))
            .ToList();
    }
}
