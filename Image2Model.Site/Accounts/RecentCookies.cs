using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;

namespace Image2Model.Site.Accounts;

/// <summary>
/// The sign-in cookie's format, remembering for a few seconds what each cookie value decrypted
/// to. A page polling once a second sends the same cookie each time, and Data Protection's
/// decryption and the ticket's deserialization were a tenth of a status poll's time.
/// </summary>
/// <remarks>
/// Keyed by the whole cookie value, which is authenticated encryption: only that exact value gets
/// the remembered ticket, the same one decrypting it would give. Everything checked after
/// decryption still runs at every request (expiry, the security stamp's interval, the session row),
/// on a copy, so nothing a request does to its user changes the remembered one. The one thing that
/// lags by up to <see cref="Duration"/> is a Data Protection key revoked meanwhile.
/// </remarks>
public sealed class RecentCookies(ISecureDataFormat<AuthenticationTicket> inner, TimeProvider clock) : ISecureDataFormat<AuthenticationTicket>
{
    public static readonly TimeSpan Duration = TimeSpan.FromSeconds(5);

    private const int MaxEntries = 4096;

    private readonly ConcurrentDictionary<(string Value, string? Purpose), (AuthenticationTicket Ticket, DateTimeOffset At)> _recent = new();

    public string Protect(AuthenticationTicket data) => inner.Protect(data);

    public string Protect(AuthenticationTicket data, string? purpose) => inner.Protect(data, purpose);

    public AuthenticationTicket? Unprotect(string? protectedText) => Unprotect(protectedText, null);

    public AuthenticationTicket? Unprotect(string? protectedText, string? purpose)
    {
        if (protectedText is null)
        {
            return inner.Unprotect(protectedText, purpose);
        }

        var now = clock.GetUtcNow();
        if (_recent.TryGetValue((protectedText, purpose), out var recent) && now - recent.At < Duration)
        {
            return Copy(recent.Ticket);
        }

        var ticket = inner.Unprotect(protectedText, purpose);
        if (ticket is not null)
        {
            if (_recent.Count >= MaxEntries)
            {
                Forget(now);
            }

            _recent[(protectedText, purpose)] = (Copy(ticket), now);
        }

        return ticket;
    }

    private void Forget(DateTimeOffset now)
    {
        foreach (var (key, entry) in _recent)
        {
            if (now - entry.At >= Duration)
            {
                _recent.TryRemove(new KeyValuePair<(string, string?), (AuthenticationTicket, DateTimeOffset)>(key, entry));
            }
        }

        // All recent (a flood of distinct cookies): start over rather than grow.
        if (_recent.Count >= MaxEntries)
        {
            _recent.Clear();
        }
    }

    // ClaimsPrincipal.Clone shares its identities: each one is cloned (their claims with them).
    private static AuthenticationTicket Copy(AuthenticationTicket ticket) =>
        new(new ClaimsPrincipal(ticket.Principal.Identities.Select(i => i.Clone())), ticket.Properties.Clone(), ticket.AuthenticationScheme);
}
