using System.Net;
using AngleSharp.Html.Dom;
using Image2Model.Tests.Infrastructure;

namespace Image2Model.Tests.Web;

/// <summary>"Make it again" and "Try again" re-run a conversion, so they share the upload limit.</summary>
public sealed class RateLimitTests
{
    [Fact]
    public async Task Make_it_again_counts_against_the_same_per_user_limit_as_uploads()
    {
        using var site = new SiteFactory();
        site.Settings["RateLimits:UploadsPerMinute"] = "3";
        var user = await UserStories.SignedInUserAsync(site);
        var conversion = Assert.Single(await Waiting.ForBatchAsync(site, Waiting.BatchIdFrom(await UserStories.UploadAsync(user, [Fixtures.File("apple.png")]))));

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            await Waiting.ForBatchAsync(site, conversion.BatchId);
            var page = await user.GetPageAsync($"/models/{conversion.Id}");
            var regenerate = page.QuerySelector<IHtmlFormElement>("form[action*='handler=Regenerate']")!;
            statuses.Add((await user.SubmitAsync(regenerate)).StatusCode);
        }

        Assert.Equal([HttpStatusCode.Redirect, HttpStatusCode.Redirect, HttpStatusCode.TooManyRequests], statuses);
        // The limit is the upload limit: uploading is refused now too, while looking is still free.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await UserStories.UploadAsync(user, [Fixtures.File("apple.png")])).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await user.Http.GetAsync($"/models/{conversion.Id}")).StatusCode);
    }

    [Fact]
    public async Task Try_again_counts_against_the_upload_limit_and_cancel_does_not()
    {
        using var site = new SiteFactory();
        site.Settings["RateLimits:UploadsPerMinute"] = "1";
        var user = await UserStories.SignedInUserAsync(site);
        var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(user, [Fixtures.File("apple.png")]));
        var conversion = Assert.Single(await Waiting.ForBatchAsync(site, batchId));

        var cancel = new HttpRequestMessage(HttpMethod.Post, $"/batches/{batchId}?handler=cancel&conversionId={conversion.Id}");
        var retry = new HttpRequestMessage(HttpMethod.Post, $"/batches/{batchId}?handler=retry&conversionId={conversion.Id}");
        var token = (await user.GetPageAsync($"/batches/{batchId}")).QuerySelector<IHtmlInputElement>("input[name='__RequestVerificationToken']")!.Value;
        foreach (var request in new[] { cancel, retry })
        {
            request.Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token });
        }

        Assert.NotEqual(HttpStatusCode.TooManyRequests, (await user.Http.SendAsync(cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await user.Http.SendAsync(retry)).StatusCode);
    }
}
