using System.Net;
using AngleSharp.Html.Dom;
using Image2Model.Site.Api;
using Image2Model.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Image2Model.Tests.Api;

public sealed class TokenTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Created_token_is_shown_once_listed_by_name_and_prefix_and_stored_hashed()
    {
        var user = await UserStories.SignedInUserAsync(factory);

        var secret = await ApiStories.CreateTokenAsync(user, "laptop script");
        var later = await user.GetPageAsync("/tokens");

        Assert.Matches("^i2m_[A-Za-z0-9_-]{43}$", secret);
        Assert.Null(later.QuerySelector("#new-token"));
        Assert.DoesNotContain(secret, later.Body!.InnerHtml);
        var row = Assert.Single(later.QuerySelectorAll("#token-list tbody tr"));
        Assert.Equal("laptop script", row.QuerySelector(".name")!.TextContent);
        Assert.Contains(secret[..10], row.TextContent);
        Assert.Contains("Never", row.TextContent);
        await using var db = factory.CreateDbContext();
        var stored = await db.ApiTokens.SingleAsync(t => t.Name == "laptop script");
        Assert.Equal(ApiTokens.HashOf(secret), stored.Hash);
        Assert.DoesNotContain(secret, stored.Hash + stored.Prefix + stored.Name);
    }

    [Fact]
    public async Task Htmx_create_answers_the_fragment_with_the_token_and_a_full_page_otherwise()
    {
        var user = await UserStories.SignedInUserAsync(factory);
        var page = await user.GetPageAsync("/tokens");

        var fragment = await user.SubmitAsync(page.QuerySelector<IHtmlFormElement>("#create-token")!, new Dictionary<string, string> { ["Input.Name"] = "ci" },
            configure: r => r.Headers.Add("HX-Request", "true"));
        var full = await user.GetPageAsync("/tokens");

        var html = await fragment.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, fragment.StatusCode);
        Assert.DoesNotContain("<html", html);
        Assert.StartsWith("<section id=\"api-tokens\"", html.Trim());
        Assert.Contains("i2m_", (await SiteClient.ParseAsync(fragment)).QuerySelector("#new-token code")!.TextContent);
        // Shown in the fragment, so not again on the next page.
        Assert.Null(full.QuerySelector("#new-token"));
        Assert.NotNull(full.QuerySelector("html head title"));
        Assert.Equal("/api-docs", full.QuerySelector("main a[href='/api-docs']")?.GetAttribute("href"));
        Assert.NotNull(full.QuerySelector("nav a[href='/tokens']"));
    }

    [Fact]
    public async Task A_token_needs_a_name()
    {
        var user = await UserStories.SignedInUserAsync(factory);
        var page = await user.GetPageAsync("/tokens");

        var response = await user.SubmitAsync(page.QuerySelector<IHtmlFormElement>("#create-token")!, new Dictionary<string, string> { ["Input.Name"] = " " });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var again = await SiteClient.ParseAsync(response);
        Assert.Contains("Give the token a name", again.QuerySelector(".field-error")!.TextContent);
        Assert.Null(again.QuerySelector("#new-token"));
    }

    [Fact]
    public async Task Revoked_token_is_rejected_with_401()
    {
        var user = await UserStories.SignedInUserAsync(factory);
        var secret = await ApiStories.CreateTokenAsync(user);
        var script = ApiStories.Script(factory, secret);
        var upload = await ApiStories.UploadAsync(script, "apple.png");
        var status = $"/api/v1/status/tasks/{upload.GetProperty("task_id").GetString()}";
        Assert.Equal(HttpStatusCode.OK, (await script.GetAsync(status)).StatusCode);

        var page = await user.GetPageAsync("/tokens");
        var revoked = await user.FollowAsync(await user.SubmitAsync(page.QuerySelector<IHtmlFormElement>("#token-list form")!));

        Assert.Null(revoked.QuerySelector("#token-list"));
        var detail = await ApiStories.DetailAsync(await script.GetAsync(status), HttpStatusCode.Unauthorized);
        Assert.Contains("revoked", detail);
    }

    [Fact]
    public async Task Htmx_revoke_answers_the_fragment_without_the_token()
    {
        var user = await UserStories.SignedInUserAsync(factory);
        var secret = await ApiStories.CreateTokenAsync(user, "to revoke");
        var page = await user.GetPageAsync("/tokens");

        var fragment = await user.SubmitAsync(page.QuerySelector<IHtmlFormElement>("#token-list form")!, configure: r => r.Headers.Add("HX-Request", "true"));

        var html = await fragment.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, fragment.StatusCode);
        Assert.StartsWith("<section id=\"api-tokens\"", html.Trim());
        Assert.DoesNotContain("to revoke", html);
        await ApiStories.DetailAsync(await ApiStories.Script(factory, secret).GetAsync($"/api/v1/download/{Guid.NewGuid()}/all"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Last_use_is_recorded()
    {
        var user = await UserStories.SignedInUserAsync(factory);
        var secret = await ApiStories.CreateTokenAsync(user, "used");

        await ApiStories.Script(factory, secret).GetAsync($"/api/v1/status/jobs/{Guid.NewGuid()}/progress");

        var row = (await user.GetPageAsync("/tokens")).QuerySelector("#token-list tbody tr")!;
        Assert.DoesNotContain("Never", row.TextContent);
        Assert.Contains("UTC", row.QuerySelectorAll("td")[3].TextContent);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("i2m_not-a-real-token")]
    [InlineData("something-else")]
    public async Task Missing_or_wrong_token_gets_401_with_a_detail(string? token)
    {
        var script = ApiStories.Script(factory, token);

        var response = await script.GetAsync($"/api/v1/download/{Guid.NewGuid()}/all");

        await ApiStories.DetailAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task A_signed_in_browser_cookie_does_not_open_the_api()
    {
        var user = await UserStories.SignedInUserAsync(factory);

        var response = await user.Http.GetAsync($"/api/v1/status/jobs/{Guid.NewGuid()}/progress");

        await ApiStories.DetailAsync(response, HttpStatusCode.Unauthorized);
    }
}
