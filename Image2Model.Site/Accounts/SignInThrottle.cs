using System.Net;
using System.Security.Cryptography;
using System.Text;
using Image2Model.Site.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Image2Model.Site.Accounts;

public sealed class SignInThrottleOptions
{
    public const string Section = "SignIn";

    /// <summary>Failures for one address from one client address before that pair must wait.</summary>
    public int MaxFailuresPerClient { get; set; } = 5;

    /// <summary>Failures for one address from all clients together before everyone must wait: high, so one attacker cannot lock an owner out cheaply.</summary>
    public int MaxFailuresPerAccount { get; set; } = 50;

    /// <summary>Failures older than this are forgotten.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long a throttled pair (or address) must wait.</summary>
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);
}

/// <summary>
/// Slows password guessing without handing anyone a way to lock others out: failures count per
/// address and client address (the short lockout only stops that client), and separately per
/// address with a much higher threshold. Known and unknown addresses are treated the same.
/// </summary>
public sealed class SignInThrottle(AppDbContext db, IOptions<SignInThrottleOptions> options, TimeProvider clock)
{
    private SignInThrottleOptions Options => options.Value;

    public async Task<bool> IsThrottledAsync(string email, IPAddress? client, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var keys = new[] { PairKey(email, client), AccountKey(email) };
        return await db.Set<SignInFailure>().AnyAsync(f => keys.Contains(f.Key) && f.LockedUntil > now, cancellationToken);
    }

    public async Task RecordFailureAsync(string email, IPAddress? client, CancellationToken cancellationToken)
    {
        var account = AccountKey(email);
        await CountAsync(PairKey(email, client), account, Options.MaxFailuresPerClient, cancellationToken);
        await CountAsync(account, account, Options.MaxFailuresPerAccount, cancellationToken);
    }

    /// <summary>After a successful sign-in: this client starts again from zero (the address-wide count stays).</summary>
    public Task ClearAsync(string email, IPAddress? client, CancellationToken cancellationToken)
    {
        var key = PairKey(email, client);
        return db.Set<SignInFailure>().Where(f => f.Key == key).ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary>Forgets every failure of the address, from every client (the command-line unlock).</summary>
    public Task ClearAllAsync(string email, CancellationToken cancellationToken)
    {
        var account = AccountKey(email);
        return db.Set<SignInFailure>().Where(f => f.Account == account).ExecuteDeleteAsync(cancellationToken);
    }

    private async Task CountAsync(string key, string account, int limit, CancellationToken cancellationToken)
    {
        var failures = db.Set<SignInFailure>();
        var now = clock.GetUtcNow().UtcDateTime;
        var windowStart = now - Options.Window;
        // Atomic increments, so concurrent guesses on several nodes all count.
        var counted = await failures.Where(f => f.Key == key && (f.FirstFailureAt > windowStart || f.LockedUntil > now))
            .ExecuteUpdateAsync(s => s.SetProperty(f => f.Count, f => f.Count + 1), cancellationToken);
        if (counted == 0)
        {
            await failures.Where(f => f.Key == key).ExecuteDeleteAsync(cancellationToken);
            var row = new SignInFailure { Key = key, Account = account, Count = 1, FirstFailureAt = now };
            failures.Add(row);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                // Another request started the count at the same moment: add to theirs.
                db.Entry(row).State = EntityState.Detached;
                await failures.Where(f => f.Key == key).ExecuteUpdateAsync(s => s.SetProperty(f => f.Count, f => f.Count + 1), cancellationToken);
            }
            finally
            {
                db.Entry(row).State = EntityState.Detached;
            }
        }

        var until = now + Options.LockoutDuration;
        await failures.Where(f => f.Key == key && f.Count >= limit && f.LockedUntil == null)
            .ExecuteUpdateAsync(s => s.SetProperty(f => f.LockedUntil, until), cancellationToken);
    }

    private static string AccountKey(string email) => Hash(Normalise(email));

    private static string PairKey(string email, IPAddress? client) => Hash($"{Normalise(email)}|{client?.ToString() ?? "unknown"}");

    private static string Normalise(string email) => email.Trim().ToUpperInvariant();

    private static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}
