using Image2Model.Site.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Image2Model.Site.Audit;

/// <summary>
/// Identity's sign-in, plus: failed sign-ins and lockouts go to the audit log, and a successful
/// sign-in (password or single sign-on) notes its time for the admin's accounts list.
/// </summary>
public sealed class AuditingSignInManager(
    UserManager<AppUser> userManager,
    IHttpContextAccessor contextAccessor,
    IUserClaimsPrincipalFactory<AppUser> claimsFactory,
    IOptions<IdentityOptions> optionsAccessor,
    ILogger<SignInManager<AppUser>> logger,
    IAuthenticationSchemeProvider schemes,
    IUserConfirmation<AppUser> confirmation)
    : SignInManager<AppUser>(userManager, contextAccessor, claimsFactory, optionsAccessor, logger, schemes, confirmation)
{
    private AuditLog Audit => Context.RequestServices.GetRequiredService<AuditLog>();

    public override async Task<SignInResult> PasswordSignInAsync(string userName, string password, bool isPersistent, bool lockoutOnFailure)
    {
        var result = await base.PasswordSignInAsync(userName, password, isPersistent, lockoutOnFailure);
        if (!result.Succeeded && !result.RequiresTwoFactor)
        {
            var user = await UserManager.FindByNameAsync(userName);
            var reason = result.IsLockedOut ? "account locked" : result.IsNotAllowed ? "address not confirmed" : user is null ? "no such account" : "wrong password";
            await Audit.RecordAsync(AuditActions.SignInFailed, user?.Id, userName, reason);
        }

        return result;
    }

    public override async Task<SignInResult> CheckPasswordSignInAsync(AppUser user, string password, bool lockoutOnFailure)
    {
        var wasLocked = await UserManager.IsLockedOutAsync(user);
        var result = await base.CheckPasswordSignInAsync(user, password, lockoutOnFailure);
        if (!wasLocked && result.IsLockedOut)
        {
            await Audit.RecordAsync(AuditActions.LockedOut, user.Id, user.Email, $"{Options.Lockout.MaxFailedAccessAttempts} failed sign-ins");
        }

        return result;
    }

    protected override async Task<SignInResult> SignInOrTwoFactorAsync(AppUser user, bool isPersistent, string? loginProvider = null, bool bypassTwoFactor = false)
    {
        var result = await base.SignInOrTwoFactorAsync(user, isPersistent, loginProvider, bypassTwoFactor);
        if (result.Succeeded)
        {
            var now = DateTime.UtcNow;
            await Context.RequestServices.GetRequiredService<AppDbContext>().Users
                .Where(u => u.Id == user.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.LastSignInAt, now));
        }

        return result;
    }
}
