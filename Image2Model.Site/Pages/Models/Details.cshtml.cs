using Image2Model.Site.Accounts;
using Image2Model.Site.Conversions;
using Image2Model.Site.Data;
using Image2Model.Site.Downloads;
using Image2Model.Site.Storage;
using Image2Model.Site.Sharing;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Image2Model.Site.Pages.Models;

/// <summary>One model: 3D preview, facts, download, delete, regenerate.</summary>
public sealed class DetailsModel(AppDbContext db, WorkQueue queue, ConversionCancellation cancellation, Dispatcher dispatcher, GeneratorCatalog generators, BlobStore blobs, ShareLinks shareLinks, Microsoft.Extensions.Options.IOptions<Web.SiteOptions> site) : PageModel
{
    public Conversion Conversion { get; private set; } = null!;

    /// <summary>Why OBJ and STL are not offered (a compressed GLB from a provider), or null when they are.</summary>
    public string? ExportsUnavailable { get; private set; }

    public IReadOnlyList<ShareLink> ShareLinks { get; private set; } = [];

    /// <summary>The absolute address that opens <paramref name="link"/>, to copy and send.</summary>
    public string ShareUrl(ShareLink link) =>
        $"{site.Value.PublicBaseUrl?.ToString().TrimEnd('/') ?? $"{Request.Scheme}://{Request.Host}{Request.PathBase}"}/s/{shareLinks.TokenFor(link)}";

    public string GeneratorName => generators.Named(Conversion.Generator)?.DisplayName ?? Conversion.Generator;

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await db.Conversions.FindVisibleAsync(id, User, cancellationToken) is not { } conversion)
        {
            return NotFound();
        }

        Conversion = conversion;
        if (conversion.ModelBlob is { } key && blobs.Exists(key))
        {
            await using var glb = blobs.Info(key).OpenRead();
            ExportsUnavailable = ModelExport.WhyNotOffered(glb);
        }

        ShareLinks = await shareLinks.ForModelAsync(id, cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostShareAsync(Guid id, string? expires, CancellationToken cancellationToken)
    {
        if (await db.Conversions.FindVisibleAsync(id, User, cancellationToken) is not { ModelBlob: not null } conversion)
        {
            return NotFound();
        }

        await shareLinks.CreateAsync(conversion, expires ?? "7d", cancellationToken);
        return RedirectToPage(null, null, new { id }, "share");
    }

    public async Task<IActionResult> OnPostRevokeShareAsync(Guid id, Guid linkId, CancellationToken cancellationToken)
    {
        if (await db.Conversions.FindVisibleAsync(id, User, cancellationToken) is null)
        {
            return NotFound();
        }

        await shareLinks.RevokeAsync(id, linkId, cancellationToken);
        return RedirectToPage(null, null, new { id }, "share");
    }

    public async Task<IActionResult> OnPostDeleteAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await db.Conversions.FindVisibleAsync(id, User, cancellationToken) is not { } conversion)
        {
            return NotFound();
        }

        if (!conversion.IsFinal)
        {
            await cancellation.CancelAsync(conversion, cancellationToken);
        }

        // Blobs are left to housekeeping: another conversion may share them (content addressing).
        await db.Conversions.Where(c => c.Id == id).ExecuteDeleteAsync(cancellationToken);
        await db.Batches.Where(b => b.Id == conversion.BatchId && !b.Conversions.Any()).ExecuteDeleteAsync(cancellationToken);
        return RedirectToPage("/Models/Index");
    }

    public async Task<IActionResult> OnPostRegenerateAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await db.Conversions.FindVisibleAsync(id, User, cancellationToken) is not { } conversion)
        {
            return NotFound();
        }

        if (await queue.RequeueAsync(id, cancellationToken))
        {
            await dispatcher.NudgeAsync();
        }

        return RedirectToPage("/Batches/Details", new { id = conversion.BatchId });
    }

}
