using Image2Model.Site.Sharing;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Image2Model.Site.Pages.Share;

/// <summary>A shared model for anyone with the link: viewer, preview and downloads, nothing else of its owner's.</summary>
[AllowAnonymous]
[EnableRateLimiting(SharingRegistration.RateLimit)]
public sealed class IndexModel(ShareLinks links) : PageModel
{
    public SharedModel Shared { get; private set; } = null!;

    public string Token { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync(string token, CancellationToken cancellationToken)
    {
        if (await links.OpenAsync(token, countUse: true, cancellationToken) is not { } shared)
        {
            return NotFound();
        }

        (Shared, Token) = (shared, token);
        // Not for search engines or shared caches: the link is a secret between the owner and its recipients.
        Response.Headers.CacheControl = "private, no-store";
        Response.Headers["X-Robots-Tag"] = "noindex";
        return Page();
    }
}
