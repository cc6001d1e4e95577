using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using Image2Model.Site.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Image2Model.Site.Accounts;

/// <summary>
/// Server-side sessions for the sign-in cookie. The cookie names its session; a request whose
/// session row is gone is signed out. So signing out really ends that cookie, on every node (the
/// rows are in the shared database), and "sign out everywhere" and a password change end the others.
/// </summary>
public sealed class SignInSessions(AppDbContext db, SignInManager<AppUser> signIn, TimeProvider clock, KnownSessions known, ILogger<SignInSessions> logger)
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
            known.Forget(id);
        }

        await signIn.SignOutAsync();
    }

    /// <summary>Ends every session of the account except <paramref name="keep"/> (null: all of them).</summary>
    public async Task<int> EndAllAsync(string userId, string? keep = null)
    {
        var ended = await db.SignInSessions.Where(s => s.UserId == userId && s.Id != keep).ExecuteDeleteAsync();
        known.ForgetUser(userId, keep);
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

    /// <summary>
    /// The cookie check on every request: after the security stamp check, the session must still
    /// exist. A session found a moment ago (<see cref="KnownSessions"/>) is not looked up again.
    /// </summary>
    public static async Task ValidatePrincipalAsync(CookieValidatePrincipalContext context)
    {
        if (SecurityStampCheck.IsDue(context))
        {
            await SecurityStampValidator.ValidatePrincipalAsync(context);
        }

        if (context.Principal is not { } principal)
        {
            return;
        }

        var id = principal.FindFirstValue(ClaimType);
        var userId = principal.FindFirstValue(ClaimTypes.NameIdentifier);
        var services = context.HttpContext.RequestServices;
        var known = services.GetRequiredService<KnownSessions>();
        if (id is not null && userId is not null && known.IsKnown(id, userId))
        {
            return;
        }

        var endingsBefore = known.Endings;

        if (id is null || userId is null || !await services.GetRequiredService<AppDbContext>().SignInSessions.AnyAsync(s => s.Id == id && s.UserId == userId, context.HttpContext.RequestAborted))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(IdentityConstants.ApplicationScheme);
            return;
        }

        known.Remember(id, userId, endingsBefore);
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

public sealed class SignInSessionOptions
{
    public const string Section = "Accounts";

    /// <summary>
    /// How long a session found in the database is taken as existing without looking again. Signing
    /// out on this node ends it at once; on other nodes after at most this long. Zero: look every time.
    /// </summary>
    public TimeSpan SessionCheckCacheDuration { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Sessions this node found in the database a moment ago, so that a page polling once a second
/// does not look its session up at every poll. Signing out here forgets the session at once.
/// </summary>
public sealed class KnownSessions(IOptions<SignInSessionOptions> options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, (string UserId, DateTimeOffset FoundAt)> _sessions = new();
    private readonly TimeSpan _duration = options.Value.SessionCheckCacheDuration;
    private long _endings;

    /// <summary>Counts sign-outs on this node: a lookup that raced one is not remembered.</summary>
    public long Endings => Interlocked.Read(ref _endings);

    public bool IsKnown(string id, string userId) =>
        _sessions.TryGetValue(id, out var found) && found.UserId == userId && clock.GetUtcNow() - found.FoundAt < _duration;

    /// <summary>Remembers a session just found, unless a session ended here since <paramref name="endingsBefore"/> (the lookup may predate it).</summary>
    public void Remember(string id, string userId, long endingsBefore)
    {
        if (_duration <= TimeSpan.Zero || Endings != endingsBefore)
        {
            return;
        }

        var now = clock.GetUtcNow();
        if (_sessions.Count >= 10_000)
        {
            // Keeps the table to the sessions of the last few seconds.
            foreach (var (key, found) in _sessions)
            {
                if (now - found.FoundAt >= _duration)
                {
                    _sessions.TryRemove(new KeyValuePair<string, (string, DateTimeOffset)>(key, found));
                }
            }
        }

        _sessions[id] = (userId, now);
        if (Endings != endingsBefore)
        {
            _sessions.TryRemove(id, out _);
        }
    }

    public void Forget(string id)
    {
        Interlocked.Increment(ref _endings);
        _sessions.TryRemove(id, out _);
    }

    public void ForgetUser(string userId, string? keep)
    {
        Interlocked.Increment(ref _endings);
        foreach (var (key, found) in _sessions)
        {
            if (found.UserId == userId && key != keep)
            {
                _sessions.TryRemove(new KeyValuePair<string, (string, DateTimeOffset)>(key, found));
            }
        }
    }
}
