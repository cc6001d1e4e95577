using Image2Model.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Image2Model.Tests.Browser;

public sealed class RateLimitedBrowserFixture : BrowserFixture
{
    protected override void Configure(Dictionary<string, string?> settings) => settings["RateLimits:UploadsPerMinute"] = "1";
}

public sealed class RateLimitedBrowserTests(RateLimitedBrowserFixture fixture) : IClassFixture<RateLimitedBrowserFixture>
{
    [Fact]
    public async Task A_refused_upload_says_why_instead_of_going_quiet()
    {
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = fixture.BaseUrl });
        var page = await context.NewPageAsync();
        var problems = PageProblems.Watch(page, new PageProblems.Allowed(@"on \S+/upload .*(status of|Error Code) 429\b",
            "the second upload is refused on purpose; Chromium and htmx each log the 429 on the console"));
        await BrowserTests.SignUpAsync(page, $"eager-{Guid.NewGuid():N}@example.com");
        await page.SetInputFilesAsync("#files", Fixtures.PathOf("apple.png"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload and convert" }).ClickAsync();
        await page.WaitForURLAsync("**/batches/*");

        await page.GotoAsync("/upload");
        await page.SetInputFilesAsync("#files", Fixtures.PathOf("apple.png"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload and convert" }).ClickAsync();

        await Assertions.Expect(page.Locator(".upload-progress-label")).ToContainTextAsync("Too many uploads");
        Assert.EndsWith("/upload", page.Url);
        problems.AssertNone();
        await context.CloseAsync();
    }
}
