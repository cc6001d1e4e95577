using Image2Model.Site.Data;
using Image2Model.Site.Downloads;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Quartz;

namespace Image2Model.Site.Storage;

/// <summary>
/// Deletes blobs no conversion refers to (and the exports made from them), once they are older than the grace period (an upload
/// writes its blobs before its transaction commits, so young orphans may be about to be used).
/// </summary>
[DisallowConcurrentExecution]
public sealed class HousekeepingJob(AppDbContext db, BlobStore blobs, ModelExports exports, IOptions<StorageOptions> options, TimeProvider clock, ILogger<HousekeepingJob> logger) : IJob
{
    public static readonly JobKey Key = new("housekeeping", "storage");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        // An export goes with its model: one whose model blob is gone is never served again.
        foreach (var export in exports.List().ToList().Where(e => !blobs.Exists(e.ModelKey)))
        {
            exports.Delete(export.Path);
        }

        var cutoff = clock.GetUtcNow().UtcDateTime - options.Value.OrphanGracePeriod;
        var unfinished = blobs.CleanUpAfterCrashes(cutoff);
        var old = blobs.List().Where(b => b.WrittenAt < cutoff).Select(b => b.Key).ToList();
        var deleted = old.Count == 0 ? 0 : await DeleteUnreferencedAsync(old, cutoff, cancellationToken);
        logger.LogInformation("Housekeeping deleted {Unfinished} unfinished writes and {Deleted} unreferenced blobs", unfinished, deleted);
    }

    private async Task<int> DeleteUnreferencedAsync(List<string> old, DateTime cutoff, CancellationToken cancellationToken)
    {
        var referenced = new HashSet<string>();
        await foreach (var c in db.Conversions.AsNoTracking()
            .Select(c => new { c.OriginalBlob, c.ThumbnailBlob, c.ModelBlob, c.PreviewBlob })
            .AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            referenced.Add(c.OriginalBlob);
            referenced.UnionWith(new[] { c.ThumbnailBlob, c.ModelBlob, c.PreviewBlob }.OfType<string>());
        }

        // An upload may be reusing one of these right now (it touches the file): the store decides atomically.
        var deleted = 0;
        foreach (var key in old.Where(k => !referenced.Contains(k) && blobs.DeleteIfUnusedSince(k, cutoff)))
        {
            exports.DeleteFor(key);
            deleted++;
        }

        return deleted;
    }
}
