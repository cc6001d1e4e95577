using System.Collections.Concurrent;
using System.Security.Claims;
using Image2Model.Site.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Image2Model.Site.Accounts;

/// <summary>
/// Identity's periodic account check (is the security stamp in the cookie still the account's?),
/// made at most once per interval per account and security stamp on this node. A page that polls
/// from several tabs sends many requests at once with the same stale cookie; Identity's own
/// validator would read the account and re-issue the cookie for each of them. Here the first one
/// reads it, the others wait for and take that answer.
/// </summary>
/// <remarks>
/// A renewed cookie is dated to the check, not to the request, so a cookie renewed from a check
/// made 50 s earlier is checked again 10 s later: an account change (lock, new password, admin
/// rights removed) still reaches every cookie within one interval, as with Identity's validator.
/// </remarks>
public sealed class SecurityStampCheck(IOptions<SecurityStampValidatorOptions> options, SignInManager<AppUser> signIn, ILoggerFactory loggers, RecentAccountChecks recent)
    : SecurityStampValidator<AppUser>(options, signIn, loggers)
{
    public override async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var now = TimeProvider.GetUtcNow();
        var issued = context.Properties.IssuedUtc;
        var expires = context.Properties.ExpiresUtc;
        if (issued is not null && now - issued.Value <= Options.ValidationInterval)
        {
            return;
        }

        var principal = context.Principal;
        var userId = principal is null ? null : SignInManager.UserManager.GetUserId(principal);
        if (principal is null || userId is null || issued is null || expires is null)
        {
            await base.ValidateAsync(context);
            return;
        }

        var stamp = principal.FindFirstValue(SignInManager.Options.ClaimsIdentity.SecurityStampClaimType);
        var account = await recent.CheckAsync(userId, stamp, now, Options.ValidationInterval, () => ReadAccountAsync(principal, now));
        if (account.Principal is null)
        {
            Logger.LogDebug("Security stamp of user {UserId} no longer matches: signed out", userId);
            context.RejectPrincipal();
            await SignInManager.SignOutAsync();
            await context.HttpContext.SignOutAsync(IdentityConstants.TwoFactorRememberMeScheme);
            return;
        }

        var renewed = new ClaimsPrincipal(account.Principal.Identities.Select(i => i.Clone()));
        if (Options.OnRefreshingPrincipal is { } refreshing)
        {
            var refreshingContext = new SecurityStampRefreshingPrincipalContext { CurrentPrincipal = principal, NewPrincipal = renewed };
            await refreshing(refreshingContext);
            renewed = refreshingContext.NewPrincipal ?? renewed;
        }

        context.ReplacePrincipal(renewed);
        // Signing in again rather than ShouldRenew: a renewal would date the cookie to now.
        var properties = new AuthenticationProperties(new Dictionary<string, string?>(context.Properties.Items))
        {
            IssuedUtc = account.CheckedAt,
            ExpiresUtc = account.CheckedAt + (expires.Value - issued.Value),
        };
        await context.HttpContext.SignInAsync(IdentityConstants.ApplicationScheme, renewed, properties);
    }

    /// <summary>
    /// Whether the cookie is due for its check. A fresh one (almost every request) skips building
    /// the validator at all: its SignInManager, UserManager and their services cost a status poll
    /// about a twelfth of its time only to find there was nothing to check.
    /// </summary>
    public static bool IsDue(CookieValidatePrincipalContext context)
    {
        var options = context.HttpContext.RequestServices.GetRequiredService<IOptions<SecurityStampValidatorOptions>>().Value;
        var now = (options.TimeProvider ?? TimeProvider.System).GetUtcNow();
        return context.Properties.IssuedUtc is not { } issued || now - issued > options.ValidationInterval;
    }

    private async Task<RecentAccountChecks.Account> ReadAccountAsync(ClaimsPrincipal principal, DateTimeOffset now) =>
        await VerifySecurityStamp(principal) is { } user
            ? new RecentAccountChecks.Account(now, await SignInManager.CreateUserPrincipalAsync(user))
            : new RecentAccountChecks.Account(now, null);
}

/// <summary>
/// The account checks of the last interval on this node, by account and security stamp: one
/// check in flight or done per pair, shared by every request that needs it.
/// </summary>
public sealed class RecentAccountChecks
{
    /// <summary>What the check found: the account's principal as of <paramref name="CheckedAt"/>, or null when the stamp no longer matches.</summary>
    public sealed record Account(DateTimeOffset CheckedAt, ClaimsPrincipal? Principal);

    private sealed record Entry(DateTimeOffset StartedAt, TaskCompletionSource<Account> Result);

    private readonly ConcurrentDictionary<(string UserId, string? Stamp), Entry> _checks = new();

    /// <summary>The check for <paramref name="userId"/> and <paramref name="stamp"/> started within the last interval, or a new one made by <paramref name="read"/>.</summary>
    public async Task<Account> CheckAsync(string userId, string? stamp, DateTimeOffset now, TimeSpan interval, Func<Task<Account>> read)
    {
        var key = (userId, stamp);
        while (true)
        {
            var known = _checks.TryGetValue(key, out var entry) ? entry : null;
            if (known is not null && now - known.StartedAt <= interval)
            {
                return await known.Result.Task;
            }

            var mine = new Entry(now, new TaskCompletionSource<Account>(TaskCreationOptions.RunContinuationsAsynchronously));
            if (!(known is null ? _checks.TryAdd(key, mine) : _checks.TryUpdate(key, mine, known)))
            {
                // Another request started a check this instant: take that one.
                continue;
            }

            ForgetOld(now, interval);
            try
            {
                var account = await read();
                mine.Result.SetResult(account);
                return account;
            }
            catch (Exception e)
            {
                // The waiting requests fail as this one does; the next request tries again.
                _checks.TryRemove(new KeyValuePair<(string, string?), Entry>(key, mine));
                mine.Result.SetException(e);
                throw;
            }
        }
    }

    /// <summary>Keeps the table to the accounts of about the last interval.</summary>
    private void ForgetOld(DateTimeOffset now, TimeSpan interval)
    {
        if (_checks.Count < 1024)
        {
            return;
        }

        foreach (var (key, entry) in _checks)
        {
            if (now - entry.StartedAt > interval && entry.Result.Task.IsCompleted)
            {
                _checks.TryRemove(new KeyValuePair<(string, string?), Entry>(key, entry));
            }
        }
    }
}
