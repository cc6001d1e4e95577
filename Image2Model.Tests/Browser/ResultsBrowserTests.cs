using System.IO.Compression;
using System.Text.RegularExpressions;
using Image2Model.Site.Conversions;
using Image2Model.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace Image2Model.Tests.Browser;

/// <summary>
/// What people do with finished models, in Chromium: previews, the library, the batch ZIP and
/// share links, with JavaScript and without. The screenshots go to a temporary folder, or to
/// the folder in IMAGE2MODEL_SCREENSHOTS (README's pictures come from docs/screenshots).
/// </summary>
public sealed class ResultsBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    private static readonly BrowserNewContextOptions Desktop = new() { ViewportSize = new() { Width = 1200, Height = 820 }, AcceptDownloads = true };

    [Fact]
    public async Task User_uploads_two_photos_watches_the_batch_finish_downloads_the_zip_opens_the_model_and_shares_it()
    {
        var context = await fixture.Browser.NewContextAsync(new(Desktop) { BaseURL = fixture.BaseUrl });
        var page = await context.NewPageAsync();
        await BrowserTests.SignUpAsync(page, $"journey-{Guid.NewGuid():N}@example.com");

        await page.SetInputFilesAsync("#files", [Fixtures.PathOf("rubber_duck.png"), Fixtures.PathOf("apple.png")]);
        await Screenshot(page, "upload");
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload and convert" }).ClickAsync();
        await page.WaitForURLAsync(new Regex("/batches/[0-9a-f-]{36}$"));
        await page.EvaluateAsync("() => { window.__sameDocument = true; }");

        // The page updates by itself (htmx polling), no reload: the marker survives.
        await Assertions.Expect(page.Locator("#batch-status")).ToContainTextAsync("2 of 2 finished", new() { Timeout = 30_000 });
        Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "The batch page reloaded instead of updating itself.");
        await Assertions.Expect(page.Locator("#batch-status img.preview")).ToHaveCountAsync(2);
        await WaitForImagesAsync(page);
        await Screenshot(page, "batch");

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Download all (ZIP)" }).ClickAsync());
        using (var zip = ZipFile.OpenRead(await download.PathAsync()))
        {
            Assert.Equal(["apple.glb", "rubber_duck.glb"], zip.Entries.Select(e => e.FullName).Order());
        }

        await page.Locator("#batch-status li", new() { HasText = "rubber_duck.png" }).GetByRole(AriaRole.Link, new() { Name = "View model" }).ClickAsync();
        var viewer = page.Locator("model-viewer");
        await page.WaitForFunctionAsync("() => document.querySelector('model-viewer').loaded === true", null, new() { Timeout = 30_000 });
        Assert.Matches(new Regex("^/files/[0-9a-f-]{36}/preview.png$"), await viewer.GetAttributeAsync("poster"));
        Assert.Equal("webxr scene-viewer quick-look", await viewer.GetAttributeAsync("ar-modes"));
        await page.WaitForTimeoutAsync(500);
        await Screenshot(page, "model");

        await page.GetByLabel("Works for").SelectOptionAsync("1d");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create share link" }).ClickAsync();
        var shareUrl = await page.Locator(".share-links input[readonly]").First.InputValueAsync();

        // A fresh context: no cookies, no account.
        var stranger = await fixture.Browser.NewContextAsync(Desktop);
        var shared = await stranger.NewPageAsync();
        await shared.GotoAsync(shareUrl);
        await shared.WaitForFunctionAsync("() => document.querySelector('model-viewer').loaded === true", null, new() { Timeout = 30_000 });
        await Assertions.Expect(shared.GetByRole(AriaRole.Link, new() { Name = "Download GLB" })).ToBeVisibleAsync();
        await Assertions.Expect(shared.GetByRole(AriaRole.Link, new() { Name = "My models" })).ToHaveCountAsync(0);
        await shared.WaitForTimeoutAsync(500);
        await Screenshot(shared, "share");
        await stranger.CloseAsync();

        await page.ReloadAsync();
        await Assertions.Expect(page.Locator(".share-links")).ToContainTextAsync("opened once");
        await context.CloseAsync();
    }

    [Fact]
    public async Task User_searches_and_pages_the_library_and_the_back_button_brings_each_view_back()
    {
        var context = await fixture.Browser.NewContextAsync(new(Desktop) { BaseURL = fixture.BaseUrl });
        var page = await context.NewPageAsync();
        var email = $"library-{Guid.NewGuid():N}@example.com";
        await BrowserTests.SignUpAsync(page, email);
        await AddModelsAsync(email, 40);
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Add(message.Text);
            }
        };

        await page.GotoAsync("/models");
        await page.EvaluateAsync("() => { window.__sameDocument = true; }");
        await Assertions.Expect(page.Locator(".library-count")).ToContainTextAsync("40 models · page 1 of 2");

        await page.GetByLabel("Search").FillAsync("chair");
        await page.WaitForURLAsync(new Regex(@"/models\?q=chair"));
        await Assertions.Expect(page.Locator(".library-count")).ToContainTextAsync("35 models · page 1 of 2");
        await page.GetByRole(AriaRole.Link, new() { Name = "Next page" }).ClickAsync();
        await page.WaitForURLAsync(new Regex(@"p=2"));
        await Assertions.Expect(page.Locator("#library .tile")).ToHaveCountAsync(5);
        await Screenshot(page, "library");
        Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "Searching and paging should swap the results, not reload.");

        await page.GoBackAsync();
        await page.WaitForURLAsync(new Regex(@"/models\?q=chair[^&]*$|/models\?q=chair&state="));
        await Assertions.Expect(page.Locator(".library-count")).ToContainTextAsync("35 models · page 1 of 2");
        Assert.Equal("chair", await page.GetByLabel("Search").InputValueAsync());
        await page.GoBackAsync();
        await page.WaitForURLAsync(new Regex(@"/models$"));
        await Assertions.Expect(page.Locator(".library-count")).ToContainTextAsync("40 models · page 1 of 2");
        // htmx reports a trigger it cannot parse only on the console.
        Assert.Empty(errors);
        await context.CloseAsync();
    }

    [Fact]
    public async Task Without_javascript_pictures_replace_the_viewer_and_the_library_and_share_pages_are_plain_forms_and_links()
    {
        var context = await fixture.Browser.NewContextAsync(new(Desktop) { BaseURL = fixture.BaseUrl, JavaScriptEnabled = false });
        var page = await context.NewPageAsync();
        var email = $"nojs-results-{Guid.NewGuid():N}@example.com";
        await BrowserTests.SignUpAsync(page, email);
        await page.SetInputFilesAsync("#files", [Fixtures.PathOf("rubber_duck.png")]);
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload and convert" }).ClickAsync();
        await Assertions.Expect(page.Locator("#batch-status")).ToContainTextAsync("1 of 1 finished", new() { Timeout = 30_000 });
        await AddModelsAsync(email, 35);

        await page.GotoAsync("/models");
        await page.GetByLabel("Search").FillAsync("duck");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await page.WaitForURLAsync(new Regex(@"/models\?q=duck"));
        await Assertions.Expect(page.Locator("#library .tile")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#library img.preview")).ToHaveCountAsync(1);
        await page.GotoAsync("/models");
        await page.GetByRole(AriaRole.Link, new() { Name = "Next page" }).ClickAsync();
        await page.WaitForURLAsync(new Regex(@"/models\?p=2$"));

        await page.GotoAsync("/models?q=duck");
        await page.Locator("#library .tile a").First.ClickAsync();
        var picture = page.Locator("img.viewer-fallback");
        await Assertions.Expect(picture).ToBeVisibleAsync();
        Assert.EndsWith("/preview.png", await picture.GetAttributeAsync("src"));
        Assert.True(await picture.EvaluateAsync<bool>("img => img.complete && img.naturalWidth === 512"));
        await Screenshot(page, "model-no-javascript");

        await page.GetByRole(AriaRole.Button, new() { Name = "Create share link" }).ClickAsync();
        var shareUrl = await page.Locator(".share-links input[readonly]").First.InputValueAsync();
        var stranger = await fixture.Browser.NewContextAsync(new(Desktop) { JavaScriptEnabled = false });
        var shared = await stranger.NewPageAsync();
        await shared.GotoAsync(shareUrl);
        await Assertions.Expect(shared.Locator("img.viewer-fallback")).ToBeVisibleAsync();
        await stranger.CloseAsync();
        await context.CloseAsync();
    }

    /// <summary>Models written straight to the database: "chair 00" to "chair 34" and "table 00" to "table 04" when asked for 40.</summary>
    private async Task AddModelsAsync(string email, int count)
    {
        await using var db = fixture.Site.CreateDbContext();
        var userId = await db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();
        var start = DateTime.UtcNow.AddDays(-2);
        var batch = new Batch { OwnerId = userId, CreatedAt = start };
        for (var i = 0; i < count; i++)
        {
            batch.Conversions.Add(new Conversion
            {
                OwnerId = userId,
                FileName = i < 35 ? $"chair {i:00}.jpg" : $"table {i - 35:00}.jpg",
                OriginalBlob = new string('0', 64),
                ContentType = "image/jpeg",
                Generator = "local",
                State = ConversionState.Failed,
                Message = "An older upload",
                CreatedAt = start.AddMinutes(i),
            });
        }

        db.Batches.Add(batch);
        await db.SaveChangesAsync();
    }

    private static Task WaitForImagesAsync(IPage page) =>
        page.WaitForFunctionAsync("() => [...document.images].every(i => i.complete)");

    /// <summary>Pictures of the pages for people to look at; they assert nothing.</summary>
    private static async Task Screenshot(IPage page, string name)
    {
        var folder = Environment.GetEnvironmentVariable("IMAGE2MODEL_SCREENSHOTS") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Path.GetTempPath(), "image2model-screenshots");
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new() { Path = Path.Combine(folder, $"{name}.jpg"), Type = ScreenshotType.Jpeg, Quality = 70 });
    }
}
