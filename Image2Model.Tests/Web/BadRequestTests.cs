using System.Net;
using AngleSharp.Html.Dom;
using Image2Model.Tests.Infrastructure;

namespace Image2Model.Tests.Web;

/// <summary>Requests no page of the site expects get a plain 404 or 405, never a 500 with a stack trace.</summary>
public sealed class BadRequestTests(SiteFactory factory) : IClassFixture<SiteFactory>
{
    [Theory]
    [InlineData("/batches/{batch}")]
    [InlineData("/models/{conversion}")]
    [InlineData("/tokens")]
    public async Task A_post_to_a_handler_that_does_not_exist_answers_404(string page)
    {
        var (client, url) = await SignedInWithAModelAsync(page);
        var token = (await client.GetPageAsync(url)).QuerySelector<IHtmlInputElement>("input[name=__RequestVerificationToken]")!.Value;

        var response = await client.Http.PostAsync($"{url}?handler=nothere", new FormUrlEncodedContent([new("__RequestVerificationToken", token)]));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("Not found", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("TRACE", "/batches/{batch}")]
    [InlineData("TRACE", "/models/{conversion}")]
    [InlineData("TRACE", "/upload")]
    [InlineData("TRACE", "/models")]
    public async Task A_method_a_page_has_no_handler_for_answers_405_and_says_which_it_allows(string method, string page)
    {
        var (client, url) = await SignedInWithAModelAsync(page);

        var response = await client.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), url));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Contains("This page does not accept that kind of request.", await response.Content.ReadAsStringAsync());
        Assert.Contains("GET", response.Content.Headers.Allow);
        Assert.DoesNotContain(method, response.Content.Headers.Allow);
    }

    [Fact]
    public async Task Options_lists_the_methods_a_page_answers()
    {
        var (client, url) = await SignedInWithAModelAsync("/batches/{batch}");

        var response = await client.Http.SendAsync(new HttpRequestMessage(HttpMethod.Options, url));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(["GET", "HEAD", "POST"], response.Content.Headers.Allow.Order());
    }

    [Fact]
    public async Task A_page_still_answers_get_and_head_and_its_own_handlers()
    {
        var (client, url) = await SignedInWithAModelAsync("/models/{conversion}");

        Assert.Equal(HttpStatusCode.OK, (await client.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, url))).StatusCode);
        var page = await client.GetPageAsync(url);
        var regenerate = await client.SubmitAsync(page.QuerySelector<IHtmlFormElement>("form[action*='handler=Regenerate']")!);
        Assert.Equal(HttpStatusCode.Redirect, regenerate.StatusCode);
    }

    private async Task<(SiteClient Client, string Url)> SignedInWithAModelAsync(string page)
    {
        var client = await UserStories.SignedInUserAsync(factory);
        var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(client, [Fixtures.File("apple.png")]));
        var conversions = await Waiting.ForBatchAsync(factory, batchId);
        return (client, page.Replace("{batch}", batchId.ToString()).Replace("{conversion}", conversions[0].Id.ToString()));
    }
}
