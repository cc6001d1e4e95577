using System.ComponentModel.DataAnnotations;
using Htmx;
using Image2Model.Site.Accounts;
using Image2Model.Site.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Image2Model.Site.Pages.Tokens;

/// <summary>
/// Personal access tokens for the API. A new token's secret is shown once: in the htmx fragment
/// that answers the form, or, without JavaScript, on the page the form redirects to (through
/// TempData, which is encrypted and read only once).
/// </summary>
public sealed class IndexModel(ApiTokens tokens) : PageModel
{
    [BindProperty]
    public CreateInput Input { get; set; } = new();

    public IReadOnlyList<ApiToken> Tokens { get; private set; } = [];

    /// <summary>The secret of the token just created, shown this once.</summary>
    public string? NewSecret { get; private set; }

    private const string NewSecretKey = "NewApiToken";

    public Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        NewSecret = TempData[NewSecretKey] as string;
        return ShowAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            return await ShowAsync(cancellationToken);
        }

        var secret = (await tokens.CreateAsync(User.UserId(), Input.Name, cancellationToken)).Secret;
        if (!Request.IsHtmx())
        {
            TempData[NewSecretKey] = secret;
            return RedirectToPage();
        }

        // A fresh, empty form next to the new token.
        ModelState.Clear();
        (NewSecret, Input) = (secret, new());
        return await ShowAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostRevokeAsync(Guid tokenId, CancellationToken cancellationToken)
    {
        await tokens.RevokeAsync(User.UserId(), tokenId, cancellationToken);
        return Request.IsHtmx() ? await ShowAsync(cancellationToken) : RedirectToPage();
    }

    private async Task<IActionResult> ShowAsync(CancellationToken cancellationToken)
    {
        Response.Headers.Vary = "HX-Request";
        Tokens = await tokens.ListActiveAsync(User.UserId(), cancellationToken);
        return Request.IsHtmx() ? Partial("_Tokens", this) : Page();
    }

    public sealed class CreateInput
    {
        [Required(ErrorMessage = "Give the token a name, such as the script or machine that uses it.")]
        [StringLength(100, ErrorMessage = "Keep the name under 100 characters.")]
        [Display(Name = "Name")]
        public string Name { get; set; } = "";
    }
}
