using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using NSec.Cryptography;
using Image2Model.Site.Generators.Fal;

namespace Image2Model.Tests.Fakes;

public enum FalOutcome
{
    Success,

    /// <summary>COMPLETED, then the result call answers 422 content_policy_violation.</summary>
    ContentPolicy,

    /// <summary>COMPLETED with error/error_type, then the result call answers 500.</summary>
    ModelError,
}

/// <summary>
/// FAL's storage and queue API for tripo3d/tripo/v2.5/image-to-3d, as described in
/// specs/tripo3d-providers.md sections 1–2. Queue and REST share this one host.
/// Endpoints for scripted faults: initiate, upload, submit, status, result, cancel, file.
/// </summary>
public sealed class FakeFalServer : FakeServer
{
    public const string ModelId = "tripo3d/tripo/v2.5/image-to-3d";

    private readonly ConcurrentDictionary<string, UploadedFile> _uploads = new();
    private readonly ConcurrentDictionary<string, Job> _jobs = new();

    public sealed record UploadedFile(string ContentType, byte[] Bytes);

    public sealed class Job(string id, JsonObject input, byte[] glb)
    {
        public string Id { get; } = id;
        public JsonObject Input { get; } = input;
        public byte[] Glb { get; } = glb;
        public int StatusPolls;
        public bool Canceled;
    }

    /// <summary>Status polls answered IN_QUEUE (queue_position counting down) before IN_PROGRESS.</summary>
    public int QueuePolls { get; set; } = 1;

    /// <summary>Status polls answered IN_PROGRESS (with log lines) before COMPLETED.</summary>
    public int RunningPolls { get; set; } = 2;

    /// <summary>While true, jobs that reached IN_PROGRESS stay there.</summary>
    public bool HoldInProgress { get; set; }

    /// <summary>Jobs never leave the queue.</summary>
    public bool SlowQueue { get; set; }

    public FalOutcome Outcome { get; set; } = FalOutcome.Success;

    /// <summary>The result names files that answer 404.</summary>
    public bool ResultFilesMissing { get; set; }

    public int Triangles { get; set; } = 12;

    /// <summary>The model every new job returns, instead of a fresh tagged test GLB.</summary>
    public byte[]? ModelFile { get; set; }

    public IReadOnlyDictionary<string, Job> Jobs => _jobs;

    /// <summary>The next this many submits create their job, then drop the connection without an answer.</summary>
    public int DropSubmitReplies;

    /// <summary>How long after a job is created (the end of a very quick job) its webhook goes out.</summary>
    public TimeSpan WebhookDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Where a webhook really goes, given the URL the submit named: a load balancer in front of the nodes.</summary>
    public Func<Uri, Uri>? WebhookTarget { get; set; }

    /// <summary>Each webhook attempt and the site's answer (0: no answer).</summary>
    public IReadOnlyList<(Uri Url, string RequestId, int Status)> WebhookDeliveries => [.. _deliveries];

    /// <summary>FAL's user id in the signed headers.</summary>
    public const string WebhookUserId = "fake-fal-user";

    /// <summary>The fake's own signing key; its public half is served as FAL's JWKS.</summary>
    public Key WebhookKey { get; } = new Key(SignatureAlgorithm.Ed25519);

    private readonly ConcurrentQueue<(Uri, string, int)> _deliveries = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly HttpClient _webhookClient = new() { Timeout = TimeSpan.FromSeconds(10) };

    public IReadOnlyDictionary<string, UploadedFile> Uploads => _uploads;

