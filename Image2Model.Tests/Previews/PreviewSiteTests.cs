using System.Net;
using Image2Model.Site.Previews;
using Image2Model.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SkiaSharp;

namespace Image2Model.Tests.Previews;

public sealed class PreviewSiteTests(SiteFactory factory) : IClassFixture<SiteFactory>
{
    [Fact]
    public async Task Owner_sees_the_rendered_preview_of_a_new_model_and_a_stranger_gets_404()
    {
        var owner = await UserStories.SignedInUserAsync(factory);
        var conversion = Assert.Single(await Waiting.ForBatchAsync(factory, Waiting.BatchIdFrom(await UserStories.UploadAsync(owner, [Fixtures.File("apple.png")]))));
        var stranger = await UserStories.SignedInUserAsync(factory);

        var response = await owner.Http.GetAsync($"/files/{conversion.Id}/preview.png");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        using var bitmap = SKBitmap.Decode(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(PreviewRenderer.Size, bitmap.Width);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.Http.GetAsync($"/files/{conversion.Id}/preview.png")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.Http.GetAsync($"/files/{Guid.NewGuid()}/preview.png")).StatusCode);
    }

    [Fact]
    public async Task Models_made_before_previews_existed_get_one_from_the_backfill()
    {
        var owner = await UserStories.SignedInUserAsync(factory);
        var conversion = Assert.Single(await Waiting.ForBatchAsync(factory, Waiting.BatchIdFrom(await UserStories.UploadAsync(owner, [Fixtures.File("rubber_duck.png")]))));
        await using (var db = factory.CreateDbContext())
        {
            await db.Conversions.Where(c => c.Id == conversion.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.PreviewBlob, (string?)null));
        }

        Assert.Equal(HttpStatusCode.NotFound, (await owner.Http.GetAsync($"/files/{conversion.Id}/preview.png")).StatusCode);

        using (var scope = factory.Services.CreateScope())
        {
            var job = ActivatorUtilities.CreateInstance<PreviewBackfillJob>(scope.ServiceProvider);
            var (rendered, _) = await job.RunAsync(CancellationToken.None);
            Assert.True(rendered >= 1);
            // Run again: nothing left to do.
            Assert.Equal(0, (await ActivatorUtilities.CreateInstance<PreviewBackfillJob>(scope.ServiceProvider).RunAsync(CancellationToken.None)).Rendered);
        }

        Assert.Equal(HttpStatusCode.OK, (await owner.Http.GetAsync($"/files/{conversion.Id}/preview.png")).StatusCode);
    }
}
