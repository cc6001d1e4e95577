using System.Net;
using AngleSharp.Html.Dom;
using Image2Model.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Image2Model.Tests.Pages.Share;

public sealed class SharePageTests(SiteFactory factory) : IClassFixture<SiteFactory>
{
    [Fact]
    public async Task Someone_without_an_account_opens_a_share_link_and_sees_the_model_its_preview_and_downloads_only()
    {
        var email = $"sharer-{Guid.NewGuid():N}@example.com";
        var (owner, conversionId) = await OwnerWithModelAsync(factory, email);

        var url = await CreateLinkAsync(owner, conversionId, "1d");
        var visitor = factory.CreateSiteClient();
        var response = await visitor.Http.GetAsync(url);
        var page = await SiteClient.ParseAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var path = new Uri(url).AbsolutePath;
        var viewer = page.QuerySelector("model-viewer")!;
        Assert.Equal($"{path}/model.glb", viewer.GetAttribute("src"));
        Assert.Equal($"{path}/preview.png", viewer.GetAttribute("poster"));
        Assert.Contains("quick-look", viewer.GetAttribute("ar-modes"));
        Assert.Equal("image/png", (await visitor.Http.GetAsync($"{path}/preview.png")).Content.Headers.ContentType?.MediaType);
        foreach (var file in new[] { "model.glb", "model.stl", "model.3mf", "model-obj.zip" })
        {
            Assert.Equal(HttpStatusCode.OK, (await visitor.Http.GetAsync($"{path}/{file}")).StatusCode);
        }

        // Nothing else of the owner's: no address, no batch, no other models, no actions.
        var html = page.DocumentElement.OuterHtml;
        Assert.DoesNotContain(email, html);
        Assert.DoesNotContain($"/models/{conversionId}", html);
        Assert.DoesNotContain("/batches/", html);
        Assert.Empty(page.QuerySelectorAll("main form"));
        // The visitor could not have reached the owner's own pages either.
        Assert.Equal(HttpStatusCode.Redirect, (await visitor.Http.GetAsync($"/files/{conversionId}/model.glb")).StatusCode);

        var modelPage = await owner.GetPageAsync($"/models/{conversionId}");
        Assert.Contains("opened once", modelPage.QuerySelector(".share-links")!.TextContent);
        await using var db = factory.CreateDbContext();
        Assert.Single(await db.AuditEntries.Where(e => e.Action == Image2Model.Site.Audit.AuditActions.ShareLinkCreated && e.Detail!.Contains(conversionId.ToString("N"))).ToListAsync());
    }

    [Fact]
    public async Task Revoked_expired_and_tampered_links_answer_404()
    {
        var (owner, conversionId) = await OwnerWithModelAsync(factory);
        var revoked = await CreateLinkAsync(owner, conversionId, "1h");
        var expired = await CreateLinkAsync(owner, conversionId, "30d");
        var visitor = factory.CreateSiteClient();
        Assert.Equal(HttpStatusCode.OK, (await visitor.Http.GetAsync(revoked)).StatusCode);

        var modelPage = await owner.GetPageAsync($"/models/{conversionId}");
        // Newest first: the "1h" link is the second.
        var item = modelPage.QuerySelectorAll(".share-links li")[1];
        Assert.Equal(HttpStatusCode.Redirect, (await owner.SubmitAsync(item.QuerySelector<IHtmlFormElement>("form")!)).StatusCode);
        await using (var db = factory.CreateDbContext())
        {
            // As if 30 days had passed: the database says so, even though the token's own clock would still allow it.
            await db.ShareLinks.Where(l => l.ConversionId == conversionId && l.RevokedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(l => l.ExpiresAt, DateTime.UtcNow.AddMinutes(-1)));
        }

        var tampered = expired[..^3] + (expired[^3] == 'A' ? 'B' : 'A') + expired[^2..];
        foreach (var url in new[] { revoked, expired, tampered, "/s/not-a-token", $"{new Uri(revoked).AbsolutePath}/model.glb" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await visitor.Http.GetAsync(url)).StatusCode);
        }

        var after = await owner.GetPageAsync($"/models/{conversionId}");
        var states = after.QuerySelectorAll(".share-links li").Select(li => li.TextContent).ToList();
        Assert.Contains(states, s => s.Contains("Revoked"));
        Assert.Contains(states, s => s.Contains("Expired"));
    }

    [Fact]
    public async Task Only_the_owner_can_create_or_revoke_links_for_a_model()
    {
        var (_, conversionId) = await OwnerWithModelAsync(factory);
        var stranger = await UserStories.SignedInUserAsync(factory);
        var ownPage = await stranger.GetPageAsync("/models");
        var token = ownPage.QuerySelector<IHtmlInputElement>("input[name=__RequestVerificationToken]")?.Value
            ?? (await stranger.GetPageAsync("/upload")).QuerySelector<IHtmlInputElement>("input[name=__RequestVerificationToken]")!.Value;

        var response = await stranger.Http.PostAsync($"/models/{conversionId}?handler=Share",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["expires"] = "1d", ["__RequestVerificationToken"] = token }));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        await using var db = factory.CreateDbContext();
        Assert.False(await db.ShareLinks.AnyAsync(l => l.ConversionId == conversionId));
    }

    [Fact]
    public async Task Share_links_are_rate_limited_per_client_with_retry_after()
    {
        using var site = new SiteFactory();
        site.Settings["RateLimits:ShareRequestsPerMinute"] = "3";
        var (owner, conversionId) = await OwnerWithModelAsync(site);
        var url = await CreateLinkAsync(owner, conversionId, "1h");
        var visitor = site.CreateSiteClient();

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 4; i++)
        {
            last = await visitor.Http.GetAsync(url);
            statuses.Add(last.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.NotNull(last!.Headers.RetryAfter);
    }

    private static async Task<(SiteClient Owner, Guid ConversionId)> OwnerWithModelAsync(SiteFactory site, string? email = null)
    {
        var owner = await UserStories.SignedInUserAsync(site, email);
        var conversion = Assert.Single(await Waiting.ForBatchAsync(site, Waiting.BatchIdFrom(await UserStories.UploadAsync(owner, [Fixtures.File("apple.png")]))));
        return (owner, conversion.Id);
    }

    /// <summary>Creates a link through the model page's form and returns its address as the page shows it (newest first).</summary>
    private static async Task<string> CreateLinkAsync(SiteClient owner, Guid conversionId, string expires)
    {
        var page = await owner.GetPageAsync($"/models/{conversionId}");
        var form = page.QuerySelector<IHtmlFormElement>("form.share-form")!;
        var after = await owner.FollowAsync(await owner.SubmitAsync(form, new Dictionary<string, string> { ["expires"] = expires }));
        return after.QuerySelector<IHtmlInputElement>(".share-links li input[readonly]")!.Value;
    }
}
