using System.Text.Json;
using Htmx;
using Image2Model.Site.Accounts;
using Image2Model.Site.Conversions;
using Image2Model.Site.Data;
using Image2Model.Site.Uploads;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Image2Model.Site.Pages.Batches;

/// <summary>One upload's conversions. The same URL answers the status fragment to htmx polls.</summary>
public sealed class DetailsModel(AppDbContext db, WorkQueue queue, ConversionCancellation cancellation, Dispatcher dispatcher) : PageModel
{
    public const string RejectedKey = "Rejected";

    public BatchView Batch { get; private set; } = null!;

    public IReadOnlyList<RejectedFile> Rejected { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        Response.Headers.Vary = "HX-Request";
        // A poll that revalidated its copy may have read the batch already (StatusRevalidation): it changed.
        var read = StatusRevalidation.AlreadyRead(HttpContext, id);
        if ((read?.Batch ?? await BatchView.LoadAsync(db, id, User, cancellationToken)) is not { } batch)
        {
            return Request.IsHtmxNonBoosted() ? Deleted() : NotFound();
        }

        Batch = batch;
        if (Request.IsHtmxNonBoosted())
        {
            // A conditional GET: while nothing changed the answer is a 304 without rendering. The
            // browser's revalidations are mostly answered before this page (StatusRevalidation).
            var etag = read?.ETag ?? batch.ETagFor(User);
            StatusRevalidation.WriteValidators(Response, etag);
            return StatusRevalidation.Matches(Request, etag) ? StatusCode(StatusCodes.Status304NotModified) : Partial("_BatchStatus", batch);
        }

        if (Request.IsHtmxBoosted())
        {
            // A boosted upload lands here after its redirect; make the address bar say so.
            Response.Htmx(h => h.PushUrl(Request.Path));
        }

        Rejected = TempData[RejectedKey] is string json ? JsonSerializer.Deserialize<List<RejectedFile>>(json) ?? [] : [];
        return Page();
    }

    public async Task<IActionResult> OnPostCancelAsync(Guid id, Guid conversionId, CancellationToken cancellationToken)
    {
        if (await db.Conversions.Where(c => c.BatchId == id).FindVisibleAsync(conversionId, User, cancellationToken) is not { } conversion)
        {
            return NotFound();
        }

        await cancellation.CancelAsync(conversion, cancellationToken);
        return await AfterChangeAsync(id, cancellationToken);
    }

    public async Task<IActionResult> OnPostRetryAsync(Guid id, Guid conversionId, CancellationToken cancellationToken)
    {
        if (await db.Conversions.Where(c => c.BatchId == id).FindVisibleAsync(conversionId, User, cancellationToken) is null)
        {
            return NotFound();
        }

        if (await queue.RequeueAsync(conversionId, cancellationToken))
        {
            await dispatcher.NudgeAsync();
        }

        return await AfterChangeAsync(id, cancellationToken);
    }

    private async Task<IActionResult> AfterChangeAsync(Guid id, CancellationToken cancellationToken)
    {
        if (!Request.IsHtmx())
        {
            return RedirectToPage(new { id });
        }

        Response.Headers.Vary = "HX-Request";
        return await BatchView.LoadAsync(db, id, User, cancellationToken) is { } batch ? Partial("_BatchStatus", batch) : Deleted();
    }

    /// <summary>
    /// The fragment for an upload that is gone (deleted in another tab, say): a 404, but one the
    /// page's live status swaps in (see site.js), so the poll stops and says why.
    /// </summary>
    private PartialViewResult Deleted()
    {
        var result = Partial("_BatchDeleted");
        result.StatusCode = StatusCodes.Status404NotFound;
        return result;
    }
}
