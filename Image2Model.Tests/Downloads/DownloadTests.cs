using System.Net;
using System.Net.Http.Headers;
using Image2Model.Site.Downloads;
using Image2Model.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Image2Model.Tests.Downloads;

public sealed class DownloadTests(SiteFactory factory) : IClassFixture<SiteFactory>
{
    [Fact]
    public async Task Stranger_gets_404_for_someone_elses_model_batch_and_download()
    {
        var owner = await UserStories.SignedInUserAsync(factory);
        var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(owner, [Fixtures.File("apple.png")]));
        var conversion = Assert.Single(await Waiting.ForBatchAsync(factory, batchId));
        var stranger = await UserStories.SignedInUserAsync(factory);

        foreach (var url in new[] { $"/batches/{batchId}", $"/models/{conversion.Id}", $"/files/{conversion.Id}/model.glb", $"/files/{conversion.Id}/thumbnail.jpg" })
        {
            Assert.Equal(HttpStatusCode.OK, (await owner.Http.GetAsync(url)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await stranger.Http.GetAsync(url)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await owner.Http.GetAsync($"/files/{Guid.NewGuid()}/model.glb")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.Http.GetAsync($"/models/{Guid.NewGuid()}")).StatusCode);
    }

    [Fact]
    public async Task Admin_can_open_any_users_download()
    {
        var owner = await UserStories.SignedInUserAsync(factory);
        var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(owner, [Fixtures.File("apple.png")]));
        var conversion = Assert.Single(await Waiting.ForBatchAsync(factory, batchId));
        var admin = factory.CreateSiteClient();
        await UserStories.SignInAsync(admin, SiteFactory.AdminEmail);

        Assert.Equal(HttpStatusCode.OK, (await admin.Http.GetAsync($"/files/{conversion.Id}/model.glb")).StatusCode);
    }

    [Fact]
    public async Task While_a_model_is_made_again_the_previous_one_stays_viewable_and_downloadable()
    {
        using var site = new SiteFactory();
        var owner = await UserStories.SignedInUserAsync(site);
        var conversion = Assert.Single(await Waiting.ForBatchAsync(site, Waiting.BatchIdFrom(await UserStories.UploadAsync(owner, [Fixtures.File("apple.png")]))));
        await using (var db = site.CreateDbContext())
        {
            // As if the new attempt were waiting behind a long queue.
            await db.Conversions.Where(c => c.Id == conversion.Id).ExecuteUpdateAsync(s => s
                .SetProperty(c => c.State, Image2Model.Site.Conversions.ConversionState.Pending)
                .SetProperty(c => c.Message, "Waiting in the queue"));
        }

        var page = await owner.GetPageAsync($"/models/{conversion.Id}");

        Assert.Contains("previous version", page.QuerySelector(".alert.info")!.TextContent);
        Assert.NotNull(page.QuerySelector("model-viewer"));
        Assert.Null(page.QuerySelector("form[action*='handler=Regenerate']"));
        Assert.Equal(HttpStatusCode.OK, (await owner.Http.GetAsync($"/files/{conversion.Id}/model.glb")).StatusCode);
    }

    [Theory]
    [InlineData("/upload")]
    [InlineData("/models")]
    [InlineData("/batches/6f9619ff-8b86-d011-b42d-00cf4fc964ff")]
    [InlineData("/files/6f9619ff-8b86-d011-b42d-00cf4fc964ff/model.glb")]
    [InlineData("/admin/queue")]
    public async Task Signed_out_visitor_is_sent_to_sign_in(string url)
    {
        var response = await factory.CreateSiteClient().Http.GetAsync(url);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/login", response.Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task Download_has_a_safe_name_an_etag_and_answers_range_requests()
    {
        var owner = await UserStories.SignedInUserAsync(factory);
        var file = Fixtures.File("apple.png") with { FileName = "My photo; copy (1).png" };
        var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(owner, [file]));
        var conversion = Assert.Single(await Waiting.ForBatchAsync(factory, batchId));
        var url = $"/files/{conversion.Id}/model.glb";

        var full = await owner.Http.GetAsync(url);
        var etag = full.Headers.ETag!;
        var ranged = new HttpRequestMessage(HttpMethod.Get, url);
        ranged.Headers.Range = new RangeHeaderValue(0, 11);
        var partial = await owner.Http.SendAsync(ranged);
        var conditional = new HttpRequestMessage(HttpMethod.Get, url);
        conditional.Headers.IfNoneMatch.Add(etag);
        var notModified = await owner.Http.SendAsync(conditional);

        Assert.Equal("attachment", full.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Equal("My photo_ copy _1.glb", full.Content.Headers.ContentDisposition.FileName?.Trim('"'));
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal("glTF"u8.ToArray(), (await partial.Content.ReadAsByteArrayAsync())[..4]);
        Assert.Equal(12, partial.Content.Headers.ContentLength);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
    }

    [Theory]
    [InlineData("photo.png", "photo.glb")]
    [InlineData("../../etc/passwd", "passwd.glb")]
    [InlineData("日本語.jpg", "日本語.glb")]
    [InlineData("Café.png", "Café.glb")]
    [InlineData("\"quoted\"; name.png", "quoted__ name.glb")]
    [InlineData("<>.png", "model.glb")]
    [InlineData("a\u0000b.png", "a_b.glb")]
    public void Download_names_keep_only_harmless_characters(string original, string expected) =>
        Assert.Equal(expected, DownloadName.For(Path.GetFileName(original), ".glb"));
}
