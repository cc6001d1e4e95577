using System.Net;
using AngleSharp.Html.Dom;
using Image2Model.Site.Conversions;
using Image2Model.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Image2Model.Tests.Pages.Models;

/// <summary>One model's page: its "Make it again" and "Delete" buttons, for its owner and for strangers.</summary>
public sealed class ModelPageTests(SiteFactory factory) : IClassFixture<SiteFactory>
{
    [Fact]
    public async Task Owner_deletes_a_finished_model_and_it_is_gone_from_its_page_the_library_and_the_upload()
    {
        var client = await UserStories.SignedInUserAsync(factory);
        var (batchId, conversion) = await FinishedModelAsync(client, "apple.png");
        var page = await client.GetPageAsync($"/models/{conversion.Id}");

        var library = await client.FollowAsync(await client.SubmitAsync(DeleteForm(page)));

        Assert.EndsWith("/models", library.Url);
        Assert.Empty(library.QuerySelectorAll($"a.tile[href='/models/{conversion.Id}']"));
        Assert.Equal(HttpStatusCode.NotFound, (await client.Http.GetAsync($"/models/{conversion.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.Http.GetAsync($"/batches/{batchId}")).StatusCode);
        await using var db = factory.CreateDbContext();
        Assert.False(await db.Conversions.AnyAsync(c => c.Id == conversion.Id));
        Assert.False(await db.Batches.AnyAsync(b => b.Id == batchId));
    }

    [Fact]
    public async Task Deleting_one_model_of_an_upload_keeps_the_upload_and_its_other_models()
    {
        var client = await UserStories.SignedInUserAsync(factory);
        var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(client, [Fixtures.File("apple.png"), Fixtures.File("horse.png")]));
        var conversions = await Waiting.ForBatchAsync(factory, batchId);
        var (gone, kept) = (conversions.Single(c => c.FileName == "apple.png"), conversions.Single(c => c.FileName == "horse.png"));

        await client.SubmitAsync(DeleteForm(await client.GetPageAsync($"/models/{gone.Id}")));

        var batch = await client.GetPageAsync($"/batches/{batchId}");
        Assert.Equal(["horse.png"], batch.QuerySelectorAll(".conversion .name").Select(n => n.TextContent));
        Assert.Equal(HttpStatusCode.OK, (await client.Http.GetAsync($"/models/{kept.Id}")).StatusCode);
    }

    [Fact]
    public async Task Make_it_again_queues_a_new_attempt_that_ends_with_a_new_model()
    {
        var client = await UserStories.SignedInUserAsync(factory);
        var (batchId, conversion) = await FinishedModelAsync(client, "apple.png");
        var page = await client.GetPageAsync($"/models/{conversion.Id}");

        var response = await client.SubmitAsync(RegenerateForm(page)!);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal($"/batches/{batchId}", response.Headers.Location!.OriginalString);
        var again = (await Waiting.ForBatchAsync(factory, batchId)).Single();
        Assert.Equal(2, again.Attempt);
        Assert.Equal(ConversionState.Succeeded, again.State);
        Assert.NotNull(again.ModelBlob);
        Assert.True(again.FinishedAt > conversion.FinishedAt);
    }

    [Fact]
    public async Task While_it_is_made_again_the_page_shows_the_previous_model_and_offers_no_second_make_it_again()
    {
        using var stalled = StalledSite();
        var client = await UserStories.SignedInUserAsync(stalled);
        var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(client, [Fixtures.File("apple.png")]));
        await using (var db = stalled.CreateDbContext())
        {
            // As if a node had finished it: this site runs no conversions itself.
            await db.Conversions.Where(c => c.BatchId == batchId).ExecuteUpdateAsync(s => s
                .SetProperty(c => c.State, ConversionState.Succeeded).SetProperty(c => c.ModelBlob, "earlier-model").SetProperty(c => c.Message, "Done"));
        }

        var id = (await stalled.CreateDbContext().Conversions.SingleAsync(c => c.BatchId == batchId)).Id;
        await client.SubmitAsync(RegenerateForm(await client.GetPageAsync($"/models/{id}"))!);
        var page = await client.GetPageAsync($"/models/{id}");

        Assert.Contains("This is the previous version", page.QuerySelector(".alert.info")!.TextContent);
        Assert.Equal($"/files/{id}/model.glb", page.QuerySelector("model-viewer")!.GetAttribute("src"));
        Assert.Null(RegenerateForm(page));
        Assert.NotNull(DeleteForm(page));
    }

    [Fact]
    public async Task A_model_still_in_the_queue_is_not_made_again_but_can_be_deleted()
    {
        using var stalled = StalledSite();
        var client = await UserStories.SignedInUserAsync(stalled);
        var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(client, [Fixtures.File("apple.png")]));
        var id = (await stalled.CreateDbContext().Conversions.SingleAsync(c => c.BatchId == batchId)).Id;
        var page = await client.GetPageAsync($"/models/{id}");
        Assert.Contains("This model is not ready", page.QuerySelector(".card.empty")!.TextContent);
        Assert.Null(RegenerateForm(page));

        // A "Make it again" sent anyway (an old tab) changes nothing.
        var regenerate = await PostAsync(client, page, $"/models/{id}?handler=Regenerate");
        Assert.Equal(HttpStatusCode.Redirect, regenerate.StatusCode);
        Assert.Equal(1, (await stalled.CreateDbContext().Conversions.SingleAsync(c => c.Id == id)).Attempt);

        var deleted = await client.SubmitAsync(DeleteForm(page));

        Assert.Equal(HttpStatusCode.Redirect, deleted.StatusCode);
        Assert.False(await stalled.CreateDbContext().Conversions.AnyAsync(c => c.Id == id));
    }

