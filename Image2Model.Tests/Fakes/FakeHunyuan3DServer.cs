using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Image2Model.Tests.Fakes;

/// <summary>
/// Hunyuan3D-2's api_server.py as its source shows it: POST /send starts a job in a thread and
/// answers {"uid"}; GET /status/{uid} answers {"status":"processing"} until the file exists (also
/// for a uid it never saw), then {"status":"completed","model_base64":…}. No authentication of its
/// own; <see cref="ProxyAuthorization"/> plays a reverse proxy in front. Endpoints: send, status.
/// </summary>
public sealed class FakeHunyuan3DServer : FakeServer
{
    private readonly ConcurrentDictionary<string, Job> _jobs = new();

    public sealed class Job(string uid, JsonObject input, byte[] glb)
    {
        public string Uid { get; } = uid;
        public JsonObject Input { get; } = input;
        public byte[] Glb { get; } = glb;
        public int StatusPolls;
    }

    /// <summary>Status polls answered "processing" before the file exists.</summary>
    public int WorkPolls { get; set; } = 2;

    /// <summary>The worker thread died: the file never appears and /status says "processing" forever.</summary>
    public bool Crashed { get; set; }

    /// <summary>The model every job makes; a small tagged test GLB when null.</summary>
    public byte[]? ModelFile { get; set; }

    /// <summary>The completed status answer goes out in slices of this size, each after <see cref="SliceDelay"/>.</summary>
    public int SliceBytes { get; set; } = 1024 * 1024;

    public TimeSpan SliceDelay { get; set; }

    /// <summary>The header value a proxy in front expects; null when there is no proxy.</summary>
    public string? ProxyAuthorization { get; set; }

    public IReadOnlyDictionary<string, Job> Jobs => _jobs;

    public int SendCount => RequestsTo("send").Count;

    public static async Task<FakeHunyuan3DServer> StartNewAsync()
    {
        var server = new FakeHunyuan3DServer();
        await server.StartAsync();
        return server;
    }

    protected override string ExpectedAuthorization => ProxyAuthorization ?? "";

    protected override IResult Unauthorized() => Results.Text("<html><body>401 Authorization Required</body></html>", "text/html", statusCode: 401);

    protected override void Map(WebApplication app)
    {
        app.MapPost("/send", Endpoint("send", api: true, context =>
        {
            var input = JsonNode.Parse(BodyOf(context))!.AsObject();
            // api_server.py decodes the image in the worker thread: a bad one only shows in its log.
            _ = Convert.FromBase64String((string)input["image"]!);
            var uid = Guid.NewGuid().ToString();
            _jobs[uid] = new Job(uid, input, ModelFile ?? TestGlb.Create(10, uid));
            return Task.FromResult(Results.Json(new { uid }));
        }));

        app.MapGet("/status/{uid}", Endpoint("status", api: true, context =>
        {
            var uid = (string)context.Request.RouteValues["uid"]!;
            if (!_jobs.TryGetValue(uid, out var job) || Crashed || Interlocked.Increment(ref job.StatusPolls) <= WorkPolls)
            {
                return Task.FromResult(Results.Json(new { status = "processing" }));
            }

            return Task.FromResult<IResult>(new CompletedAnswer(job.Glb, SliceBytes, SliceDelay));
        }));
    }

    public static JsonElement Parse(RecordedRequest request) => JsonDocument.Parse(request.Body).RootElement;

    /// <summary>
    /// {"status":"completed","model_base64":"…"} with its Content-Length, base64-encoded slice by
    /// slice into one reused buffer so the fake itself holds no copy of the answer.
    /// </summary>
    private sealed class CompletedAnswer(byte[] glb, int sliceBytes, TimeSpan delay) : IResult
    {
        public async Task ExecuteAsync(HttpContext context)
        {
            var head = Encoding.UTF8.GetBytes("{\"status\": \"completed\", \"model_base64\": \"");
            var tail = Encoding.UTF8.GetBytes("\"}");
            var encodedLength = (glb.Length + 2) / 3 * 4;
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = head.Length + encodedLength + tail.Length;
            await context.Response.Body.WriteAsync(head);
            var raw = Math.Max(3, sliceBytes / 4 * 3);
            var buffer = new byte[(raw + 2) / 3 * 4];
            for (var offset = 0; offset < glb.Length; offset += raw)
            {
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay);
                }

                var slice = glb.AsSpan(offset, Math.Min(raw, glb.Length - offset));
                Base64.EncodeToUtf8(slice, buffer, out _, out var written);
                await context.Response.Body.WriteAsync(buffer.AsMemory(0, written));
            }

            await context.Response.Body.WriteAsync(tail);
        }
    }
}
