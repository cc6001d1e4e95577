using System.Net;
using System.Net.Http.Headers;
using Image2Model.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Image2Model.Tests.Pages.Batches;

/// <summary>The status poll's revalidation, answered before the page: the same answers, to the same people.</summary>
public sealed class StatusRevalidationTests : IDisposable
{
    private readonly SiteFactory _site = new();

    // A web-only node: conversions stay Pending, and the test changes them as another node would.
    public StatusRevalidationTests() => _site.Settings["Conversions:RunOnThisNode"] = "false";

    public void Dispose() => _site.Dispose();

    [Fact]
    public async Task A_change_written_by_another_node_is_shown_at_the_next_revalidation_and_then_answered_304_again()
    {
        var client = await UserStories.SignedInUserAsync(_site);
        var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(client, [Fixtures.File("apple.png")]));
        var url = $"/batches/{batchId}";
        var first = await client.Http.SendAsync(Revalidation(url, null));
        Assert.Equal(HttpStatusCode.NotModified, (await client.Http.SendAsync(Revalidation(url, first.Headers.ETag))).StatusCode);

        await using (var db = _site.CreateDbContext())
        {
            await db.Conversions.Where(c => c.BatchId == batchId).ExecuteUpdateAsync(s => s
                .SetProperty(c => c.State, Image2Model.Site.Conversions.ConversionState.Running)
                .SetProperty(c => c.Progress, 45)
                .SetProperty(c => c.Message, "Building the mesh on another node"));
        }

        var changed = await client.Http.SendAsync(Revalidation(url, first.Headers.ETag));
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.NotEqual(first.Headers.ETag, changed.Headers.ETag);
        Assert.True(changed.Headers.CacheControl is { Private: true, NoCache: true });
        Assert.Contains("HX-Request", changed.Headers.Vary);
        var fragment = await SiteClient.ParseAsync(changed);
        Assert.Equal("Building the mesh on another node", fragment.QuerySelector(".conversion .message")!.TextContent);
        Assert.Equal("45", fragment.QuerySelector(".conversion progress")!.GetAttribute("value"));

        // The ETag of the fragment rendered from the revalidation's read is the one the next revalidation matches.
        var unchanged = await client.Http.SendAsync(Revalidation(url, changed.Headers.ETag));
        Assert.Equal(HttpStatusCode.NotModified, unchanged.StatusCode);
        Assert.Equal(changed.Headers.ETag, unchanged.Headers.ETag);
        Assert.True(unchanged.Headers.CacheControl is { Private: true, NoCache: true });
        Assert.Contains("HX-Request", unchanged.Headers.Vary);
    }

    [Fact]
    public async Task Another_users_revalidation_is_answered_404_whatever_etag_it_sends()
    {
        var owner = await UserStories.SignedInUserAsync(_site);
        var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(owner, [Fixtures.File("apple.png")]));
        var url = $"/batches/{batchId}";
        var ownersEtag = (await owner.Http.SendAsync(Revalidation(url, null))).Headers.ETag;
        var stranger = await UserStories.SignedInUserAsync(_site);

        var withOwnersEtag = await stranger.Http.SendAsync(Revalidation(url, ownersEtag));
        var withAny = Revalidation(url, null);
        withAny.Headers.TryAddWithoutValidation("If-None-Match", "*");
        var withAnyEtag = await stranger.Http.SendAsync(withAny);

        Assert.Equal(HttpStatusCode.NotFound, withOwnersEtag.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, withAnyEtag.StatusCode);
        Assert.Null(withAnyEtag.Headers.ETag);
        Assert.DoesNotContain("apple.png", await withAnyEtag.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_signed_out_revalidation_is_sent_to_sign_in_not_answered_304()
    {
        var client = await UserStories.SignedInUserAsync(_site);
        var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(client, [Fixtures.File("apple.png")]));
        var url = $"/batches/{batchId}";
        var etag = (await client.Http.SendAsync(Revalidation(url, null))).Headers.ETag;
        var page = await client.GetPageAsync("/upload");
        await client.SubmitAsync(page.QuerySelector<AngleSharp.Html.Dom.IHtmlFormElement>("form[action='/account/logout']")!);

        var afterSignOut = await client.Http.SendAsync(Revalidation(url, etag));
        var anonymous = await _site.CreateSiteClient().Http.SendAsync(Revalidation(url, etag));

        Assert.Equal(HttpStatusCode.Redirect, afterSignOut.StatusCode);
        Assert.Contains("/account/login", afterSignOut.Headers.Location!.ToString());
        Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
    }

    [Fact]
    public async Task Revalidating_a_deleted_upload_answers_the_fragment_that_says_so()
    {
        var client = await UserStories.SignedInUserAsync(_site);
        var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(client, [Fixtures.File("apple.png")]));
        var url = $"/batches/{batchId}";
        var etag = (await client.Http.SendAsync(Revalidation(url, null))).Headers.ETag;
        await using (var db = _site.CreateDbContext())
        {
            await db.Batches.Where(b => b.Id == batchId).ExecuteDeleteAsync();
        }

        var poll = await client.Http.SendAsync(Revalidation(url, etag));

        Assert.Equal(HttpStatusCode.NotFound, poll.StatusCode);
        Assert.Contains("This upload was deleted", (await SiteClient.ParseAsync(poll)).QuerySelector("#batch-status")!.TextContent);
    }

    [Fact]
    public async Task The_full_page_is_never_answered_304_even_with_the_fragments_etag()
    {
        var client = await UserStories.SignedInUserAsync(_site);
        var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(client, [Fixtures.File("apple.png")]));
        var url = $"/batches/{batchId}";
        var etag = (await client.Http.SendAsync(Revalidation(url, null))).Headers.ETag!;

        var page = new HttpRequestMessage(HttpMethod.Get, url);
        page.Headers.IfNoneMatch.Add(etag);
        var boosted = Revalidation(url, etag);
        boosted.Headers.Add("HX-Boosted", "true");

        Assert.Equal(HttpStatusCode.OK, (await client.Http.SendAsync(page)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.Http.SendAsync(boosted)).StatusCode);
    }

    /// <summary>An htmx poll, revalidating the copy the browser kept (its ETag), or a first poll.</summary>
    private static HttpRequestMessage Revalidation(string url, EntityTagHeaderValue? etag)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("HX-Request", "true");
        if (etag is not null)
        {
            request.Headers.IfNoneMatch.Add(etag);
        }

        return request;
    }
}
