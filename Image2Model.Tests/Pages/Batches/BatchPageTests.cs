using System.Net;
using Image2Model.Tests.Infrastructure;

namespace Image2Model.Tests.Pages.Batches;

public sealed class BatchPageTests(SiteFactory factory) : IClassFixture<SiteFactory>
{
    [Fact]
    public async Task Status_answers_a_fragment_to_htmx_and_a_full_page_otherwise()
    {
        var client = await UserStories.SignedInUserAsync(factory);
        var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(client, [Fixtures.File("apple.png")]));

        var fragment = await client.Http.SendAsync(HtmxGet($"/batches/{batchId}"));
        var full = await client.Http.GetAsync($"/batches/{batchId}");

        var fragmentHtml = await fragment.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, fragment.StatusCode);
        Assert.DoesNotContain("<html", fragmentHtml);
        Assert.StartsWith("<section id=\"batch-status\"", fragmentHtml.Trim());
        Assert.Contains("HX-Request", fragment.Headers.Vary);

        var page = await SiteClient.ParseAsync(full);
        Assert.NotNull(page.QuerySelector("html head title"));
        Assert.NotNull(page.QuerySelector("main #batch-status"));
        Assert.Contains("HX-Request", full.Headers.Vary);
    }

    [Fact]
    public async Task Polling_stops_once_every_conversion_is_final()
    {
        var client = await UserStories.SignedInUserAsync(factory);
        var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(client, [Fixtures.File("apple.png"), Fixtures.File("horse.png")]));
        await Waiting.ForBatchAsync(factory, batchId);

        var fragment = await SiteClient.ParseAsync(await client.Http.SendAsync(HtmxGet($"/batches/{batchId}")));
        var full = await client.GetPageAsync($"/batches/{batchId}");

        var status = fragment.QuerySelector("#batch-status")!;
        Assert.False(status.HasAttribute("hx-trigger"));
        Assert.False(status.HasAttribute("hx-get"));
        Assert.Contains("2 of 2 finished", status.TextContent);
        Assert.Equal(2, status.QuerySelectorAll("a[href$='/model.glb']").Length);
        Assert.Null(full.QuerySelector("noscript meta[http-equiv=refresh]"));
    }

    [Fact]
    public async Task While_work_is_active_the_fragment_polls_itself_and_the_page_refreshes_without_javascript()
    {
        using var stalled = new SiteFactory();
        // A web-only node: the conversion stays Pending, as it would behind a long queue.
        stalled.Settings["Conversions:RunOnThisNode"] = "false";
        var client = await UserStories.SignedInUserAsync(stalled);
        var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(client, [Fixtures.File("apple.png")]));

        var fragment = await SiteClient.ParseAsync(await client.Http.SendAsync(HtmxGet($"/batches/{batchId}")));
        var full = await client.GetPageAsync($"/batches/{batchId}");

        var status = fragment.QuerySelector("#batch-status")!;
        Assert.Equal($"/batches/{batchId}", status.GetAttribute("hx-get"));
        Assert.Equal("load delay:1s", status.GetAttribute("hx-trigger"));
        Assert.Equal("outerHTML", status.GetAttribute("hx-swap"));
        Assert.NotNull(full.QuerySelector("head noscript"));
        Assert.Contains("http-equiv=\"refresh\"", full.Head!.InnerHtml);
    }

    [Fact]
    public async Task A_pending_conversion_can_be_canceled_and_then_tried_again()
    {
        using var stalled = new SiteFactory();
        stalled.Settings["Conversions:RunOnThisNode"] = "false";
        var client = await UserStories.SignedInUserAsync(stalled);
        var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(client, [Fixtures.File("apple.png")]));
        var page = await client.GetPageAsync($"/batches/{batchId}");

        var canceled = await client.FollowAsync(await client.SubmitAsync(page.QuerySelector<AngleSharp.Html.Dom.IHtmlFormElement>("form[action$='handler=cancel']")!));

        Assert.Equal("Canceled", canceled.QuerySelector(".conversion .badge")!.TextContent);
        var retried = await client.SubmitAsync(canceled.QuerySelector<AngleSharp.Html.Dom.IHtmlFormElement>("form[action$='handler=retry']")!,
            configure: r => r.Headers.Add("HX-Request", "true"));
        var fragment = await SiteClient.ParseAsync(retried);
        Assert.Equal("Pending", fragment.QuerySelector(".conversion .badge")!.TextContent);
        await using var db = stalled.CreateDbContext();
        Assert.Equal(2, db.Conversions.Single(c => c.BatchId == batchId).Attempt);
    }

    [Fact]
    public async Task An_unchanged_status_is_answered_304_to_the_browsers_revalidation_and_a_changed_one_in_full()
    {
        using var stalled = new SiteFactory();
        stalled.Settings["Conversions:RunOnThisNode"] = "false";
        var client = await UserStories.SignedInUserAsync(stalled);
        var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(client, [Fixtures.File("apple.png"), Fixtures.File("horse.png")]));
        var url = $"/batches/{batchId}";

        var first = await client.Http.SendAsync(HtmxGet(url));
        var etag = first.Headers.ETag;
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.NotNull(etag);
        // Kept by the browser, but asked about again every time (no-store would forbid revalidating).
        Assert.True(first.Headers.CacheControl is { Private: true, NoCache: true, NoStore: false });
        Assert.Contains("HX-Request", first.Headers.Vary);

        var again = HtmxGet(url);
        again.Headers.IfNoneMatch.Add(etag);
        var unchanged = await client.Http.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, unchanged.StatusCode);
        Assert.Empty(await unchanged.Content.ReadAsByteArrayAsync());
        Assert.Equal(etag, unchanged.Headers.ETag);

        // Cancel as htmx does from the fragment: its form carries no token field, the page's token goes in the header.
        var fragment = await SiteClient.ParseAsync(first);
        var cancel = fragment.QuerySelector<AngleSharp.Html.Dom.IHtmlFormElement>("form[action$='handler=cancel']")!;
        Assert.Null(cancel.QuerySelector("input[name='__RequestVerificationToken']"));
        var token = System.Text.Json.JsonDocument.Parse((await client.GetPageAsync(url)).Body!.GetAttribute("hx-headers")!).RootElement.GetProperty("RequestVerificationToken").GetString()!;
        var canceled = await client.SubmitAsync(cancel, configure: r =>
        {
            r.Headers.Add("HX-Request", "true");
            r.Headers.Add("RequestVerificationToken", token);
        });
        Assert.Equal(HttpStatusCode.OK, canceled.StatusCode);

        var afterChange = HtmxGet(url);
        afterChange.Headers.IfNoneMatch.Add(etag);
        var changed = await client.Http.SendAsync(afterChange);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.NotEqual(etag, changed.Headers.ETag);
        Assert.Contains("Canceled", (await SiteClient.ParseAsync(changed)).QuerySelectorAll(".conversion .badge").Select(b => b.TextContent));
    }

    [Fact]
    public async Task File_names_are_shown_as_text_never_as_markup()
    {
        var client = await UserStories.SignedInUserAsync(factory);
        var file = Fixtures.File("apple.png") with { FileName = "<img src=x onerror=alert(1)>.png" };

        var page = await client.FollowAsync(await UserStories.UploadAsync(client, [file]));

        Assert.Equal("<img src=x onerror=alert(1)>.png", page.QuerySelector(".conversion .name")!.TextContent);
        Assert.Empty(page.QuerySelectorAll(".conversion .name img"));
    }

    private static HttpRequestMessage HtmxGet(string url)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("HX-Request", "true");
        return request;
    }
}
