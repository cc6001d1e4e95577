using Image2Model.Site.Data;
using Image2Model.Site.Email;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Image2Model.Site.Pages.Account;

/// <summary>The page the confirmation mail links to (confirming twice is harmless, so GET does it, as in Identity's own UI).</summary>
[AllowAnonymous]
public sealed class ConfirmEmailModel(UserManager<AppUser> users) : PageModel
{
    public bool Confirmed { get; private set; }

    public async Task OnGetAsync(string? userId, string? code)
    {
        var user = userId is null ? null : await users.FindByIdAsync(userId);
        Confirmed = user is not null && code is not null && (await users.ConfirmEmailAsync(user, AccountMail.Decode(code))).Succeeded;
    }
}
