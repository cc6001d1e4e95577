using Htmx;
using Image2Model.Site.Conversions;
using Image2Model.Site.Data;
using Image2Model.Site.Downloads;
using Image2Model.Site.Storage;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Image2Model.Site.Pages.Models;

/// <summary>
/// The library: search, filters, sorting and pages as a plain GET form. The same URL answers
/// htmx with just the results, so the form can swap them in place and push the URL to history.
/// </summary>
public sealed class IndexModel(AppDbContext db, GeneratorCatalog generators, ConversionCancellation cancellation, BlobStore blobs) : PageModel
{
    public LibraryPage Library { get; private set; } = null!;

    public IReadOnlyList<(string Name, string Label)> Generators =>
        generators.All.Select(g => (g.Name, g.DisplayName)).ToList();

    public async Task<IActionResult> OnGetAsync(string? q, string? state, string? generator, string? sort, int p = 1, string? scope = null, string? owner = null, CancellationToken cancellationToken = default)
    {
        Response.Headers.Vary = "HX-Request";
        Library = await new LibraryQuery(q, state, generator, sort, p, scope, owner).RunAsync(db, User, cancellationToken);
        // A history restore (back button, nothing cached) wants the whole page, like a boosted link.
        return Request.IsHtmx(out var htmx) && htmx is { Boosted: false, HistoryRestoreRequest: false }
            ? Partial("_Library", this)
            : Page();
    }

    /// <summary>The selected models as one ZIP (posted, so the selection needs no JavaScript).</summary>
    public async Task<IActionResult> OnPostZipAsync(Guid[] ids, string? format, CancellationToken cancellationToken)
    {
        var models = (await VisibleAsync(ids, cancellationToken))
            .Where(c => c.State == ConversionState.Succeeded && c.ModelBlob != null)
            .Select(c => new ZipModel(c.FileName, c.ModelBlob!)).ToList();
        if (models.Count == 0)
        {
            TempData["LibraryMessage"] = "Choose at least one finished model to download.";
            return Redirect(ReturnUrl());
        }

        var chosen = ModelFormats.Parse(format);
        return new ResultAdapter(ModelZip.Result(models, chosen, $"models-{chosen.Value()}.zip", blobs));
    }

    public async Task<IActionResult> OnPostDeleteAsync(Guid[] ids, CancellationToken cancellationToken)
    {
        var conversions = await VisibleAsync(ids, cancellationToken);
        foreach (var conversion in conversions.Where(c => !c.IsFinal))
        {
            await cancellation.CancelAsync(conversion, cancellationToken);
        }

        // Blobs are left to housekeeping: another conversion may share them (content addressing).
        var found = conversions.Select(c => c.Id).ToList();
        var batches = conversions.Select(c => c.BatchId).Distinct().ToList();
        await db.Conversions.Where(c => found.Contains(c.Id)).ExecuteDeleteAsync(cancellationToken);
        await db.Batches.Where(b => batches.Contains(b.Id) && !b.Conversions.Any()).ExecuteDeleteAsync(cancellationToken);
        TempData["LibraryMessage"] = found.Count == 1 ? "Deleted 1 model." : $"Deleted {found.Count} models.";
        return Redirect(ReturnUrl());
    }

    /// <summary>Only what this user may see; anything else is silently left out, as if it did not exist.</summary>
    private async Task<List<Conversion>> VisibleAsync(Guid[] ids, CancellationToken cancellationToken)
    {
        var wanted = ids.Distinct().Take(500).ToList();
        var rows = await db.Conversions.AsNoTracking().Where(c => wanted.Contains(c.Id)).OrderBy(c => c.CreatedAt).ToListAsync(cancellationToken);
        return rows.Where(c => Accounts.ClaimsPrincipalExtensions.CanSee(User, c.OwnerId)).ToList();
    }

    /// <summary>Back to the library view the form was posted from; only ever a local /models address.</summary>
    private string ReturnUrl()
    {
        var back = Request.Form["returnUrl"].ToString();
        return back.StartsWith("/models", StringComparison.Ordinal) && Url.IsLocalUrl(back) ? back : "/models";
    }

    /// <summary>Lets a page handler answer with a minimal-API result (the streamed ZIP).</summary>
    private sealed class ResultAdapter(IResult result) : IActionResult
    {
        public Task ExecuteResultAsync(ActionContext context) => result.ExecuteAsync(context.HttpContext);
    }
}
