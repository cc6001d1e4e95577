using System.Net;
using Image2Model.Tests.Infrastructure;

namespace Image2Model.Tests.Web;

/// <summary>X-Forwarded-For counts only from configured proxies; the sign-in limit keys on the real client.</summary>
public sealed class ForwardedHeadersTests
{
    [Fact]
    public async Task A_forged_forwarded_for_does_not_get_around_the_sign_in_limit()
    {
        using var site = new SiteFactory();
        // As README used to advise behind a proxy; on its own it trusts every sender.
        site.Settings["FORWARDEDHEADERS_ENABLED"] = "true";
        site.Settings["ForwardedHeaders:KnownProxies:0"] = "192.0.2.10";
        site.Settings["RateLimits:AccountAttemptsPerMinute"] = "5";
        var client = Loopback.Client(Loopback.Start(site), "127.0.0.20");

        var statuses = await AttemptsAsync(client, Enumerable.Range(1, 8).Select(i => $"198.51.100.{i}"));

        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.OK));
    }

    [Fact]
    public async Task Behind_a_configured_proxy_the_limit_keys_on_the_address_it_forwards()
    {
        using var site = new SiteFactory();
        site.Settings["ForwardedHeaders:KnownNetworks:0"] = "127.0.0.0/8";
        site.Settings["RateLimits:AccountAttemptsPerMinute"] = "3";
        var proxy = Loopback.Client(Loopback.Start(site), "127.0.0.21");

        var one = await AttemptsAsync(proxy, Enumerable.Repeat("203.0.113.5", 4));
        var another = await AttemptsAsync(proxy, ["203.0.113.6"]);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], one);
        Assert.Equal([HttpStatusCode.OK], another);
    }

    private static async Task<List<HttpStatusCode>> AttemptsAsync(SiteClient client, IEnumerable<string> forwardedFor)
    {
        var form = UserStories.Form(await client.GetPageAsync("/account/login"));
        var statuses = new List<HttpStatusCode>();
        foreach (var address in forwardedFor)
        {
            var response = await client.SubmitAsync(form, new Dictionary<string, string> { ["Input.Email"] = "nobody@example.com", ["Input.Password"] = "whatever it is" },
                configure: r => r.Headers.Add("X-Forwarded-For", address));
            statuses.Add(response.StatusCode);
        }

        return statuses;
    }
}
