using System.Net;
using Image2Model.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Image2Model.Tests.Pages.Account;

public sealed class AccountTests
{
    [Fact]
    public async Task The_first_account_is_admin_and_later_ones_are_not()
    {
        using var factory = new SiteFactory();
        var first = await UserStories.SignedInUserAsync(factory, "first@example.com");
        var second = factory.CreateSiteClient();
        await UserStories.RegisterAsync(second, "second@example.com");
        await UserStories.SignInAsync(second, "second@example.com");

        // SignedInUserAsync registers the factory's admin first, so "first" is the second account.
        var admin = factory.CreateSiteClient();
        await UserStories.SignInAsync(admin, SiteFactory.AdminEmail);
        Assert.Equal(HttpStatusCode.OK, (await admin.Http.GetAsync("/admin/users")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.Http.GetAsync("/admin/queue")).StatusCode);
        foreach (var user in new[] { first, second })
        {
            var response = await user.Http.GetAsync("/admin/users");
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.StartsWith("/account/access-denied", response.Headers.Location!.PathAndQuery);
        }
    }

    [Fact]
    public async Task Registering_an_address_that_exists_looks_the_same_as_a_new_one()
    {
        using var factory = new SiteFactory();
        await factory.EnsureAdminAsync();
        var client = factory.CreateSiteClient();

        var fresh = await Register(client, "someone@example.com");
        var again = await Register(client, "someone@example.com", password: "another long passphrase");

        Assert.Equal(HttpStatusCode.Redirect, fresh.StatusCode);
        Assert.Equal(fresh.StatusCode, again.StatusCode);
        Assert.Equal(fresh.Headers.Location, again.Headers.Location);
        // And the existing account still has its own password, not the one sent the second time.
        Assert.Equal(HttpStatusCode.Redirect, (await UserStories.SignInAsync(factory.CreateSiteClient(), "someone@example.com")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await UserStories.SignInAsync(factory.CreateSiteClient(), "someone@example.com", "another long passphrase")).StatusCode);
    }

    [Fact]
    public async Task Five_wrong_passwords_make_that_client_wait_even_with_the_right_one()
    {
        using var factory = new SiteFactory();
        var client = await UserStories.SignedInUserAsync(factory, "victim@example.com");
        var attacker = factory.CreateSiteClient();

        for (var i = 0; i < 5; i++)
        {
            var wrong = await UserStories.SignInAsync(attacker, "victim@example.com", "not the password");
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        }

        var right = await UserStories.SignInAsync(attacker, "victim@example.com");
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Contains("Too many failed attempts", (await SiteClient.ParseAsync(right)).QuerySelector(".alert.error")!.TextContent);
    }

    [Fact]
    public async Task A_wrong_password_gets_a_plain_message_and_no_cookie()
    {
        using var factory = new SiteFactory();
        await UserStories.SignedInUserAsync(factory, "someone@example.com");
        var client = factory.CreateSiteClient();

        var response = await UserStories.SignInAsync(client, "someone@example.com", "wrong password");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("do not match an account", (await SiteClient.ParseAsync(response)).QuerySelector(".alert.error")!.TextContent);
        Assert.Equal(HttpStatusCode.Redirect, (await client.Http.GetAsync("/upload")).StatusCode);
    }

    [Fact]
    public async Task Admin_closes_registration_and_strangers_can_no_longer_register()
    {
        using var factory = new SiteFactory();
        await factory.EnsureAdminAsync();
        var admin = factory.CreateSiteClient();
        await UserStories.SignInAsync(admin, SiteFactory.AdminEmail);
        var users = await admin.GetPageAsync("/admin/users");

        await admin.SubmitAsync(users.QuerySelector<AngleSharp.Html.Dom.IHtmlFormElement>("form[action*='handler=Registration']")!);

        var page = await factory.CreateSiteClient().GetPageAsync("/account/register");
        Assert.Contains("Registration is closed", page.QuerySelector("main")!.TextContent);
        Assert.Null(page.QuerySelector("input[name='Input.Password']"));
        var post = await Register(factory.CreateSiteClient(), "late@example.com", page);
        Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        Assert.Contains("Registration is closed", (await SiteClient.ParseAsync(post)).QuerySelector("main")!.TextContent);
        await using var scope = factory.Services.CreateAsyncScope();
        Assert.Null(await scope.ServiceProvider.GetRequiredService<UserManager<Image2Model.Site.Data.AppUser>>().FindByEmailAsync("late@example.com"));
    }

    [Fact]
    public async Task Too_many_sign_in_attempts_get_429_with_retry_after()
    {
        using var factory = new SiteFactory();
        factory.Settings["RateLimits:AccountAttemptsPerMinute"] = "3";
        var client = factory.CreateSiteClient();

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage last = null!;
        for (var i = 0; i < 4; i++)
        {
            last = await UserStories.SignInAsync(client, "nobody@example.com", "whatever password");
            statuses.Add(last.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.True(last.Headers.RetryAfter?.Delta > TimeSpan.Zero);
    }

    [Fact]
    public async Task An_account_an_admin_locks_is_shut_out_of_its_pages_and_its_api_tokens()
    {
        using var factory = new ImmediateStampCheckFactory();
        var user = await UserStories.SignedInUserAsync(factory, "troublemaker@example.com");
        var token = await Api.ApiStories.CreateTokenAsync(user);
        var script = Api.ApiStories.Script(factory, token);
        // Signed in with a working token: an unknown job is simply not found.
        Assert.Equal(HttpStatusCode.NotFound, (await script.GetAsync($"/api/v1/status/jobs/{Guid.NewGuid()}/progress")).StatusCode);
        var admin = factory.CreateSiteClient();
        await UserStories.SignInAsync(admin, SiteFactory.AdminEmail);
        var users = await admin.GetPageAsync("/admin/users");
        var row = users.QuerySelectorAll("tbody tr").Single(r => r.TextContent.Contains("troublemaker@example.com"));

        await admin.SubmitAsync(row.QuerySelector<AngleSharp.Html.Dom.IHtmlFormElement>("form[action*='handler=Lock']")!);

        var page = await user.Http.GetAsync("/upload");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.StartsWith("/account/login", page.Headers.Location!.PathAndQuery);
        Assert.Equal(HttpStatusCode.Unauthorized, (await script.GetAsync($"/api/v1/status/jobs/{Guid.NewGuid()}/progress")).StatusCode);
    }

    /// <summary>Checks the cookie against the account on every request instead of once a minute.</summary>
    private sealed class ImmediateStampCheckFactory : SiteFactory
    {
        protected override void ConfigureTestServices(IServiceCollection services) =>
            services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.Zero);
    }

    private static async Task<HttpResponseMessage> Register(SiteClient client, string email, AngleSharp.Html.Dom.IHtmlDocument? page = null, string password = UserStories.Password)
    {
        page ??= await client.GetPageAsync("/account/register");
        var form = page.QuerySelector<AngleSharp.Html.Dom.IHtmlFormElement>("main form");
        var fields = new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.Password"] = password,
            ["Input.ConfirmPassword"] = password,
        };
        if (form is not null)
        {
            return await client.SubmitAsync(form, fields);
        }

        // The form is gone; post what a script would, with a token from the sign-in page.
        var login = UserStories.Form(await client.GetPageAsync("/account/login"));
        fields["__RequestVerificationToken"] = login.QuerySelector<AngleSharp.Html.Dom.IHtmlInputElement>("input[name=__RequestVerificationToken]")!.Value;
        return await client.Http.PostAsync("/account/register", new FormUrlEncodedContent(fields));
    }
}
