using System.Net;
using System.Net.Http.Headers;
using AngleSharp.Html.Dom;
using Image2Model.Site.Uploads;
using Image2Model.Tests.Infrastructure;

namespace Image2Model.Tests.Uploads;

public sealed class UploadNamesAndLimitsTests
{
    [Fact]
    public async Task Bidi_controls_are_stripped_from_the_names_shown()
    {
        using var site = new SiteFactory();
        var user = await UserStories.SignedInUserAsync(site);
        var apple = Fixtures.Read("apple.png");

        var response = await UserStories.UploadAsync(user, [new FileField("\u202Egnp.exe.png", apple, "image/png"), new FileField("a\u2066b\u2069c\u202Ad\u202Ce.png", apple, "image/png")]);

        var conversions = await Waiting.ForBatchAsync(site, Waiting.BatchIdFrom(response));
        Assert.Equal(["abcde.png", "gnp.exe.png"], conversions.Select(c => c.FileName).Order());
        var page = await user.GetPageAsync($"/batches/{conversions[0].BatchId}");
        Assert.DoesNotContain('\u202E', page.Body!.TextContent);
        Assert.DoesNotContain('\u2066', page.Body!.TextContent);
    }

    [Theory]
    [InlineData("\u202Egnp.exe.png", "gnp.exe.png")]
    [InlineData("x\u202A\u202B\u202C\u202D\u202Ey.png", "xy.png")]
    [InlineData("x\u2066\u2067\u2068\u2069y.png", "xy.png")]
    [InlineData("x\u200E\u200F\u061Cy.png", "xy.png")]
    [InlineData("שלום.png", "שלום.png")]
    public void Display_names_keep_letters_of_any_script_and_lose_bidi_controls(string original, string shown) =>
        Assert.Equal(shown, BatchUploader.DisplayName(original));

    [Fact]
    public async Task An_oversized_chunked_upload_gets_the_same_plain_413_message_as_the_api()
    {
        using var site = new SiteFactory();
        site.Settings["Uploads:MaxFiles"] = "1";
        site.Settings["Uploads:MaxFileBytes"] = "1024";
        var address = Loopback.Start(site);
        await site.EnsureAdminAsync();
        var user = Loopback.Client(address);
        var email = $"user-{Guid.NewGuid():N}@example.com";
        await UserStories.RegisterAsync(user, email);
        await UserStories.SignInAsync(user, email);
        var form = (await user.GetPageAsync("/upload")).QuerySelector<IHtmlFormElement>("#upload-form")!;
        var limits = new UploadOptions { MaxFiles = 1, MaxFileBytes = 1024 };

        var response = await user.SubmitAsync(form, files: [new FileField("big.png", new byte[3 * 1024 * 1024], "image/png")],
            configure: r => r.Headers.TransferEncodingChunked = true);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(limits.TooLargeMessage, await response.Content.ReadAsStringAsync());
        Assert.Contains("larger than 1 MB", limits.TooLargeMessage);
    }
}