    [Fact]
    public async Task A_stranger_can_neither_see_nor_delete_nor_make_again_someone_elses_model()
    {
        var owner = await UserStories.SignedInUserAsync(factory);
        var (_, conversion) = await FinishedModelAsync(owner, "apple.png");
        var stranger = await UserStories.SignedInUserAsync(factory);
        var strangersPage = await stranger.GetPageAsync("/upload");

        var view = await stranger.Http.GetAsync($"/models/{conversion.Id}");
        var delete = await PostAsync(stranger, strangersPage, $"/models/{conversion.Id}?handler=Delete");
        var regenerate = await PostAsync(stranger, strangersPage, $"/models/{conversion.Id}?handler=Regenerate");

        Assert.Equal(HttpStatusCode.NotFound, view.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, delete.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, regenerate.StatusCode);
        var unchanged = await factory.CreateDbContext().Conversions.AsNoTracking().SingleAsync(c => c.Id == conversion.Id);
        Assert.Equal((ConversionState.Succeeded, 1), (unchanged.State, unchanged.Attempt));
    }

    [Fact]
    public async Task The_buttons_work_without_javascript_and_the_page_is_a_whole_page()
    {
        var client = await UserStories.SignedInUserAsync(factory);
        var (_, conversion) = await FinishedModelAsync(client, "apple.png");

        var page = await client.GetPageAsync($"/models/{conversion.Id}");

        Assert.NotNull(page.QuerySelector("html head title"));
        foreach (var form in new[] { DeleteForm(page), RegenerateForm(page)! })
        {
            Assert.Equal("post", form.Method);
            Assert.StartsWith($"/models/{conversion.Id}?handler=", form.GetAttribute("action"));
            Assert.NotNull(form.QuerySelector("input[name=__RequestVerificationToken]"));
        }
    }

    private async Task<(Guid BatchId, Conversion Conversion)> FinishedModelAsync(SiteClient client, string photo)
    {
        var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(client, [Fixtures.File(photo)]));
        var conversion = (await Waiting.ForBatchAsync(factory, batchId)).Single();
        Assert.Equal(ConversionState.Succeeded, conversion.State);
        return (batchId, conversion);
    }

    private static SiteFactory StalledSite()
    {
        var site = new SiteFactory();
        // A web-only node: nothing is converted, so a conversion stays where the test puts it.
        site.Settings["Conversions:RunOnThisNode"] = "false";
        return site;
    }

    private static IHtmlFormElement DeleteForm(IHtmlDocument page) => page.QuerySelector<IHtmlFormElement>("form[action*='handler=Delete']")!;

    private static IHtmlFormElement? RegenerateForm(IHtmlDocument page) => page.QuerySelector<IHtmlFormElement>("form[action*='handler=Regenerate']");

    /// <summary>A form post to <paramref name="url"/> with the antiforgery token of the user's own <paramref name="page"/>.</summary>
    private static Task<HttpResponseMessage> PostAsync(SiteClient client, IHtmlDocument page, string url) =>
        client.Http.PostAsync(url, new FormUrlEncodedContent([new("__RequestVerificationToken", page.QuerySelector<IHtmlInputElement>("input[name=__RequestVerificationToken]")!.Value)]));
}
