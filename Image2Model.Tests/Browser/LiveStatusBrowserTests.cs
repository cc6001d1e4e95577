using System.Text.RegularExpressions;
using Image2Model.Site.Conversions;
using Image2Model.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Image2Model.Tests.Browser;

/// <summary>
/// The site, where a test can make the batch page's status polls fail as they do in real life:
/// an error on our side (500), a rate limit (429 with Retry-After), a dropped connection
/// (a node restarting) and no answer at all, in turn. Everything else, the page itself included, is answered normally.
/// </summary>
public sealed class FailingStatusSite : SiteFactory
{
    private int _failures;
    private int _notModified;

    public volatile bool Failing;

    public int Failures => Volatile.Read(ref _failures);

    /// <summary>Status polls the site answered 304 (the browser revalidated the fragment it kept).</summary>
    public int NotModified => Volatile.Read(ref _notModified);

    protected override void ConfigureTestServices(IServiceCollection services) =>
        services.AddSingleton<IStartupFilter>(new FailFirst(this));

    private bool IsStatusPoll(HttpRequest request) =>
        Failing && HttpMethods.IsGet(request.Method) && request.Path.StartsWithSegments("/batches")
        && request.Headers["HX-Request"] == "true" && request.Headers["HX-Boosted"].Count == 0;

    private sealed class FailFirst(FailingStatusSite site) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, nextMiddleware) =>
            {
                if (!site.IsStatusPoll(context.Request))
                {
                    await nextMiddleware(context);
                    if (context.Response.StatusCode == StatusCodes.Status304NotModified && context.Request.Path.StartsWithSegments("/batches"))
                    {
                        Interlocked.Increment(ref site._notModified);
                    }

                    return;
                }

                switch (Interlocked.Increment(ref site._failures) % 4)
                {
                    case 1:
                        context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                        await context.Response.WriteAsync("Something went wrong.");
                        break;
                    case 2:
                        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                        context.Response.Headers.RetryAfter = "1";
                        await context.Response.WriteAsync("Too many requests.");
                        break;
                    case 3:
                        context.Abort();
                        break;
                    default:
                        // No answer at all, as from a proxy in front of a node that is restarting: the page gives up waiting on its own.
                        try
                        {
                            await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
                        }
                        catch (OperationCanceledException)
                        {
                        }

                        break;
                }
            });
            next(app);
        };
    }
}

public sealed class LiveStatusBrowserFixture() : BrowserFixture(new FailingStatusSite())
{
    public FailingStatusSite FailingSite => (FailingStatusSite)Site;

    /// <summary>
    /// A web-only node: a conversion stays in the queue until the test finishes it (as another node
    /// would), so the page is still polling whatever the machine's speed.
    /// </summary>
    protected override void Configure(Dictionary<string, string?> settings) => settings["Conversions:RunOnThisNode"] = "false";
}

