using System.Net;
using Image2Model.Tests.Api;
using Image2Model.Tests.Infrastructure;

namespace Image2Model.Tests.Web;

/// <summary>Links use Site:PublicBaseUrl, never a Host header; behind a TLS proxy cookies are Secure and HSTS is sent.</summary>
public sealed class PublicAddressTests
{
    [Fact]
    public async Task Signed_links_use_the_public_base_url_whatever_host_the_request_names()
    {
        using var site = new SiteFactory();
        site.Settings["Site:PublicBaseUrl"] = "https://models.example.com";
        var script = await ApiStories.ScriptAsync(site);
        var upload = await ApiStories.UploadAsync(script, "apple.png");
        await ApiStories.WaitForFinishAsync(site, upload);

        var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/download/{upload.GetProperty("job_id").GetString()}/all");
        request.Headers.Host = "evil.example";
        var list = await ApiStories.JsonAsync(await script.SendAsync(request));

        var link = new Uri(list.GetProperty("download_urls")[0].GetString()!);
        Assert.Equal("https://models.example.com", link.GetLeftPart(UriPartial.Authority));
        Assert.StartsWith("/api/v1/download/", link.AbsolutePath);
        Assert.DoesNotContain("evil.example", list.ToString());
    }

    [Fact]
    public async Task In_production_behind_a_tls_proxy_cookies_are_secure_and_hsts_is_sent()
    {
        using var site = new SiteFactory();
        site.Settings["environment"] = "Production";
        // The proxy runs on this machine: loopback is trusted when no proxy is configured.
        var address = Loopback.Start(site);
        await site.EnsureAdminAsync();
        // The browser speaks HTTPS to the proxy, so it sends Secure cookies back: kept by hand here,
        // since this client talks plain HTTP to the site (as the proxy does).
        var browser = new SiteClient(new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = address });
        var jar = new List<string>();
        void ThroughProxy(HttpRequestMessage r)
        {
            r.Headers.Host = "models.example.com";
            r.Headers.Add("X-Forwarded-Proto", "https");
            if (jar.Count > 0)
            {
                r.Headers.Add("Cookie", string.Join("; ", jar));
            }
        }

        var login = new HttpRequestMessage(HttpMethod.Get, "/account/login");
        ThroughProxy(login);
        var page = await browser.Http.SendAsync(login);
        jar.AddRange(page.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
        var form = UserStories.Form(await SiteClient.ParseAsync(page));
        var signIn = await browser.SubmitAsync(form, new Dictionary<string, string> { ["Input.Email"] = SiteFactory.AdminEmail, ["Input.Password"] = UserStories.Password }, configure: ThroughProxy);

        Assert.True(page.Headers.Contains("Strict-Transport-Security"), "no HSTS header");
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        var cookies = page.Headers.GetValues("Set-Cookie").Concat(signIn.Headers.GetValues("Set-Cookie")).ToList();
        Assert.Contains(cookies, c => c.StartsWith("image2model=", StringComparison.Ordinal));
        Assert.All(cookies, c => Assert.Contains("secure", c, StringComparison.OrdinalIgnoreCase));

        // Plain HTTP straight to the site (no proxy saying https): no HSTS, as the standard asks.
        var direct = new HttpRequestMessage(HttpMethod.Get, "/account/login");
        direct.Headers.Host = "models.example.com";
        Assert.False((await browser.Http.SendAsync(direct)).Headers.Contains("Strict-Transport-Security"));
    }
}
