using System.Net;
using Image2Model.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Image2Model.Tests.SingleSignOn;

/// <summary>Single sign-on against a real OpenID Connect provider (OpenIddict) on loopback, every redirect followed.</summary>
public sealed class SsoTests
{
    private static async Task<(SiteFactory Site, OidcServer Provider)> SiteWithSsoAsync(bool disablePasswords = false)
    {
        var provider = await OidcServer.StartAsync("https://localhost/signin-oidc");
        var site = new SiteFactory();
        site.Settings["Sso:Authority"] = provider.Authority.ToString();
        site.Settings["Sso:ClientId"] = OidcServer.ClientId;
        site.Settings["Sso:ClientSecret"] = OidcServer.ClientSecret;
        site.Settings["Sso:DisplayName"] = "Example ID";
        site.Settings["Sso:RequireHttpsMetadata"] = "false";
        site.Settings["Sso:DisablePasswordSignIn"] = disablePasswords ? "true" : "false";
        // The correlation and nonce cookies are Secure: the browser side speaks HTTPS (TestServer takes any scheme).
        site.ClientOptions.BaseAddress = new Uri("https://localhost");
        return (site, provider);
    }

    /// <summary>What a browser does: site → provider's authorization endpoint → back to the site's callback → the callback page.</summary>
    private static async Task<HttpResponseMessage> SingleSignOnAsync(SiteClient browser, OidcServer provider)
    {
        var start = await browser.Http.GetAsync("/account/sso");
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        var authorize = start.Headers.Location!;
        Assert.StartsWith(provider.Authority.ToString(), authorize.ToString());
        Assert.Contains("code_challenge=", authorize.Query);

        using var toProvider = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var answer = await toProvider.GetAsync(authorize);
        Assert.True(answer.StatusCode == HttpStatusCode.Redirect, $"The provider answered {(int)answer.StatusCode}: {await answer.Content.ReadAsStringAsync()}");
        var back = answer.Headers.Location!;
        Assert.Equal("/signin-oidc", back.AbsolutePath);

        var signedIn = await browser.Http.GetAsync(back.PathAndQuery);
        Assert.True(signedIn.StatusCode == HttpStatusCode.Redirect, $"The callback answered {(int)signedIn.StatusCode}: {await signedIn.Content.ReadAsStringAsync()}");
        return await browser.Http.GetAsync(signedIn.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task A_new_user_signs_in_through_the_provider_and_gets_an_account_with_a_confirmed_address()
    {
        var (site, provider) = await SiteWithSsoAsync();
        await using var _ = provider;
        using var __ = site;
        await site.EnsureAdminAsync();
        provider.SignedInAs = ("alice-subject", "alice@example.com", true);
        var browser = site.CreateSiteClient();
        Assert.Contains("Sign in with Example ID", (await browser.GetPageAsync("/account/login")).QuerySelector("#sso-sign-in")!.TextContent);

        var done = await SingleSignOnAsync(browser, provider);

        Assert.Equal(HttpStatusCode.Redirect, done.StatusCode);
        Assert.Equal("/upload", done.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await browser.Http.GetAsync("/upload")).StatusCode);
        await using var db = site.CreateDbContext();
        var user = await db.Users.SingleAsync(u => u.Email == "alice@example.com");
        Assert.True(user.EmailConfirmed);
        Assert.Equal("alice-subject", (await db.UserLogins.SingleAsync(l => l.UserId == user.Id)).ProviderKey);
    }

    [Fact]
    public async Task An_existing_password_account_is_linked_by_its_verified_address_and_then_by_the_provider_s_subject()
    {
        var (site, provider) = await SiteWithSsoAsync();
        await using var _ = provider;
        using var __ = site;
        await UserStories.SignedInUserAsync(site, "bob@example.com");
        provider.SignedInAs = ("bob-subject", "bob@example.com", true);

        Assert.Equal("/upload", (await SingleSignOnAsync(site.CreateSiteClient(), provider)).Headers.Location!.OriginalString);
        // The provider now reports another address: the link by subject still finds Bob's account.
        provider.SignedInAs = ("bob-subject", "robert@example.com", true);
        var again = site.CreateSiteClient();
        Assert.Equal("/upload", (await SingleSignOnAsync(again, provider)).Headers.Location!.OriginalString);

        await using var db = site.CreateDbContext();
        var bob = await db.Users.SingleAsync(u => u.Email == "bob@example.com");
        Assert.False(await db.Users.AnyAsync(u => u.Email == "robert@example.com"));
        Assert.Single(await db.UserLogins.Where(l => l.UserId == bob.Id).ToListAsync());
        Assert.Equal(HttpStatusCode.Redirect, (await UserStories.SignInAsync(site.CreateSiteClient(), "bob@example.com")).StatusCode);
    }

    [Fact]
    public async Task An_address_the_provider_does_not_vouch_for_is_not_linked_to_anyone()
    {
        var (site, provider) = await SiteWithSsoAsync();
        await using var _ = provider;
        using var __ = site;
        await UserStories.SignedInUserAsync(site, "carol@example.com");
        provider.SignedInAs = ("mallory-subject", "carol@example.com", false);
        var browser = site.CreateSiteClient();

        var start = await browser.Http.GetAsync("/account/sso");
        using var toProvider = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var back = (await toProvider.GetAsync(start.Headers.Location!)).Headers.Location!;
        var callback = await browser.Http.GetAsync((await browser.Http.GetAsync(back.PathAndQuery)).Headers.Location!.OriginalString);

        Assert.Equal(HttpStatusCode.OK, callback.StatusCode);
        Assert.Contains("did not confirm your email address", (await SiteClient.ParseAsync(callback)).QuerySelector(".alert.error")!.TextContent);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.Http.GetAsync("/upload")).StatusCode);
        await using var db = site.CreateDbContext();
        Assert.False(await db.UserLogins.AnyAsync());
    }

    [Fact]
    public async Task With_password_sign_in_turned_off_the_password_pages_lead_to_the_provider()
    {
        var (site, provider) = await SiteWithSsoAsync(disablePasswords: true);
        await using var _ = provider;
        using var __ = site;
        await site.EnsureAdminAsync();
        var browser = site.CreateSiteClient();

        foreach (var page in new[] { "/account/login", "/account/register", "/account/forgot-password" })
        {
            var response = await browser.Http.GetAsync(page);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Equal("/account/sso", response.Headers.Location!.OriginalString);
        }

        // Posting a correct password (with a valid antiforgery token, from a page that still has a form) does not sign in.
        var other = await browser.GetPageAsync("/account/resend-confirmation");
        var token = other.QuerySelector<AngleSharp.Html.Dom.IHtmlInputElement>("input[name='__RequestVerificationToken']")!.Value;
        var post = await browser.Http.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["Input.Email"] = SiteFactory.AdminEmail,
            ["Input.Password"] = UserStories.Password,
        }));
        Assert.Equal("/account/sso", post.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.Http.GetAsync("/upload")).StatusCode);

        provider.SignedInAs = ("admin-subject", SiteFactory.AdminEmail, true);
        Assert.Equal("/upload", (await SingleSignOnAsync(browser, provider)).Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await browser.Http.GetAsync("/admin/users")).StatusCode);
    }
}
