using System.Text.RegularExpressions;
using Image2Model.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Image2Model.Tests.Browser;

/// <summary>The site as a person uses it: in Chromium, with JavaScript (htmx, model-viewer) and without.</summary>
public sealed class BrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task User_registers_uploads_a_photo_watches_it_finish_and_turns_the_model_around()
    {
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = fixture.BaseUrl, ViewportSize = new() { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        var problems = PageProblems.Watch(page);
        var email = $"browser-{Guid.NewGuid():N}@example.com";

        await SignUpAsync(page, email);

        // A marker that a full page load would wipe out: the upload must not reload the page.
        await page.EvaluateAsync("() => { window.__sameDocument = true; }");
        await page.SetInputFilesAsync("#files", Fixtures.PathOf("coffee.png"));
        await Screenshot(page, "upload");
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload and convert" }).ClickAsync();

        await page.WaitForURLAsync(new Regex("/batches/[0-9a-f-]{36}$"));
        await Assertions.Expect(page.Locator("#batch-status")).ToContainTextAsync("1 of 1 finished", new() { Timeout = 30_000 });
        Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "The upload reloaded the whole page.");
        Assert.Null(await page.Locator("#batch-status").GetAttributeAsync("hx-trigger"));
        await Screenshot(page, "batch");

        await page.GetByRole(AriaRole.Link, new() { Name = "View model" }).ClickAsync();
        var viewer = page.Locator("model-viewer");
        await Assertions.Expect(viewer).ToHaveCountAsync(1);
        await page.WaitForFunctionAsync("() => document.querySelector('model-viewer').loaded === true", null, new() { Timeout = 30_000 });
        await Screenshot(page, "model");
        await page.GotoAsync("/models");
        await Screenshot(page, "library");

        problems.AssertNone();
        await context.CloseAsync();
    }

    [Fact]
    public async Task User_creates_an_api_token_sees_it_once_and_revokes_it_without_leaving_the_page()
    {
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = fixture.BaseUrl });
        var page = await context.NewPageAsync();
        var problems = PageProblems.Watch(page);
        await SignUpAsync(page, $"tokens-{Guid.NewGuid():N}@example.com");

        await page.GetByRole(AriaRole.Link, new() { Name = "API tokens" }).ClickAsync();
        await page.EvaluateAsync("() => { window.__sameDocument = true; }");
        await page.GetByLabel("Name").FillAsync("laptop script");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create token" }).ClickAsync();

        await Assertions.Expect(page.Locator("#new-token code")).ToContainTextAsync("i2m_");
        await Screenshot(page, "tokens");
        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
        await Assertions.Expect(page.Locator("#token-list")).ToHaveCountAsync(0);
        Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "htmx should have swapped the list in place.");
        await page.GotoAsync("/api-docs");
        await Screenshot(page, "api-docs");
        problems.AssertNone();
        await context.CloseAsync();
    }

    [Fact]
    public async Task Photos_dropped_on_the_drop_zone_are_chosen_and_previewed()
    {
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = fixture.BaseUrl });
        var page = await context.NewPageAsync();
        var problems = PageProblems.Watch(page);
        await SignUpAsync(page, $"dropper-{Guid.NewGuid():N}@example.com");

        await page.EvaluateAsync("""
            async () => {
              const canvas = document.createElement("canvas");
              canvas.width = canvas.height = 8;
              const blob = await new Promise(done => canvas.toBlob(done, "image/png"));
              const files = new DataTransfer();
              files.items.add(new File([blob], "dropped.png", { type: "image/png" }));
              document.querySelector(".dropzone").dispatchEvent(new DragEvent("drop", { dataTransfer: files, bubbles: true, cancelable: true }));
            }
            """);

        await Assertions.Expect(page.Locator("#chosen-files li")).ToContainTextAsync("dropped.png");
        await Assertions.Expect(page.Locator("#chosen-files img")).ToHaveCountAsync(1);
        Assert.Equal(1, await page.EvaluateAsync<int>("() => document.querySelector('#files').files.length"));
        problems.AssertNone();
        await context.CloseAsync();
    }

    [Fact]
    public async Task Admin_sees_the_queue_with_the_generators_and_the_accounts()
    {
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = fixture.BaseUrl });
        var page = await context.NewPageAsync();
        var problems = PageProblems.Watch(page);
        await page.GotoAsync("/account/login");
        await page.GetByLabel("Email").FillAsync(SiteFactory.AdminEmail);
        await page.GetByLabel("Password").FillAsync(UserStories.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "Admin" }).ClickAsync();
        await Assertions.Expect(page.Locator("table").First).ToContainTextAsync("local");
        await Screenshot(page, "admin-queue");
        await page.GetByRole(AriaRole.Link, new() { Name = "Accounts" }).ClickAsync();
        await Assertions.Expect(page.Locator("main table")).ToContainTextAsync(SiteFactory.AdminEmail);
        await Screenshot(page, "admin-users");
        problems.AssertNone();
        await context.CloseAsync();
    }

    [Fact]
    public async Task Any_console_error_or_page_error_fails_a_browser_test_unless_allowed_with_a_reason()
    {
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = fixture.BaseUrl });
        var page = await context.NewPageAsync();
        var problems = PageProblems.Watch(page, new PageProblems.Allowed("expected by this test", "this test logs it on purpose"));
        await page.GotoAsync("/");

        await page.EvaluateAsync("() => { console.error('x'); console.error('expected by this test'); setTimeout(() => { throw new Error('boom'); }); }");

        for (var waited = 0; problems.Unexpected.Count < 2 && waited < 100; waited++)
        {
            await Task.Delay(50);
        }

        var unexpected = problems.Unexpected;
        Assert.Equal(2, unexpected.Count);
        Assert.Contains(unexpected, p => p.StartsWith("console error") && p.EndsWith(": x"));
        Assert.Contains(unexpected, p => p.StartsWith("page error") && p.Contains("boom"));
        Assert.Throws<Xunit.Sdk.TrueException>(problems.AssertNone);
        await context.CloseAsync();
    }

    /// <summary>Registers through the form, then signs in, landing on the upload page.</summary>
    internal static async Task SignUpAsync(IPage page, string email)
    {
        await page.GotoAsync("/account/register");
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(UserStories.Password);
        await page.GetByLabel("Repeat password").FillAsync(UserStories.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(UserStories.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync("**/upload");
    }

    /// <summary>Pictures of the pages for people to look at; they assert nothing.</summary>
    private static Task Screenshot(IPage page, string name) =>
        page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "image2model-screenshots", $"{name}.png"), FullPage = true });

    [Fact]
    public async Task Without_javascript_the_upload_still_works_and_the_batch_page_refreshes_until_done()
    {
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = fixture.BaseUrl, JavaScriptEnabled = false });
        var page = await context.NewPageAsync();
        var problems = PageProblems.Watch(page);
        var email = $"nojs-{Guid.NewGuid():N}@example.com";

        await SignUpAsync(page, email);

        await page.SetInputFilesAsync("#files", [Fixtures.PathOf("apple.png"), Fixtures.PathOf("horse.png")]);
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload and convert" }).ClickAsync();

        await page.WaitForURLAsync(new Regex("/batches/[0-9a-f-]{36}$"));
        // Only the <noscript> meta refresh can bring the final state in: nothing else runs.
        await Assertions.Expect(page.Locator("#batch-status")).ToContainTextAsync("2 of 2 finished", new() { Timeout = 30_000 });
        Assert.Equal(2, await page.GetByRole(AriaRole.Link, new() { Name = "Download GLB" }).CountAsync());
        problems.AssertNone();
        await context.CloseAsync();
    }
}
