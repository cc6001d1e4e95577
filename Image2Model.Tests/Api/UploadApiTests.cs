using System.Net;
using System.Text.Json;
using Image2Model.Tests.Infrastructure;
using Kind = System.Text.Json.JsonValueKind;

namespace Image2Model.Tests.Api;

public sealed class UploadApiTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Theory]
    [InlineData("/api/v1/upload")]
    [InlineData("/api/v1/upload/")]
    public async Task Upload_answers_the_task_job_and_each_file(string url)
    {
        var script = await ApiStories.ScriptAsync(factory);

        var response = await script.PostAsync(url, ApiStories.Form([Fixtures.File("apple.png"), Fixtures.File("horse.png")], new Dictionary<string, string> { ["face_limit"] = "10000" }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await ApiStories.JsonAsync(response);
        ApiStories.HasShape(json, ("task_id", Kind.String), ("job_id", Kind.String), ("batch_id", Kind.String), ("total_files", Kind.Number), ("face_limit", Kind.Number),
            ("status", Kind.String), ("message", Kind.String), ("uploaded_files", Kind.Array), ("rejected_files", Kind.Array));
        Assert.True(Guid.TryParse(json.GetProperty("task_id").GetString(), out var taskId));
        Assert.NotEqual(json.GetProperty("job_id").GetString(), taskId.ToString());
        Assert.Equal(json.GetProperty("job_id").GetString(), json.GetProperty("batch_id").GetString());
        Assert.Equal(2, json.GetProperty("total_files").GetInt32());
        Assert.Equal(10000, json.GetProperty("face_limit").GetInt32());
        Assert.Equal("queued", json.GetProperty("status").GetString());
        Assert.Equal("Processing 2 files", json.GetProperty("message").GetString());
        var files = json.GetProperty("uploaded_files").EnumerateArray().ToList();
        Assert.Equal(["apple.png", "horse.png"], files.Select(f => f.GetProperty("filename").GetString()));
        foreach (var file in files)
        {
            ApiStories.HasShape(file, ("file_id", Kind.String), ("filename", Kind.String), ("size", Kind.Number));
        }

        Assert.Equal(Fixtures.Read("apple.png").Length, files[0].GetProperty("size").GetInt64());
        Assert.Empty(json.GetProperty("rejected_files").EnumerateArray());
        await ApiStories.WaitForFinishAsync(factory, json);
    }

    [Fact]
    public async Task Face_limit_absent_means_auto_and_bad_files_are_rejected_one_by_one()
    {
        var script = await ApiStories.ScriptAsync(factory);

        var response = await script.PostAsync("/api/v1/upload", ApiStories.Form([Fixtures.File("apple.png"), Fixtures.File("truncated.jpg"), new FileField("notes.txt", "hello"u8.ToArray())]));

        var json = await ApiStories.JsonAsync(response);
        Assert.Equal(Kind.Null, json.GetProperty("face_limit").ValueKind);
        Assert.Equal(1, json.GetProperty("total_files").GetInt32());
        var rejected = json.GetProperty("rejected_files").EnumerateArray().ToList();
        Assert.Equal(["truncated.jpg", "notes.txt"], rejected.Select(r => r.GetProperty("filename").GetString()));
        foreach (var file in rejected)
        {
            ApiStories.HasShape(file, ("filename", Kind.String), ("reason", Kind.String));
        }

        await ApiStories.WaitForFinishAsync(factory, json);
    }

    [Fact]
    public async Task Nothing_usable_is_400_and_the_detail_says_why_per_file()
    {
        var script = await ApiStories.ScriptAsync(factory);

        var none = await script.PostAsync("/api/v1/upload", ApiStories.Form([]));
        var tooMany = await script.PostAsync("/api/v1/upload", ApiStories.Form(Enumerable.Repeat(Fixtures.File("apple.png"), ApiFactory.MaxFiles + 1)));
        var allBad = await script.PostAsync("/api/v1/upload", ApiStories.Form([Fixtures.File("truncated.jpg"), new FileField("notes.txt", "hello"u8.ToArray())]));
        var notMultipart = await script.PostAsync("/api/v1/upload", new StringContent("{}"));

        Assert.Contains("at least one", await ApiStories.DetailAsync(none, HttpStatusCode.BadRequest));
        Assert.Contains($"at most {ApiFactory.MaxFiles}", await ApiStories.DetailAsync(tooMany, HttpStatusCode.BadRequest));
        var detail = await ApiStories.DetailAsync(allBad, HttpStatusCode.BadRequest);
        Assert.Contains("truncated.jpg:", detail);
        Assert.Contains("notes.txt: Only JPEG and PNG", detail);
        await ApiStories.DetailAsync(notMultipart, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("many")]
    [InlineData("10")]
    [InlineData("1000000")]
    public async Task Face_limit_must_be_a_number_in_range(string faceLimit)
    {
        var script = await ApiStories.ScriptAsync(factory);

        var response = await script.PostAsync("/api/v1/upload", ApiStories.Form([Fixtures.File("apple.png")], new Dictionary<string, string> { ["face_limit"] = faceLimit }));

        Assert.Contains("face_limit", await ApiStories.DetailAsync(response, HttpStatusCode.BadRequest));
    }

    [Fact]
    public async Task Unknown_generator_is_400()
    {
        var script = await ApiStories.ScriptAsync(factory);

        var response = await script.PostAsync("/api/v1/upload", ApiStories.Form([Fixtures.File("apple.png")], new Dictionary<string, string> { ["generator"] = "nonesuch" }));

        Assert.Contains("generator", await ApiStories.DetailAsync(response, HttpStatusCode.BadRequest));
    }

    [Fact]
    public async Task Too_large_a_body_is_413()
    {
        var script = await ApiStories.ScriptAsync(factory);
        var huge = new FileField("huge.png", new byte[ApiFactory.MaxRequestBytes + 1024], "image/png");

        var response = await script.PostAsync("/api/v1/upload", ApiStories.Form([huge]));

        Assert.Contains("larger than", await ApiStories.DetailAsync(response, HttpStatusCode.RequestEntityTooLarge));
    }

    [Fact]
    public async Task Uploads_are_rate_limited_per_user_with_retry_after()
    {
        using var limited = new ApiFactory();
        limited.Settings["RateLimits:UploadsPerMinute"] = "1";
        limited.Settings["Conversions:RunOnThisNode"] = "false";
        var first = await ApiStories.ScriptAsync(limited);
        var second = await ApiStories.ScriptAsync(limited);

        var ok = await first.PostAsync("/api/v1/upload", ApiStories.Form([Fixtures.File("apple.png")]));
        var refused = await first.PostAsync("/api/v1/upload", ApiStories.Form([Fixtures.File("apple.png")]));
        var otherUser = await second.PostAsync("/api/v1/upload", ApiStories.Form([Fixtures.File("apple.png")]));

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Contains("Too many requests", await ApiStories.DetailAsync(refused, HttpStatusCode.TooManyRequests));
        Assert.True(int.Parse(refused.Headers.GetValues("Retry-After").Single()) > 0);
        Assert.Equal(HttpStatusCode.OK, otherUser.StatusCode);
    }
}
