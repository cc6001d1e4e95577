using System.Security.Claims;
using Image2Model.Site.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Time.Testing;

namespace Image2Model.Tests.Accounts;

/// <summary>
/// The sign-in cookie decrypted once per few seconds per cookie value, and nothing else remembered.
/// That a kept cookie stops working at sign-out though it was just decrypted, on both nodes:
/// Pages/Account/SessionTests.A_cookie_kept_from_before_sign_out_no_longer_works_on_any_node.
/// </summary>
public sealed class RecentCookiesTests
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly Counting _real = new(new TicketDataFormat(new EphemeralDataProtectionProvider().CreateProtector("cookie")));

    [Fact]
    public void A_cookie_sent_again_within_seconds_is_not_decrypted_again_and_each_request_gets_its_own_copy()
    {
        var format = new RecentCookies(_real, _clock);
        var cookie = format.Protect(Ticket("alice"));

        var first = format.Unprotect(cookie)!;
        ((ClaimsIdentity)first.Principal.Identity!).AddClaim(new Claim("added-by-a-request", "yes"));
        first.Properties.Items["changed"] = "yes";
        _clock.Advance(TimeSpan.FromSeconds(4));
        var second = format.Unprotect(cookie)!;

        Assert.Equal(1, _real.Unprotects);
        Assert.Equal("alice", second.Principal.FindFirstValue(ClaimTypes.NameIdentifier));
        Assert.Null(second.Principal.FindFirst("added-by-a-request"));
        Assert.False(second.Properties.Items.ContainsKey("changed"));
        Assert.Equal(first.Properties.ExpiresUtc, second.Properties.ExpiresUtc);
    }

    [Fact]
    public void After_the_window_the_cookie_is_decrypted_again()
    {
        var format = new RecentCookies(_real, _clock);
        var cookie = format.Protect(Ticket("alice"));

        format.Unprotect(cookie);
        _clock.Advance(RecentCookies.Duration);
        format.Unprotect(cookie);

        Assert.Equal(2, _real.Unprotects);
    }

    [Fact]
    public void A_tampered_or_unknown_cookie_is_refused_every_time_and_never_answered_from_another()
    {
        var format = new RecentCookies(_real, _clock);
        var alice = format.Protect(Ticket("alice"));
        var bob = format.Protect(Ticket("bob"));
        Assert.NotNull(format.Unprotect(alice));

        var tampered = alice[..^4] + (alice[^4] == 'A' ? 'B' : 'A') + alice[^3..];
        Assert.Null(format.Unprotect(tampered));
        Assert.Null(format.Unprotect(tampered));
        Assert.Null(format.Unprotect("not a cookie"));
        Assert.Equal("bob", format.Unprotect(bob)!.Principal.FindFirstValue(ClaimTypes.NameIdentifier));
        Assert.Equal(5, _real.Unprotects);
    }

    private AuthenticationTicket Ticket(string user) =>
        new(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, user)], "Identity.Application")),
            new AuthenticationProperties { IssuedUtc = _clock.GetUtcNow(), ExpiresUtc = _clock.GetUtcNow().AddDays(14) }, "Identity.Application");

    /// <summary>The real cookie format, counting its decryptions.</summary>
    private sealed class Counting(ISecureDataFormat<AuthenticationTicket> inner) : ISecureDataFormat<AuthenticationTicket>
    {
        public int Unprotects { get; private set; }

        public string Protect(AuthenticationTicket data) => inner.Protect(data);

        public string Protect(AuthenticationTicket data, string? purpose) => inner.Protect(data, purpose);

        public AuthenticationTicket? Unprotect(string? protectedText) => Unprotect(protectedText, null);

        public AuthenticationTicket? Unprotect(string? protectedText, string? purpose)
        {
            Unprotects++;
            return inner.Unprotect(protectedText, purpose);
        }
    }
}
