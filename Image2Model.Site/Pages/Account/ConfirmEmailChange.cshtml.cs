using Image2Model.Site.Accounts;
using Image2Model.Site.Data;
using Image2Model.Site.Email;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Image2Model.Site.Pages.Account;

/// <summary>
/// The page the change mail links to. Anonymous, because the link may be opened on another device;
/// the token proves the request, and it only works for the address it was made for.
/// </summary>
[AllowAnonymous]
public sealed class ConfirmEmailChangeModel(UserManager<AppUser> users, SignInManager<AppUser> signIn, SignInSessions sessions, AccountMail mail, ILogger<ConfirmEmailChangeModel> logger) : PageModel
{
    public string? NewEmail { get; private set; }

    public async Task OnGetAsync(string? userId, string? email, string? code)
    {
        var user = userId is null ? null : await users.FindByIdAsync(userId);
        if (user is null || email is null || code is null)
        {
            return;
        }

        var oldEmail = user.Email;
        var changed = await users.ChangeEmailAsync(user, email, AccountMail.Decode(code));
        if (!changed.Succeeded)
        {
            return;
        }

        // The address is also the user name people sign in with.
        await users.SetUserNameAsync(user, email);
        if (oldEmail is not null)
        {
            mail.SendEmailChangedNotice(oldEmail, email);
        }

        if (signIn.IsSignedIn(User) && users.GetUserId(User) == user.Id)
        {
            // The stamp changed with the address; keep this browser's session, with a fresh cookie.
            await sessions.RefreshAsync(HttpContext, user);
        }

        logger.LogInformation("Account {UserId} changed its email address", user.Id);
        NewEmail = email;
    }
}
