using Image2Model.Site.Accounts;
using Image2Model.Site.Data;
using Image2Model.Site.SingleSignOn;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace Image2Model.Site.Pages.Account;

/// <summary>
/// Starts single sign-on (GET /account/sso) and finishes it (GET /account/sso?handler=callback):
/// an account already linked to the provider's subject signs in; otherwise the provider's
/// verified email links (or creates) the account. An unverified email is never trusted.
/// </summary>
[AllowAnonymous]
public sealed class SsoModel(SignInManager<AppUser> signIn, UserManager<AppUser> users, SignInSessions sessions, IOptions<SsoOptions> options, ILogger<SsoModel> logger) : PageModel
{
    [FromQuery]
    public string? ReturnUrl { get; set; }

    public string? Error { get; private set; }

    public IActionResult OnGet()
    {
        if (!options.Value.IsConfigured)
        {
            return NotFound();
        }

        var callback = Url.Page("/Account/Sso", "Callback", new { returnUrl = Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : null });
        return Challenge(signIn.ConfigureExternalAuthenticationProperties(SsoOptions.Scheme, callback), SsoOptions.Scheme);
    }

    public async Task<IActionResult> OnGetCallbackAsync()
    {
        var info = await signIn.GetExternalLoginInfoAsync();
        if (info is null)
        {
            Error = "Single sign-on did not finish. Please try again.";
            return Page();
        }

        var target = Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/upload";
        if (await users.FindByLoginAsync(info.LoginProvider, info.ProviderKey) is { } linked)
        {
            return await SignInAsync(linked, target);
        }

        var email = info.Principal.FindFirst("email")?.Value;
        var verified = string.Equals(info.Principal.FindFirst("email_verified")?.Value, "true", StringComparison.OrdinalIgnoreCase);
        if (string.IsNullOrWhiteSpace(email) || !verified)
        {
            Error = "Your sign-in provider did not confirm your email address, so it cannot be linked to an account here.";
            return await FailAsync();
        }

        var user = await users.FindByEmailAsync(email);
        if (user is null)
        {
            if (!options.Value.CreateAccounts)
            {
                Error = "There is no account for that address here. Ask an admin to create one.";
                return await FailAsync();
            }

            user = new AppUser { UserName = email, Email = email, EmailConfirmed = true };
            var created = await users.CreateAsync(user);
            if (!created.Succeeded)
            {
                Error = string.Join(" ", created.Errors.Select(e => e.Description));
                return await FailAsync();
            }

            logger.LogInformation("Account {UserId} created through single sign-on", user.Id);
        }
        else if (!user.EmailConfirmed)
        {
            // The provider vouched for the address.
            user.EmailConfirmed = true;
            await users.UpdateAsync(user);
        }

        var added = await users.AddLoginAsync(user, info);
        if (!added.Succeeded)
        {
            Error = string.Join(" ", added.Errors.Select(e => e.Description));
            return await FailAsync();
        }

        logger.LogInformation("Account {UserId} linked to single sign-on", user.Id);
        return await SignInAsync(user, target);
    }

    /// <summary>A server-side session like a password sign-in's, so signing out ends it too.</summary>
    private async Task<IActionResult> SignInAsync(AppUser user, string target)
    {
        if (await users.IsLockedOutAsync(user))
        {
            Error = "This account is locked.";
            return await FailAsync();
        }

        await sessions.SignInAsync(user, remember: false);
        return await DoneAsync(target);
    }

    private async Task<IActionResult> DoneAsync(string target)
    {
        await HttpContext.SignOutAsync(IdentityConstants.ExternalScheme);
        return LocalRedirect(target);
    }

    private async Task<IActionResult> FailAsync()
    {
        await HttpContext.SignOutAsync(IdentityConstants.ExternalScheme);
        return Page();
    }
}
