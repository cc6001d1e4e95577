using Image2Model.Site.Conversions;
using Image2Model.Site.Data;
using Image2Model.Site.Storage;
using Microsoft.EntityFrameworkCore;
using Quartz;

namespace Image2Model.Site.Previews;

/// <summary>
/// Renders previews for models made before previews existed. Runs once at start-up; after the
/// first run there is nothing left for it to do but one empty query. Every step is idempotent
/// (content-addressed blobs, a conditional update), so two nodes starting together do no harm.
/// </summary>
[DisallowConcurrentExecution]
public sealed class PreviewBackfillJob(AppDbContext db, BlobStore blobs, PreviewRenderer previews, ILogger<PreviewBackfillJob> logger) : IJob
{
    public static readonly JobKey Key = new("preview-backfill", "previews");

    private const int PageSize = 20;

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var (rendered, skipped) = await RunAsync(cancellationToken);
        if (rendered + skipped > 0)
        {
            logger.LogInformation("Preview backfill rendered {Rendered} previews and skipped {Skipped} models it could not draw", rendered, skipped);
        }
    }

    public async Task<(int Rendered, int Skipped)> RunAsync(CancellationToken cancellationToken)
    {
        var tried = new HashSet<Guid>();
        var (rendered, skipped) = (0, 0);
        while (true)
        {
            // Keyset paging over the ids this run has not tried, so models it cannot draw do not loop forever.
            var page = await Missing().Where(c => !tried.Contains(c.Id))
                .OrderBy(c => c.Id).Select(c => new { c.Id, c.ModelBlob }).Take(PageSize)
                .ToListAsync(cancellationToken);
            if (page.Count == 0)
            {
                return (rendered, skipped);
            }

            foreach (var item in page)
            {
                cancellationToken.ThrowIfCancellationRequested();
                tried.Add(item.Id);
                if (item.ModelBlob is not { } key || !blobs.Exists(key) || previews.TryRender(await blobs.ReadAllAsync(key, cancellationToken)) is not { } png)
                {
                    skipped++;
                    continue;
                }

                var previewBlob = await blobs.PutAsync(png, cancellationToken);
                // Only if nothing else gave it a preview meanwhile (a regeneration that finished, another node).
                rendered += await db.Conversions
                    .Where(c => c.Id == item.Id && c.PreviewBlob == null && c.ModelBlob == key)
                    .ExecuteUpdateAsync(s => s.SetProperty(c => c.PreviewBlob, previewBlob), cancellationToken);
            }
        }
    }

    private IQueryable<Conversion> Missing() =>
        db.Conversions.AsNoTracking().Where(c => c.ModelBlob != null && c.PreviewBlob == null);
}
