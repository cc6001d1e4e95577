using System.Collections.Concurrent;
using System.Data.Common;
using System.Net;
using Image2Model.Site.Data;
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

    private sealed class CommandLog
    {
        private readonly ConcurrentQueue<(string Path, string Sql)> _commands = new();

        public void Add(string path, string sql) => _commands.Enqueue((path, sql));

        /// <summary>Runs <paramref name="request"/> and returns the commands run for <paramref name="path"/> meanwhile.</summary>
        public async Task<(HttpResponseMessage Response, IReadOnlyList<string> Commands)> DuringAsync(string path, Func<Task<HttpResponseMessage>> request)
        {
            _commands.Clear();
            var response = await request();
            return (response, _commands.Where(c => c.Path == path).Select(c => c.Sql).ToList());
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
