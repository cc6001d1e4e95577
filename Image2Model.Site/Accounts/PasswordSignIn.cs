using System.Net;
using Image2Model.Site.Audit;
using Image2Model.Site.Data;
using Microsoft.AspNetCore.Identity;

namespace Image2Model.Site.Accounts;

public enum SignInOutcome
{
    SignedIn,

    /// <summary>Wrong address or wrong password: the same answer for both.</summary>
    Failed,

    /// <summary>Too many failures for this address (from this client, or from everywhere); the same for known and unknown addresses.</summary>
    Throttled,

    /// <summary>An admin locked the account. Only told to someone who gave the right password.</summary>
    Locked,

    /// <summary>The site requires a confirmed address and this one is not yet. Only told to someone who gave the right password.</summary>
    NotConfirmed,
}

/// <summary>
/// Signing in with a password so that the answer and the time it takes are the same whether or
/// not the address has an account: an unknown address still costs one password hash, and
/// failures are counted the same way for both (<see cref="SignInThrottle"/>).
/// </summary>
public sealed class PasswordSignIn(
    UserManager<AppUser> users, SignInManager<AppUser> signIn, SignInSessions sessions, SignInThrottle throttle, AuditLog audit, ILogger<PasswordSignIn> logger)
{
    private static readonly AppUser Nobody = new() { Id = "nobody", UserName = "nobody" };
    private static string? _nobodysHash;

    public async Task<SignInOutcome> SignInAsync(string email, string password, bool remember, IPAddress? client, CancellationToken cancellationToken)
    {
        email = email.Trim();
        if (await throttle.IsThrottledAsync(email, client, cancellationToken))
        {
            logger.LogWarning("Sign-in refused: too many failures for this address");
            return SignInOutcome.Throttled;
        }

        var user = await users.FindByEmailAsync(email);
        if (user is null)
        {
            // The same hashing work a real account costs, so the answer takes as long.
            _nobodysHash ??= users.PasswordHasher.HashPassword(Nobody, Guid.NewGuid().ToString());
            users.PasswordHasher.VerifyHashedPassword(Nobody, _nobodysHash, password);
        }

        if (user is null || !await users.CheckPasswordAsync(user, password))
        {
            await throttle.RecordFailureAsync(email, client, cancellationToken);
            logger.LogInformation("Sign-in failed");
            await audit.RecordAsync(AuditActions.SignInFailed, user?.Id, email, user is null ? "no such account" : "wrong password", cancellationToken);
            if (await throttle.IsThrottledAsync(email, client, cancellationToken))
            {
                await audit.RecordAsync(AuditActions.LockedOut, user?.Id, email, "too many failed sign-ins: that client waits before it may try again", cancellationToken);
            }

            return SignInOutcome.Failed;
        }

        if (await users.IsLockedOutAsync(user))
        {
            logger.LogInformation("Sign-in refused: account {UserId} is locked", user.Id);
            await audit.RecordAsync(AuditActions.SignInFailed, user.Id, email, "account locked", cancellationToken);
            return SignInOutcome.Locked;
        }

        if (!await signIn.CanSignInAsync(user))
        {
            logger.LogInformation("Sign-in refused: account {UserId} has not confirmed its address", user.Id);
            await audit.RecordAsync(AuditActions.SignInFailed, user.Id, email, "address not confirmed", cancellationToken);
            return SignInOutcome.NotConfirmed;
        }

        await throttle.ClearAsync(email, client, cancellationToken);
        await sessions.SignInAsync(user, remember);
        logger.LogInformation("User {UserId} signed in", user.Id);
        return SignInOutcome.SignedIn;
    }
}
