using System.Security.Claims;
using System.Security.Cryptography;
using Image2Model.Site.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Image2Model.Site.Accounts;

/// <summary>
/// Server-side sessions for the sign-in cookie. The cookie names its session; a request whose
/// session row is gone is signed out. So signing out really ends that cookie, on every node (the
/// rows are in the shared database), and "sign out everywhere" and a password change end the others.
/// </summary>
public sealed class SignInSessions(AppDbContext db, SignInManager<AppUser> signIn, TimeProvider clock, ILogger<SignInSessions> logger)
{
    public const string ClaimType = "image2model:session";

    /// <summary>Starts a session and gives the browser its cookie.</summary>
    public async Task SignInAsync(AppUser user, bool remember)
    {
        var id = RandomNumberGenerator.GetHexString(32, lowercase: true);
        var now = clock.GetUtcNow().UtcDateTime;
        db.SignInSessions.Add(new SignInSession { Id = id, UserId = user.Id, CreatedAt = now });
        await db.SaveChangesAsync();
        // For the admin's accounts list.
        await db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.LastSignInAt, now));
        await signIn.SignInWithClaimsAsync(user, remember, [new Claim(ClaimType, id)]);
    }

    /// <summary>Ends this browser's session: its cookie stops working even if someone kept a copy.</summary>
    public async Task SignOutAsync(ClaimsPrincipal user)
    {
        if (user.FindFirstValue(ClaimType) is { } id)
        {
            await db.SignInSessions.Where(s => s.Id == id).ExecuteDeleteAsync();
        }

        await signIn.SignOutAsync();
    }

    /// <summary>Ends every session of the account except <paramref name="keep"/> (null: all of them).</summary>
    public async Task<int> EndAllAsync(string userId, string? keep = null)
    {
        var ended = await db.SignInSessions.Where(s => s.UserId == userId && s.Id != keep).ExecuteDeleteAsync();
        logger.LogInformation("Ended {Sessions} sessions of user {UserId}", ended, userId);
        return ended;
    }

    public Task<int> CountAsync(string userId) => db.SignInSessions.CountAsync(s => s.UserId == userId);

    /// <summary>
    /// Issues a fresh cookie for the same session, for after the security stamp changed (a new
    /// password): the browser that made the change stays signed in.
    /// </summary>
    public async Task RefreshAsync(HttpContext http, AppUser user)
    {
        var current = await http.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var id = current.Principal?.FindFirstValue(ClaimType);
        if (id is null)
        {
            return;
        }

        await signIn.SignInWithClaimsAsync(user, current.Properties, [new Claim(ClaimType, id)]);
    }

    /// <summary>The cookie check on every request: after the security stamp check, the session must still exist.</summary>
    public static async Task ValidatePrincipalAsync(CookieValidatePrincipalContext context)
    {
        await SecurityStampValidator.ValidatePrincipalAsync(context);
        if (context.Principal is not { } principal)
        {
            return;
        }

        var id = principal.FindFirstValue(ClaimType);
        var userId = principal.FindFirstValue(ClaimTypes.NameIdentifier);
        var db = context.HttpContext.RequestServices.GetRequiredService<AppDbContext>();
        if (id is null || userId is null || !await db.SignInSessions.AnyAsync(s => s.Id == id && s.UserId == userId, context.HttpContext.RequestAborted))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
        }
    }

    /// <summary>The security stamp check rebuilds the principal every minute; the session id must survive it.</summary>
    public static Task KeepSessionClaim(SecurityStampRefreshingPrincipalContext context)
    {
        if (context.CurrentPrincipal?.FindFirst(ClaimType) is { } session && context.NewPrincipal?.Identity is ClaimsIdentity identity)
        {
            identity.AddClaim(new Claim(ClaimType, session.Value));
        }

        return Task.CompletedTask;
    }
}
