using System.Collections.Concurrent;
using System.Data.Common;
using System.Net;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using Image2Model.Site.Data;
using Image2Model.Site.Pages.Batches;
using Image2Model.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Image2Model.Tests.Scale;

/// <summary>What one poll of the batch status fragment costs: database queries and cookie work.</summary>
public sealed class PollingTests : IDisposable
{
    private readonly PollingSite _site = new();

    public PollingTests() => _site.Commands.Reader = () => _site.Services.GetRequiredService<BatchStatusReader>();

    public void Dispose() => _site.Dispose();

    [Fact]
    public async Task A_status_poll_makes_at_most_two_queries()
    {
        var client = await UserStories.SignedInUserAsync(_site);
        var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(client, [Fixtures.File("apple.png"), Fixtures.File("horse.png")]));

        var poll = await _site.Commands.DuringAsync($"/batches/{batchId}", () => client.Http.SendAsync(HtmxGet($"/batches/{batchId}")));

        Assert.Equal(HttpStatusCode.OK, poll.Response.StatusCode);
        Assert.InRange(poll.Commands.Count, 1, 2);
    }

    [Fact]
    public async Task A_revalidated_poll_of_an_unchanged_batch_makes_one_query_and_renders_nothing()
    {
        var client = await UserStories.SignedInUserAsync(_site);
        var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(client, [Fixtures.File("apple.png"), Fixtures.File("horse.png")]));
        await Waiting.ForBatchAsync(_site, batchId);
        var url = $"/batches/{batchId}";
        var etag = (await client.Http.SendAsync(HtmxGet(url))).Headers.ETag!;

        var revalidate = HtmxGet(url);
        revalidate.Headers.IfNoneMatch.Add(etag);
        var poll = await _site.Commands.DuringAsync(url, () => client.Http.SendAsync(revalidate));

        Assert.Equal(HttpStatusCode.NotModified, poll.Response.StatusCode);
        Assert.Empty(await poll.Response.Content.ReadAsByteArrayAsync());
        // One read of the batch, by the plain query: EF and the page are not involved.
        Assert.Equal([CommandLog.PlainRead], poll.Commands);
    }

    [Fact]
    public async Task The_account_is_checked_once_per_interval_and_the_renewed_cookie_is_used_afterwards()
    {
        var client = await UserStories.SignedInUserAsync(_site);
        var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(client, [Fixtures.File("apple.png")]));
        var url = $"/batches/{batchId}";

        _site.Clock.Advance(TimeSpan.FromMinutes(2));
        var stale = await _site.Commands.DuringAsync(url, () => client.Http.SendAsync(HtmxGet(url)));
        var polls = new List<(HttpResponseMessage Response, IReadOnlyList<string> Commands)>();
        for (var i = 0; i < 5; i++)
        {
            _site.Clock.Advance(TimeSpan.FromSeconds(5));
            polls.Add(await _site.Commands.DuringAsync(url, () => client.Http.SendAsync(HtmxGet(url))));
        }

        // The first poll after the interval checks the account and renews the cookie...
        Assert.Contains(stale.Commands, c => c.Contains("\"AspNetUsers\""));
        Assert.Contains(stale.Response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("image2model="));
        // ...and the polls that carry the renewed cookie do neither.
        Assert.All(polls, p =>
        {
            Assert.Equal(HttpStatusCode.OK, p.Response.StatusCode);
            Assert.DoesNotContain(p.Commands, c => c.Contains("\"AspNetUsers\""));
            Assert.False(p.Response.Headers.Contains("Set-Cookie"));
            Assert.InRange(p.Commands.Count, 1, 2);
        });
    }

    [Fact]
    public async Task Polls_a_moment_apart_look_the_session_up_once()
    {
        var client = await UserStories.SignedInUserAsync(_site);
        var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(client, [Fixtures.File("apple.png")]));
        var url = $"/batches/{batchId}";

        var polls = new List<IReadOnlyList<string>>();
        for (var i = 0; i < 5; i++)
        {
            polls.Add((await _site.Commands.DuringAsync(url, () => client.Http.SendAsync(HtmxGet(url)))).Commands);
        }

        // The upload a moment ago found the session; these polls (within Accounts:SessionCheckCacheDuration) only read the batch.
        Assert.All(polls, commands => Assert.Single(commands));
        Assert.All(polls, commands => Assert.DoesNotContain(commands, c => c.Contains("\"SignInSessions\"")));
    }

    [Fact]
    public async Task Fifty_polls_at_once_with_a_cookie_older_than_the_interval_check_the_account_once()
    {
        await _site.EnsureAdminAsync();
        var cookies = new CookieContainer();
        var client = new SiteClient(_site.CreateDefaultClient(_site.ClientOptions.BaseAddress, new CookieContainerHandler(cookies)));
        var email = $"user-{Guid.NewGuid():N}@example.com";
        await UserStories.RegisterAsync(client, email);
        Assert.Equal(HttpStatusCode.Redirect, (await UserStories.SignInAsync(client, email)).StatusCode);
        var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(client, [Fixtures.File("apple.png")]));
        var url = $"/batches/{batchId}";

        // A page left open over lunch: its tabs (or one tab's retries) all poll with the same stale cookie at once.
        // Each carries that cookie whenever it is actually sent: a poll sent after another's answer came back
        // would carry the renewed cookie (the browser has it by then), which is fresh and rightly not renewed again.
        _site.Clock.Advance(TimeSpan.FromMinutes(2));
        var staleCookie = cookies.GetCookieHeader(_site.ClientOptions.BaseAddress);
        var sender = _site.CreateDefaultClient(_site.ClientOptions.BaseAddress);
        var burst = await _site.Commands.DuringAllAsync(url, Enumerable.Range(0, 50).Select(_ => (Func<Task<HttpResponseMessage>>)(() =>
        {
            var poll = HtmxGet(url);
            poll.Headers.Add("Cookie", staleCookie);
            return sender.SendAsync(poll);
        })));

        Assert.All(burst.Responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Single(burst.Commands, c => c.Contains("\"AspNetUsers\""));
        // Every stale request gets the renewed cookie; once the browser has it, polls check nothing more.
        Assert.All(burst.Responses, r => Assert.Contains(r.Headers.GetValues("Set-Cookie"), c => c.StartsWith("image2model=")));
        foreach (var setCookie in burst.Responses[^1].Headers.GetValues("Set-Cookie"))
        {
            cookies.SetCookies(_site.ClientOptions.BaseAddress, setCookie);
        }

        _site.Clock.Advance(TimeSpan.FromSeconds(5));
        var next = await _site.Commands.DuringAsync(url, () => client.Http.SendAsync(HtmxGet(url)));
        Assert.Equal(HttpStatusCode.OK, next.Response.StatusCode);
        Assert.DoesNotContain(next.Commands, c => c.Contains("\"AspNetUsers\""));
        Assert.False(next.Response.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task A_revalidated_poll_with_a_cookie_older_than_the_interval_gets_the_renewed_cookie_with_its_304()
    {
        var client = await UserStories.SignedInUserAsync(_site);
        var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(client, [Fixtures.File("apple.png")]));
        await Waiting.ForBatchAsync(_site, batchId);
        var url = $"/batches/{batchId}";
        var etag = (await client.Http.SendAsync(HtmxGet(url))).Headers.ETag!;

        // Answered before Razor Pages by StatusRevalidation: the account check still renews the cookie.
        _site.Clock.Advance(TimeSpan.FromMinutes(2));
        var revalidate = HtmxGet(url);
        revalidate.Headers.IfNoneMatch.Add(etag);
        var stale = await _site.Commands.DuringAsync(url, () => client.Http.SendAsync(revalidate));

        Assert.Equal(HttpStatusCode.NotModified, stale.Response.StatusCode);
        Assert.Contains(stale.Commands, c => c.Contains("\"AspNetUsers\""));
        Assert.Contains(stale.Response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("image2model="));
        _site.Clock.Advance(TimeSpan.FromSeconds(5));
        var next = HtmxGet(url);
        next.Headers.IfNoneMatch.Add(etag);
        var fresh = await _site.Commands.DuringAsync(url, () => client.Http.SendAsync(next));
        Assert.Equal(HttpStatusCode.NotModified, fresh.Response.StatusCode);
        Assert.DoesNotContain(fresh.Commands, c => c.Contains("\"AspNetUsers\""));
        Assert.False(fresh.Response.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task A_browser_renewed_from_another_browsers_check_is_checked_again_one_interval_after_that_check()
    {
        var email = $"user-{Guid.NewGuid():N}@example.com";
        var here = await UserStories.SignedInUserAsync(_site, email);
        var elsewhere = _site.CreateSiteClient();
        Assert.Equal(HttpStatusCode.Redirect, (await UserStories.SignInAsync(elsewhere, email)).StatusCode);
        const string url = "/upload";
        bool ChecksAccount(IReadOnlyList<string> commands) => commands.Any(c => c.Contains("\"AspNetUsers\""));

        _site.Clock.Advance(TimeSpan.FromMinutes(2));
        // One browser's stale cookie reads the account...
        Assert.True(ChecksAccount((await _site.Commands.DuringAsync(url, () => here.Http.GetAsync(url))).Commands));
        // ...the other's, stale too, 50 s later, takes that check's answer instead of reading again...
        _site.Clock.Advance(TimeSpan.FromSeconds(50));
        Assert.False(ChecksAccount((await _site.Commands.DuringAsync(url, () => elsewhere.Http.GetAsync(url))).Commands));
        // ...and its renewed cookie counts from that check: an account change is still seen within one interval.
        _site.Clock.Advance(TimeSpan.FromSeconds(11));
        Assert.True(ChecksAccount((await _site.Commands.DuringAsync(url, () => elsewhere.Http.GetAsync(url))).Commands));
    }

    private static HttpRequestMessage HtmxGet(string url)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("HX-Request", "true");
        return request;
    }

    /// <summary>The site with a clock the test moves (cookies and account checks use it) and every SQL command recorded with the request path it ran for.</summary>
    private sealed class PollingSite : SiteFactory
    {
        public MovableClock Clock { get; } = new(DateTimeOffset.UtcNow);

        public CommandLog Commands { get; } = new();

        protected override void ConfigureTestServices(IServiceCollection services)
        {
            services.AddHttpContextAccessor();
            services.ConfigureDbContext<SqliteDbContext>((sp, o) => o.AddInterceptors(new RecordingInterceptor(Commands, sp.GetRequiredService<IHttpContextAccessor>())));
            services.Configure<SecurityStampValidatorOptions>(o => o.TimeProvider = Clock);
            services.PostConfigure<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme, o => o.TimeProvider = Clock);
        }
    }

    /// <summary>
    /// EF's commands by request path, and the status polls' plain reads of their batch
    /// (<see cref="BatchStatusReader"/>, which EF's interceptors do not see), counted as commands of the batch's path.
    /// </summary>
    private sealed class CommandLog
    {
        private readonly ConcurrentQueue<(string Path, string Sql)> _commands = new();

        public Func<BatchStatusReader>? Reader { get; set; }

        public const string PlainRead = "plain read of the batch (BatchStatusReader)";

        public void Add(string path, string sql) => _commands.Enqueue((path, sql));

        /// <summary>Runs <paramref name="request"/> and returns the commands run for <paramref name="path"/> meanwhile.</summary>
        public async Task<(HttpResponseMessage Response, IReadOnlyList<string> Commands)> DuringAsync(string path, Func<Task<HttpResponseMessage>> request)
        {
            _commands.Clear();
            var readsBefore = Reads();
            var response = await request();
            return (response, Commands(path, readsBefore));
        }

        /// <summary>Runs all <paramref name="requests"/> at once and returns the commands run for <paramref name="path"/> meanwhile.</summary>
        public async Task<(HttpResponseMessage[] Responses, IReadOnlyList<string> Commands)> DuringAllAsync(string path, IEnumerable<Func<Task<HttpResponseMessage>>> requests)
        {
            _commands.Clear();
            var readsBefore = Reads();
            var responses = await Task.WhenAll(requests.Select(r => Task.Run(r)));
            return (responses, Commands(path, readsBefore));
        }

        private long Reads() => Reader?.Invoke().Reads ?? 0;

        private List<string> Commands(string path, long readsBefore)
        {
            var commands = _commands.Where(c => c.Path == path).Select(c => c.Sql).ToList();
            if (path.StartsWith("/batches/"))
            {
                commands.AddRange(Enumerable.Repeat(PlainRead, (int)(Reads() - readsBefore)));
            }

            return commands;
        }
    }

    private sealed class RecordingInterceptor(CommandLog log, IHttpContextAccessor http) : DbCommandInterceptor
    {
        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            Record(command);
            return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
        }

        public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<object> result, CancellationToken cancellationToken = default)
        {
            Record(command);
            return base.ScalarExecutingAsync(command, eventData, result, cancellationToken);
        }

        public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            Record(command);
            return base.NonQueryExecutingAsync(command, eventData, result, cancellationToken);
        }

        private void Record(DbCommand command)
        {
            if (http.HttpContext?.Request.Path.Value is { } path)
            {
                log.Add(path, command.CommandText);
            }
        }
    }

    private sealed class MovableClock(DateTimeOffset start) : TimeProvider
    {
        private long _ticks = start.UtcTicks;

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);
    }
}