    public static byte[] PreviewBytes { get; } = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3, 4];

    public static async Task<FakeFalServer> StartNewAsync()
    {
        var server = new FakeFalServer();
        await server.StartAsync();
        return server;
    }

    protected override string ExpectedAuthorization => $"Key {Key}";

    protected override IResult Unauthorized() => Results.Json(new { detail = "Invalid API key" }, statusCode: 401);

    protected override void Stamp(HttpContext context) => context.Response.Headers["x-fal-request-id"] = Guid.NewGuid().ToString();

    /// <summary>A webhook request signed as FAL signs them, with <paramref name="key"/> (default: the JWKS one) and <paramref name="timestamp"/> (default: now).</summary>
    public HttpRequestMessage SignedWebhook(Uri url, string requestId, string body, Key? key = null, DateTimeOffset? timestamp = null)
    {
        var stamp = (timestamp ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var bytes = System.Text.Encoding.UTF8.GetBytes(body);
        var signature = SignatureAlgorithm.Ed25519.Sign(key ?? WebhookKey, FalWebhooks.SignedMessage(requestId, WebhookUserId, stamp, bytes));
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-Fal-Webhook-Request-Id", requestId);
        request.Headers.Add("X-Fal-Webhook-User-Id", WebhookUserId);
        request.Headers.Add("X-Fal-Webhook-Timestamp", stamp);
        request.Headers.Add("X-Fal-Webhook-Signature", Convert.ToHexStringLower(signature));
        return request;
    }

    /// <summary>FAL's webhook body for a finished job.</summary>
    public string WebhookBody(string requestId) => new JsonObject
    {
        ["request_id"] = requestId,
        ["gateway_request_id"] = requestId,
        ["status"] = "OK",
        ["payload"] = new JsonObject { ["model_mesh"] = new JsonObject { ["url"] = new Uri(Root, $"/files/{requestId}/model.glb").ToString() } },
    }.ToJsonString();

    /// <summary>As FAL does: deliver once the job ends, whatever became of the submitter; retry until the site takes it.</summary>
    private async Task DeliverWebhookAsync(Uri url, string requestId)
    {
        try
        {
            await Task.Delay(WebhookDelay, _stopping.Token);
            for (var attempt = 0; attempt < 60 && !_stopping.IsCancellationRequested; attempt++)
            {
                var target = WebhookTarget?.Invoke(url) ?? url;
                var status = 0;
                try
                {
                    using var request = SignedWebhook(target, requestId, WebhookBody(requestId));
                    using var reply = await _webhookClient.SendAsync(request, _stopping.Token);
                    status = (int)reply.StatusCode;
                }
                catch (HttpRequestException)
                {
                }
                catch (TaskCanceledException) when (!_stopping.IsCancellationRequested)
                {
                }

                _deliveries.Enqueue((target, requestId, status));
                if (status is >= 200 and < 300)
                {
                    return;
                }

                await Task.Delay(TimeSpan.FromSeconds(1), _stopping.Token);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await base.DisposeAsync();
        _webhookClient.Dispose();
        WebhookKey.Dispose();
    }

    protected override void Map(WebApplication app)
    {
        app.MapGet("/.well-known/jwks.json", Endpoint("jwks", api: false, context =>
        {
            var x = Convert.ToBase64String(WebhookKey.PublicKey.Export(KeyBlobFormat.RawPublicKey)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            return Task.FromResult(Results.Json(new { keys = new[] { new { kty = "OKP", crv = "Ed25519", x, kid = "fake-1" } } }));
        }));

        app.MapPost("/storage/upload/initiate", Endpoint("initiate", api: true, async context =>
        {
            if (context.Request.Query["storage_type"] != "fal-cdn-v3")
            {
                return Results.Json(new { detail = "storage_type must be fal-cdn-v3" }, statusCode: 422);
            }

            var body = JsonNode.Parse(BodyOf(context))!.AsObject();
            var token = Guid.NewGuid().ToString("N");
            _uploads[token] = new UploadedFile((string?)body["content_type"] ?? "", []);
            await Task.CompletedTask;
            return Results.Json(new
            {
                upload_url = new Uri(Root, $"/cdn-upload/{token}?signature=abc").ToString(),
                file_url = new Uri(Root, $"/cdn/{token}/{(string?)body["file_name"]}").ToString(),
            });
        }));

        app.MapPut("/cdn-upload/{token}", Endpoint("upload", api: false, context =>
        {
            var token = (string)context.Request.RouteValues["token"]!;
            if (!_uploads.ContainsKey(token))
            {
                return Task.FromResult(Results.StatusCode(403));
            }

            _uploads[token] = new UploadedFile(context.Request.ContentType ?? "", BodyOf(context));
            return Task.FromResult(Results.Ok());
        }));

        app.MapPost($"/{ModelId}", Endpoint("submit", api: true, context =>
        {
            var input = JsonNode.Parse(BodyOf(context))!.AsObject();
            var imageUrl = (string?)input["image_url"];
            var token = imageUrl is null ? null : new Uri(imageUrl).Segments.ElementAtOrDefault(2)?.TrimEnd('/');
            if (token is null || !_uploads.TryGetValue(token, out var upload) || upload.Bytes.Length == 0)
            {
                return Task.FromResult(Results.Json(
                    new { detail = new[] { new { loc = new[] { "body", "image_url" }, msg = "Could not download the image", type = "file_download_error" } } },
                    statusCode: 422));
            }

            var id = Guid.NewGuid().ToString();
            _jobs[id] = new Job(id, input, ModelFile ?? TestGlb.Create(Triangles, id));
            if (Uri.TryCreate(context.Request.Query["fal_webhook"], UriKind.Absolute, out var webhook))
            {
                _ = Task.Run(() => DeliverWebhookAsync(webhook, id));
            }

            if (DropSubmitReplies > 0 && Interlocked.Decrement(ref DropSubmitReplies) >= 0)
            {
                // Accepted and billed, but the answer never reaches the submitter.
                context.Abort();
                return Task.FromResult(Results.Empty);
            }
            return Task.FromResult(Results.Json(new
            {
                request_id = id,
                status = "IN_QUEUE",
                queue_position = QueuePolls,
                status_url = new Uri(Root, $"/tripo3d/tripo/requests/{id}/status").ToString(),
                response_url = new Uri(Root, $"/tripo3d/tripo/requests/{id}").ToString(),
                cancel_url = new Uri(Root, $"/tripo3d/tripo/requests/{id}/cancel").ToString(),
            }));
        }));

        app.MapGet("/tripo3d/tripo/requests/{id}/status", Endpoint("status", api: true, context =>
        {
            if (!_jobs.TryGetValue((string)context.Request.RouteValues["id"]!, out var job))
            {
                return Task.FromResult(Results.Json(new { detail = "Request not found" }, statusCode: 404));
            }

            var poll = Interlocked.Increment(ref job.StatusPolls);
            var logs = Enumerable.Range(1, Math.Clamp(poll - QueuePolls, 0, 10))
                .Select(i => new { message = $"Generating mesh {Math.Min(100, i * 30)}%", level = "INFO", source = "user", timestamp = DateTimeOffset.UtcNow })
                .ToArray();
            if (SlowQueue || (poll <= QueuePolls && !job.Canceled))
            {
                return Task.FromResult(Results.Json(new { status = "IN_QUEUE", queue_position = Math.Max(0, QueuePolls - poll), response_url = "" }, statusCode: 202));
            }

            if (!job.Canceled && (HoldInProgress || poll <= QueuePolls + RunningPolls))
            {
                return Task.FromResult(Results.Json(new { status = "IN_PROGRESS", logs }, statusCode: 202));
            }

            object completed = job.Canceled
                ? new { status = "COMPLETED", logs, error = "Request was cancelled", error_type = "request_cancelled" }
                : Outcome == FalOutcome.ModelError
                    ? new { status = "COMPLETED", logs, metrics = new { inference_time = 3.2 }, error = "Mesh generation failed: no object found in the image", error_type = "model_error" }
                    : new { status = "COMPLETED", logs, metrics = new { inference_time = 3.2 } };
            return Task.FromResult(Results.Json(completed, statusCode: 200));
        }));

        app.MapGet("/tripo3d/tripo/requests/{id}", Endpoint("result", api: true, context =>
        {
            if (!_jobs.TryGetValue((string)context.Request.RouteValues["id"]!, out var job))
            {
                return Task.FromResult(Results.Json(new { detail = "Request not found" }, statusCode: 404));
            }

            IResult result = job.Canceled ? Results.Json(new { detail = "Request was cancelled" }, statusCode: 400) : Outcome switch
            {
                FalOutcome.ContentPolicy => Results.Json(
                    new { detail = new[] { new { loc = new[] { "body", "image_url" }, msg = "The image was flagged by the content checker.", type = "content_policy_violation" } } },
                    statusCode: 422),
                FalOutcome.ModelError => Results.Json(new { detail = "Internal model error" }, statusCode: 500),
                _ => Results.Json(new
                {
                    model_mesh = new { url = new Uri(Root, $"/files/{job.Id}/model.glb").ToString(), content_type = "model/gltf-binary", file_name = "model.glb", file_size = job.Glb.Length },
                    rendered_image = new { url = new Uri(Root, $"/files/{job.Id}/preview.png").ToString() },
                    task_id = "tripo-" + job.Id,
                }),
            };
            return Task.FromResult(result);
        }));

        app.MapPut("/tripo3d/tripo/requests/{id}/cancel", Endpoint("cancel", api: true, context =>
        {
            if (!_jobs.TryGetValue((string)context.Request.RouteValues["id"]!, out var job))
            {
                return Task.FromResult(Results.Json(new { status = "NOT_FOUND" }, statusCode: 404));
            }

            job.Canceled = true;
            return Task.FromResult(Results.Json(new { status = "CANCELLATION_REQUESTED" }, statusCode: 202));
        }));

        app.MapGet("/files/{id}/{file}", Endpoint("file", api: false, context =>
        {
            var id = (string)context.Request.RouteValues["id"]!;
            var file = (string)context.Request.RouteValues["file"]!;
            if (ResultFilesMissing || !_jobs.TryGetValue(id, out var job))
            {
                return Task.FromResult(Results.NotFound());
            }

            return Task.FromResult(file == "model.glb"
                ? Results.Bytes(job.Glb, "model/gltf-binary")
                : Results.Bytes(PreviewBytes, "image/png"));
        }));
    }

    public int SubmitCount => RequestsTo("submit").Count(r => r.Method == "POST");

    public static JsonElement Parse(RecordedRequest request) => JsonDocument.Parse(request.Body).RootElement;
}
