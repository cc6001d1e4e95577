using System.Net;
using AngleSharp.Html.Dom;
using Image2Model.Tests.Infrastructure;

namespace Image2Model.Tests.Pages.Account;

/// <summary>
/// Signing out ends the session on the server: a copy of the cookie kept from before stops working,
/// on every node. The account page signs out everywhere and changes the password.
/// </summary>
public sealed class SessionTests
{
    [Fact]
    public async Task A_cookie_kept_from_before_sign_out_no_longer_works_on_any_node()
    {
        using var first = new SiteFactory();
        using var second = new SiteFactory();
        // Two nodes on one database (and so one Data Protection key ring): a cookie from one opens the other.
        second.Settings["ConnectionStrings:Default"] = first.ConnectionString;
        second.Settings["Accounts:SessionCheckCacheDuration"] = "00:00:01";
        var firstNode = Loopback.Start(first);
        var secondNode = Loopback.Start(second);
        await first.EnsureAdminAsync();
        var cookies = new CookieContainer();
        var browser = Loopback.Client(firstNode, cookies: cookies);
        var email = $"user-{Guid.NewGuid():N}@example.com";
        await UserStories.RegisterAsync(browser, email);
        Assert.Equal(HttpStatusCode.Redirect, (await UserStories.SignInAsync(browser, email)).StatusCode);
        var kept = Copy(cookies, firstNode, secondNode);
        Assert.Equal(HttpStatusCode.OK, (await Loopback.Client(secondNode, cookies: kept).Http.GetAsync("/upload")).StatusCode);

        var signOut = await browser.SubmitAsync((await browser.GetPageAsync("/upload")).QuerySelector<IHtmlFormElement>("form[action='/account/logout']")!);
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);

        // At once on the node that signed out...
        Assert.Equal(HttpStatusCode.Redirect, (await Loopback.Client(firstNode, cookies: Copy(kept, secondNode, firstNode)).Http.GetAsync("/upload")).StatusCode);
        // ...and on the other, which found the session a moment ago, once it looks again (Accounts:SessionCheckCacheDuration).
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        var thief = Loopback.Client(secondNode, cookies: kept);
        var upload = await thief.Http.GetAsync("/upload");
        Assert.Equal(HttpStatusCode.Redirect, upload.StatusCode);
        Assert.StartsWith("/account/login", upload.Headers.Location!.PathAndQuery);
        // Nor can the old cookie make an API token.
        Assert.Equal(HttpStatusCode.Redirect, (await thief.Http.GetAsync("/tokens")).StatusCode);
    }

    [Fact]
    public async Task Sign_out_everywhere_ends_every_session_of_the_account()
    {
        using var site = new SiteFactory();
        var (email, here, elsewhere) = await TwoBrowsersAsync(site);
        var page = await here.GetPageAsync("/account/manage");
        Assert.Contains("2 browsers", page.QuerySelector("#sessions")!.TextContent);

        var response = await here.SubmitAsync(page.QuerySelector<IHtmlFormElement>("#sessions form")!);

        Assert.Equal("/account/login", response.Headers.Location!.ToString());
        Assert.Equal(HttpStatusCode.Redirect, (await here.Http.GetAsync("/upload")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await elsewhere.Http.GetAsync("/upload")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await UserStories.SignInAsync(elsewhere, email)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await elsewhere.Http.GetAsync("/upload")).StatusCode);
    }

    [Fact]
    public async Task Changing_the_password_keeps_this_browser_signed_in_and_ends_the_others()
    {
        using var site = new SiteFactory();
        var (email, here, elsewhere) = await TwoBrowsersAsync(site);
        var page = await here.GetPageAsync("/account/manage");

        var response = await here.SubmitAsync(page.QuerySelector<IHtmlFormElement>("#password form")!, new Dictionary<string, string>
        {
            ["Input.CurrentPassword"] = UserStories.Password,
            ["Input.NewPassword"] = "a different passphrase",
            ["Input.ConfirmPassword"] = "a different passphrase",
        });

        var after = await here.FollowAsync(response);
        Assert.Contains("Your password is changed", after.QuerySelector(".alert.info")!.TextContent);
        Assert.Equal(HttpStatusCode.OK, (await here.Http.GetAsync("/upload")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await elsewhere.Http.GetAsync("/upload")).StatusCode);
        var old = await UserStories.SignInAsync(site.CreateSiteClient(), email);
        Assert.Equal(HttpStatusCode.OK, old.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await UserStories.SignInAsync(site.CreateSiteClient(), email, "a different passphrase")).StatusCode);
    }

    [Fact]
    public async Task A_wrong_current_password_changes_nothing_and_says_so()
    {
        using var site = new SiteFactory();
        var (email, here, elsewhere) = await TwoBrowsersAsync(site);
        var page = await here.GetPageAsync("/account/manage");

        var response = await here.SubmitAsync(page.QuerySelector<IHtmlFormElement>("#password form")!, new Dictionary<string, string>
        {
            ["Input.CurrentPassword"] = "not my password at all",
            ["Input.NewPassword"] = "a different passphrase",
            ["Input.ConfirmPassword"] = "a different passphrase",
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Your current password is not right.", (await SiteClient.ParseAsync(response)).QuerySelector(".validation-summary-errors")!.TextContent);
        Assert.Equal(HttpStatusCode.OK, (await elsewhere.Http.GetAsync("/upload")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await UserStories.SignInAsync(site.CreateSiteClient(), email)).StatusCode);
    }

    [Fact]
    public async Task The_account_page_is_linked_from_every_page_and_only_for_signed_in_users()
    {
        using var site = new SiteFactory();
        var (email, here, _) = await TwoBrowsersAsync(site);

        var upload = await here.GetPageAsync("/upload");
        Assert.Equal(email, upload.QuerySelector(".account span")!.TextContent.Trim());
        Assert.Equal("Your account", upload.QuerySelector(".account a[href='/account/manage']")!.TextContent.Trim());
        Assert.Equal(HttpStatusCode.Redirect, (await site.CreateSiteClient().Http.GetAsync("/account/manage")).StatusCode);
    }

    private static async Task<(string Email, SiteClient Here, SiteClient Elsewhere)> TwoBrowsersAsync(SiteFactory site)
    {
        await site.EnsureAdminAsync();
        var email = $"user-{Guid.NewGuid():N}@example.com";
        var here = site.CreateSiteClient();
        await UserStories.RegisterAsync(here, email);
        Assert.Equal(HttpStatusCode.Redirect, (await UserStories.SignInAsync(here, email)).StatusCode);
        var elsewhere = site.CreateSiteClient();
        Assert.Equal(HttpStatusCode.Redirect, (await UserStories.SignInAsync(elsewhere, email)).StatusCode);
        return (email, here, elsewhere);
    }

    /// <summary>The cookies <paramref name="from"/> holds for one site, as a thief would replay them on another address.</summary>
    private static CookieContainer Copy(CookieContainer from, Uri source, Uri target)
    {
        var copy = new CookieContainer();
        foreach (Cookie cookie in from.GetCookies(source))
        {
            copy.Add(target, new Cookie(cookie.Name, cookie.Value, "/"));
        }

        return copy;
    }
}
