using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Image2Model.Tests.Fakes;

/// <summary>
/// Tripo's own API under /v2/openapi (specs/tripo3d-providers.md section 3): every reply is
/// {"code":0,"data":…} or {"code":N,"message":…,"suggestion":…} and carries X-Tripo-Trace-ID.
/// Endpoints for scripted faults: upload, task, status, file.
/// </summary>
public sealed class FakeTripoServer : FakeServer
{
    private readonly ConcurrentDictionary<string, byte[]> _uploads = new();
    private readonly ConcurrentDictionary<string, FakeTask> _tasks = new();

    public sealed class FakeTask(string id, JsonObject input, byte[] glb)
    {
        public string Id { get; } = id;
        public JsonObject Input { get; } = input;
        public byte[] Glb { get; } = glb;
        public int StatusPolls;
    }

    public Uri BaseUrl => new(Root, "/v2/openapi");

    public int QueuePolls { get; set; } = 1;

    public int RunningPolls { get; set; } = 2;

    public bool HoldRunning { get; set; }

    /// <summary>The final status tasks end with: success, failed, banned, expired, …</summary>
    public string FinalStatus { get; set; } = "success";

    public bool ResultFilesMissing { get; set; }

    public int Triangles { get; set; } = 20;

    public IReadOnlyDictionary<string, FakeTask> Tasks => _tasks;

    public IReadOnlyDictionary<string, byte[]> Uploads => _uploads;

    public int SubmitCount => RequestsTo("task").Count;

    public static FakeReply Error(int status, int code, string message) =>
        FakeReply.Json(status, $$"""{"code":{{code}},"message":"{{message}}","suggestion":"Check the request"}""", ("X-Tripo-Trace-ID", Guid.NewGuid().ToString()));

    public static async Task<FakeTripoServer> StartNewAsync()
    {
        var server = new FakeTripoServer();
        await server.StartAsync();
        return server;
    }

    protected override string ExpectedAuthorization => $"Bearer {Key}";

    protected override IResult Unauthorized() =>
        Results.Json(new { code = 1002, message = "Authentication failed", suggestion = "Check your API key" }, statusCode: 401);

    protected override void Stamp(HttpContext context) => context.Response.Headers["X-Tripo-Trace-ID"] = Guid.NewGuid().ToString();

    private static IResult Ok(object data) => Results.Json(new { code = 0, data });

    protected override void Map(WebApplication app)
    {
        app.MapPost("/v2/openapi/upload", Endpoint("upload", api: true, async context =>
        {
            context.Request.Body = new MemoryStream(BodyOf(context));
            var form = await context.Request.ReadFormAsync();
            var file = form.Files.GetFile("file");
            if (file is null || file.Length == 0)
            {
                return Results.Json(new { code = 2003, message = "The image is empty", suggestion = "" }, statusCode: 400);
            }

            using var bytes = new MemoryStream();
            await file.CopyToAsync(bytes);
            var token = Guid.NewGuid().ToString();
            _uploads[token] = bytes.ToArray();
            return Ok(new { image_token = token });
        }));

        app.MapPost("/v2/openapi/task", Endpoint("task", api: true, context =>
        {
            var input = JsonNode.Parse(BodyOf(context))!.AsObject();
            var token = (string?)input["file"]?["file_token"];
            if ((string?)input["type"] != "image_to_model" || token is null || !_uploads.ContainsKey(token))
            {
                return Task.FromResult(Results.Json(new { code = 1004, message = "Invalid parameter: file", suggestion = "" }, statusCode: 400));
            }

            var id = Guid.NewGuid().ToString();
            _tasks[id] = new FakeTask(id, input, TestGlb.Create(Triangles, id));
            return Task.FromResult(Ok(new { task_id = id }));
        }));

        app.MapGet("/v2/openapi/task/{id}", Endpoint("status", api: true, context =>
        {
            if (!_tasks.TryGetValue((string)context.Request.RouteValues["id"]!, out var task))
            {
                return Task.FromResult(Results.Json(new { code = 2001, message = "Task not found", suggestion = "" }, statusCode: 404));
            }

            var poll = Interlocked.Increment(ref task.StatusPolls);
            object data = poll <= QueuePolls
                ? new { task_id = task.Id, type = "image_to_model", status = "queued", progress = 0, input = task.Input }
                : HoldRunning || poll <= QueuePolls + RunningPolls
                    ? new { task_id = task.Id, type = "image_to_model", status = "running", progress = Math.Min(99, (poll - QueuePolls) * 100 / (RunningPolls + 1)), running_left_time = 12 }
                    : FinalStatus == "success"
                        ? new
                        {
                            task_id = task.Id,
                            type = "image_to_model",
                            status = "success",
                            progress = 100,
                            output = new
                            {
                                model = new Uri(Root, $"/files/{task.Id}/model.glb?Expires=300").ToString(),
                                rendered_image = new Uri(Root, $"/files/{task.Id}/preview.webp?Expires=300").ToString(),
                            },
                        }
                        : new { task_id = task.Id, type = "image_to_model", status = FinalStatus, progress = 100 };
            return Task.FromResult(Ok(data));
        }));

        app.MapGet("/files/{id}/{file}", Endpoint("file", api: false, context =>
        {
            var id = (string)context.Request.RouteValues["id"]!;
            if (ResultFilesMissing || !_tasks.TryGetValue(id, out var task))
            {
                return Task.FromResult(Results.NotFound());
            }

            return Task.FromResult((string)context.Request.RouteValues["file"]! == "model.glb"
                ? Results.Bytes(task.Glb, "model/gltf-binary")
                : Results.Bytes(FakeFalServer.PreviewBytes, "image/webp"));
        }));
    }
}