/// <summary>The batch page's live status in Chromium when the server does not answer as it should.</summary>
public sealed class LiveStatusBrowserTests(LiveStatusBrowserFixture fixture) : IClassFixture<LiveStatusBrowserFixture>
{
    [Fact]
    public async Task The_batch_page_says_it_is_reconnecting_while_its_status_fails_then_recovers_by_itself_and_finishes()
    {
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = fixture.BaseUrl });
        // Generous: these tests share two cores with the rest of the suite (and the other browser tests).
        context.SetDefaultTimeout(60_000);
        var page = await context.NewPageAsync();
        var problems = PageProblems.Watch(page,
            new PageProblems.Allowed(@"/batches/\S+ .*status of (500|429)\b", "this test makes the status polls fail on purpose; Chromium logs each failed answer"),
            new PageProblems.Allowed(@"Response Status Error Code (500|429) from /batches/", "htmx logs each failed answer of the polls this test makes fail"),
            new PageProblems.Allowed(@"/batches/\S+ .*(htmx:sendError|htmx:timeout|htmx:afterRequest|ERR_EMPTY_RESPONSE|ERR_CONNECTION)", "this test drops or never answers some polls, as a restart would"));
        await BrowserTests.SignUpAsync(page, $"patient-{Guid.NewGuid():N}@example.com");
        fixture.FailingSite.Failing = true;

        await page.SetInputFilesAsync("#files", Fixtures.PathOf("coffee.png"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload and convert" }).ClickAsync();
        await page.WaitForURLAsync(new Regex("/batches/[0-9a-f-]{36}$"));
        var batchId = Guid.Parse(page.Url.Split('/').Last());

        await Assertions.Expect(page.Locator("#batch-status .reconnecting")).ToContainTextAsync("reconnecting…", new() { Timeout = 30_000 });
        // Each kind of failure at least once (500, 429, dropped connection, no answer): the page keeps asking after all of them.
        await UntilAsync(() => fixture.FailingSite.Failures >= 5, TimeSpan.FromSeconds(90), "five failed polls");
        await using (var db = fixture.Site.CreateDbContext())
        {
            await db.Conversions.Where(c => c.BatchId == batchId).ExecuteUpdateAsync(s => s
                .SetProperty(c => c.State, ConversionState.Succeeded).SetProperty(c => c.Progress, 100).SetProperty(c => c.Message, "Done"));
        }

        await Task.Delay(2_000);
        await Assertions.Expect(page.Locator("#batch-status")).Not.ToContainTextAsync("1 of 1 finished");

        fixture.FailingSite.Failing = false;

        await Assertions.Expect(page.Locator("#batch-status")).ToContainTextAsync("1 of 1 finished", new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("#batch-status .reconnecting")).ToHaveCountAsync(0);
        Assert.Null(await page.Locator("#batch-status").GetAttributeAsync("hx-trigger"));
        problems.AssertNone();
        await context.CloseAsync();
    }

    [Fact]
    public async Task Chromium_revalidates_an_unchanged_status_and_the_page_still_shows_the_change_when_it_comes()
    {
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = fixture.BaseUrl });
        context.SetDefaultTimeout(60_000);
        var page = await context.NewPageAsync();
        var problems = PageProblems.Watch(page);
        await BrowserTests.SignUpAsync(page, $"watcher-{Guid.NewGuid():N}@example.com");
        await page.SetInputFilesAsync("#files", Fixtures.PathOf("coffee.png"));
        var before = fixture.FailingSite.NotModified;
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload and convert" }).ClickAsync();
        await page.WaitForURLAsync(new Regex("/batches/[0-9a-f-]{36}$"));
        var batchId = Guid.Parse(page.Url.Split('/').Last());

        // Nothing changes while the conversion waits: the browser asks with If-None-Match by itself and gets 304s.
        await UntilAsync(() => fixture.FailingSite.NotModified >= before + 3, TimeSpan.FromSeconds(60), "three polls answered 304");
        await Assertions.Expect(page.Locator("#batch-status")).ToContainTextAsync("0 of 1 finished");
        await using (var db = fixture.Site.CreateDbContext())
        {
            await db.Conversions.Where(c => c.BatchId == batchId).ExecuteUpdateAsync(s => s
                .SetProperty(c => c.State, ConversionState.Succeeded).SetProperty(c => c.Progress, 100).SetProperty(c => c.Message, "Done"));
        }

        await Assertions.Expect(page.Locator("#batch-status")).ToContainTextAsync("1 of 1 finished", new() { Timeout = 30_000 });
        Assert.Null(await page.Locator("#batch-status").GetAttributeAsync("hx-trigger"));
        problems.AssertNone();
        await context.CloseAsync();
    }

    [Fact]
    public async Task An_upload_deleted_while_its_page_is_open_says_so_and_stops_polling()
    {
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = fixture.BaseUrl });
        // Generous: these tests share two cores with the rest of the suite (and the other browser tests).
        context.SetDefaultTimeout(60_000);
        var page = await context.NewPageAsync();
        var problems = PageProblems.Watch(page,
            new PageProblems.Allowed(@"/batches/\S+ .*status of 404\b", "the deleted upload's status answers 404 on purpose; Chromium logs it"));
        await BrowserTests.SignUpAsync(page, $"tidy-{Guid.NewGuid():N}@example.com");
        await page.SetInputFilesAsync("#files", Fixtures.PathOf("coffee.png"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload and convert" }).ClickAsync();
        await page.WaitForURLAsync(new Regex("/batches/[0-9a-f-]{36}$"));
        var batchId = Guid.Parse(page.Url.Split('/').Last());

        // As another tab would: the model page deletes the conversion, then its emptied upload.
        await using (var db = fixture.Site.CreateDbContext())
        {
            await db.Conversions.Where(c => c.BatchId == batchId).ExecuteDeleteAsync();
            await db.Batches.Where(b => b.Id == batchId).ExecuteDeleteAsync();
        }

        await Assertions.Expect(page.Locator("#batch-status")).ToContainTextAsync("This upload was deleted", new() { Timeout = 30_000 });
        Assert.Null(await page.Locator("#batch-status").GetAttributeAsync("hx-trigger"));
        Assert.Null(await page.Locator("#batch-status").GetAttributeAsync("data-live"));
        problems.AssertNone();
        await context.CloseAsync();
    }

    [Fact]
    public async Task When_the_session_ends_while_the_page_polls_the_user_lands_on_sign_in_and_comes_back_after()
    {
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = fixture.BaseUrl });
        context.SetDefaultTimeout(60_000);
        var page = await context.NewPageAsync();
        var problems = PageProblems.Watch(page);
        var email = $"forgetful-{Guid.NewGuid():N}@example.com";
        await BrowserTests.SignUpAsync(page, email);
        await page.SetInputFilesAsync("#files", Fixtures.PathOf("coffee.png"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload and convert" }).ClickAsync();
        await page.WaitForURLAsync(new Regex("/batches/[0-9a-f-]{36}$"));
        var batchUrl = page.Url;

        // As signing out in another tab would: the next poll is redirected to the sign-in page.
        await context.ClearCookiesAsync();

        await page.WaitForURLAsync(new Regex("/account/login"));
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(UserStories.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(batchUrl);
        await Assertions.Expect(page.Locator("#batch-status")).ToContainTextAsync("coffee.png");
        problems.AssertNone();
        await context.CloseAsync();
    }

    private static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(100);
        }
    }
}
