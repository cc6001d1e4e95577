using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Image2Model.Tests.Fakes;

/// <summary>One request as the fake saw it.</summary>
public sealed record RecordedRequest(string Endpoint, string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string? Authorization => Headers.GetValueOrDefault("Authorization");

    public string BodyText => Encoding.UTF8.GetString(Body);
}

/// <summary>A scripted answer that replaces the normal one for the next call of an endpoint.</summary>
public sealed record FakeReply(int Status, string Body = "{}", IReadOnlyDictionary<string, string>? Headers = null)
{
    public static FakeReply Json(int status, string body, params (string Name, string Value)[] headers) =>
        new(status, body, headers.ToDictionary(h => h.Name, h => h.Value));
}

/// <summary>
/// An in-process Kestrel server on 127.0.0.1 with a random port that records every request,
/// adds latency to API calls and plays scripted faults before answering like the real service.
/// </summary>
public abstract class FakeServer : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<FakeReply>> _faults = new();
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private WebApplication? _app;

    public const string Key = "test-key";

    /// <summary>Root of the server, e.g. http://127.0.0.1:41234.</summary>
    public Uri Root { get; private set; } = null!;

    /// <summary>Delay before every API answer (not file transfers).</summary>
    public TimeSpan Latency { get; set; }

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    /// <summary>Runs after a request is recorded and before it is answered, with the endpoint's name: to hold or watch a call.</summary>
    public Func<string, Task>? BeforeAnswer { get; set; }

    /// <summary>
    /// A chaos monkey: asked once per call (after it is recorded) with the endpoint's name; answers how
    /// long to stall first and, optionally, the fault to answer instead of the real reply.
    /// </summary>
    public Func<string, (TimeSpan Stall, FakeReply? Fault)>? Chaos { get; set; }

    /// <summary>Answers 411 Length Required to a body sent chunked, as servers that only read Content-Length do.</summary>
    public bool RequireContentLength { get; set; }

    public IReadOnlyList<RecordedRequest> RequestsTo(string endpoint) => [.. _requests.Where(r => r.Endpoint == endpoint)];

    /// <summary>The next <paramref name="times"/> calls of <paramref name="endpoint"/> get <paramref name="reply"/>.</summary>
    public void Fail(string endpoint, int times, FakeReply reply)
    {
        var queue = _faults.GetOrAdd(endpoint, _ => new ConcurrentQueue<FakeReply>());
        for (var i = 0; i < times; i++)
        {
            queue.Enqueue(reply);
        }
    }

    protected abstract void Map(WebApplication app);

    /// <summary>The expected Authorization header value on API calls.</summary>
    protected abstract string ExpectedAuthorization { get; }

    /// <summary>The answer to an API call without the right key.</summary>
    protected abstract IResult Unauthorized();

    /// <summary>Headers the real service puts on every API reply.</summary>
    protected virtual void Stamp(HttpContext context)
    {
    }

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        Map(_app);
        await _app.StartAsync();
        Root = new Uri(_app.Urls.First());
    }

    /// <summary>Wraps an endpoint: record, optional latency, key check (API only), scripted faults.</summary>
    protected RequestDelegate Endpoint(string name, bool api, Func<HttpContext, Task<IResult>> handler) => async context =>
    {
        if (RequireContentLength && context.Request.Headers.TransferEncoding.ToString().Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            _requests.Enqueue(new RecordedRequest(name, context.Request.Method, context.Request.Path, "", new Dictionary<string, string>(), []));
            context.Response.StatusCode = StatusCodes.Status411LengthRequired;
            return;
        }

        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        var bytes = body.ToArray();
        context.Items["body"] = bytes;
        _requests.Enqueue(new RecordedRequest(
            name,
            context.Request.Method,
            context.Request.Path,
            context.Request.QueryString.Value ?? "",
            context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            bytes));
        if (BeforeAnswer is { } hook)
        {
            await hook(name);
        }

        FakeReply? chaos = null;
        if (Chaos is { } monkey)
        {
            var (stall, fault) = monkey(name);
            if (stall > TimeSpan.Zero)
            {
                await Task.Delay(stall);
            }

            chaos = fault;
        }

        IResult result;
        if (api)
        {
            if (Latency > TimeSpan.Zero)
            {
                await Task.Delay(Latency);
            }

            if (context.Request.Headers.Authorization.ToString() != ExpectedAuthorization)
            {
                Stamp(context);
                await Unauthorized().ExecuteAsync(context);
                return;
            }
        }

        // A scripted fault carries exactly its own headers, e.g. a proxy's 503 without the service's stamp.
        if (chaos is not null || (_faults.TryGetValue(name, out var queue) && queue.TryDequeue(out chaos)))
        {
            var fault = chaos!;
            foreach (var (header, value) in fault.Headers ?? new Dictionary<string, string>())
            {
                context.Response.Headers[header] = value;
            }

            result = Results.Text(fault.Body, "application/json", Encoding.UTF8, fault.Status);
        }
        else
        {
            if (api)
            {
                Stamp(context);
            }

            result = await handler(context);
        }

        await result.ExecuteAsync(context);
    };

    protected static byte[] BodyOf(HttpContext context) => (byte[])context.Items["body"]!;

    public virtual async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}
