using System.Net;
using System.Net.Http.Headers;
using Image2Model.Tests.Infrastructure;
using Kind = System.Text.Json.JsonValueKind;

namespace Image2Model.Tests.Api;

public sealed class StatusAndDownloadApiTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Finished_job_reports_status_progress_and_downloads_by_signed_link_without_a_header()
    {
        var script = await ApiStories.ScriptAsync(factory);
        var upload = await ApiStories.UploadAsync(script, "apple.png", "horse.png");
        var (taskId, jobId) = (upload.GetProperty("task_id").GetString(), upload.GetProperty("job_id").GetString());
        await ApiStories.WaitForFinishAsync(factory, upload);

        var status = await ApiStories.JsonAsync(await script.GetAsync($"/api/v1/status/tasks/{taskId}"));
        ApiStories.HasShape(status, ("task_id", Kind.String), ("job_id", Kind.String), ("status", Kind.String), ("progress", Kind.Number),
            ("current", Kind.Number), ("total", Kind.Number), ("message", Kind.String));
        Assert.Equal(taskId, status.GetProperty("task_id").GetString());
        Assert.Equal(jobId, status.GetProperty("job_id").GetString());
        Assert.Equal("completed", status.GetProperty("status").GetString());
        Assert.Equal(100, status.GetProperty("progress").GetInt32());
        Assert.Equal(2, status.GetProperty("current").GetInt32());
        Assert.Equal(2, status.GetProperty("total").GetInt32());

        var progress = await ApiStories.JsonAsync(await script.GetAsync($"/api/v1/status/jobs/{jobId}/progress"));
        ApiStories.HasShape(progress, ("job_id", Kind.String), ("files", Kind.Array));
        foreach (var file in progress.GetProperty("files").EnumerateArray())
        {
            ApiStories.HasShape(file, ("file_id", Kind.String), ("filename", Kind.String), ("status", Kind.String), ("progress", Kind.Number), ("message", Kind.String));
            Assert.Equal("completed", file.GetProperty("status").GetString());
            Assert.Equal(100, file.GetProperty("progress").GetInt32());
        }

        var list = await ApiStories.JsonAsync(await script.GetAsync($"/api/v1/download/{jobId}/all"));
        ApiStories.HasShape(list, ("job_id", Kind.String), ("total_files", Kind.Number), ("files", Kind.Array), ("download_urls", Kind.Array));
        Assert.Equal(2, list.GetProperty("total_files").GetInt32());
        var files = list.GetProperty("files").EnumerateArray().ToList();
        var urls = list.GetProperty("download_urls").EnumerateArray().Select(u => u.GetString()!).ToList();
        Assert.Equal(files.Count, urls.Count);
        Assert.Equal(["apple.glb", "horse.glb"], files.Select(f => f.GetProperty("filename").GetString()));
        var anonymous = ApiStories.Script(factory, null);
        for (var i = 0; i < files.Count; i++)
        {
            var file = files[i];
            ApiStories.HasShape(file, ("file_id", Kind.String), ("filename", Kind.String), ("size", Kind.Number), ("mime_type", Kind.String),
                ("created_time", Kind.String), ("status", Kind.String), ("rendered_image", file.GetProperty("rendered_image").ValueKind == Kind.Null ? Kind.Null : Kind.Object));
            Assert.Equal("model/gltf-binary", file.GetProperty("mime_type").GetString());
            Assert.True(DateTimeOffset.TryParse(file.GetProperty("created_time").GetString(), out _));
            Assert.Equal("completed", file.GetProperty("status").GetString());

            var url = new Uri(urls[i]);
            Assert.True(url.IsAbsoluteUri);
            Assert.EndsWith($"/api/v1/download/{jobId}/{file.GetProperty("filename").GetString()}", url.AbsolutePath);
            var glb = await anonymous.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, glb.StatusCode);
            Assert.Equal("model/gltf-binary", glb.Content.Headers.ContentType?.MediaType);
            Assert.Equal("attachment", glb.Content.Headers.ContentDisposition?.DispositionType);
            Assert.Equal(file.GetProperty("filename").GetString(), glb.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
            var bytes = await glb.Content.ReadAsByteArrayAsync();
            Assert.Equal("glTF"u8.ToArray(), bytes[..4]);
            Assert.Equal(file.GetProperty("size").GetInt64(), bytes.Length);

            if (file.GetProperty("rendered_image").ValueKind == Kind.Object)
            {
                ApiStories.HasShape(file.GetProperty("rendered_image"), ("url", Kind.String));
                var image = await anonymous.GetAsync(file.GetProperty("rendered_image").GetProperty("url").GetString());
                Assert.Equal(HttpStatusCode.OK, image.StatusCode);
                Assert.Equal("image/png", image.Content.Headers.ContentType?.MediaType);
            }
        }

        // The owner's token opens the file by name too.
        var byToken = await script.GetAsync($"/api/v1/download/{jobId}/apple.glb");
        Assert.Equal(HttpStatusCode.OK, byToken.StatusCode);
        Assert.Equal("attachment", byToken.Content.Headers.ContentDisposition?.DispositionType);
    }

    [Fact]
    public async Task Another_users_token_gets_404_for_your_job()
    {
        var owner = await ApiStories.ScriptAsync(factory);
        var upload = await ApiStories.UploadAsync(owner, "apple.png");
        var (taskId, jobId) = (upload.GetProperty("task_id").GetString(), upload.GetProperty("job_id").GetString());
        await ApiStories.WaitForFinishAsync(factory, upload);
        var stranger = await ApiStories.ScriptAsync(factory);

        Assert.Equal("Task not found", await ApiStories.DetailAsync(await stranger.GetAsync($"/api/v1/status/tasks/{taskId}"), HttpStatusCode.NotFound));
        Assert.Equal("Job not found", await ApiStories.DetailAsync(await stranger.GetAsync($"/api/v1/status/jobs/{jobId}/progress"), HttpStatusCode.NotFound));
        Assert.Equal("Job not found", await ApiStories.DetailAsync(await stranger.GetAsync($"/api/v1/download/{jobId}/all"), HttpStatusCode.NotFound));
        await ApiStories.DetailAsync(await stranger.GetAsync($"/api/v1/download/{jobId}/apple.glb"), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync($"/api/v1/download/{jobId}/apple.glb")).StatusCode);
    }

    [Theory]
    [InlineData("/api/v1/status/tasks/{0}", "Task not found")]
    [InlineData("/api/v1/status/tasks/not-a-uuid", "Task not found")]
    [InlineData("/api/v1/status/jobs/{0}/progress", "Job not found")]
    [InlineData("/api/v1/status/jobs/not-a-uuid/progress", "Job not found")]
    [InlineData("/api/v1/download/{0}/all", "Job not found")]
    [InlineData("/api/v1/download/not-a-uuid/all", "Job not found")]
    [InlineData("/api/v1/download/{0}/model.glb", "File not found")]
    public async Task Unknown_ids_are_404_with_a_detail(string url, string detail)
    {
        var script = await ApiStories.ScriptAsync(factory);

        var response = await script.GetAsync(string.Format(url, Guid.NewGuid()));

        Assert.Equal(detail, await ApiStories.DetailAsync(response, HttpStatusCode.NotFound));
    }

    [Fact]
    public async Task Tampered_or_missing_signature_is_404_and_a_wrong_token_is_401()
    {
        var script = await ApiStories.ScriptAsync(factory);
        var upload = await ApiStories.UploadAsync(script, "apple.png");
        await ApiStories.WaitForFinishAsync(factory, upload);
        var url = (await ApiStories.JsonAsync(await script.GetAsync($"/api/v1/download/{upload.GetProperty("job_id").GetString()}/all")))
            .GetProperty("download_urls")[0].GetString()!;
        var anonymous = ApiStories.Script(factory, null);
        var signature = url[(url.IndexOf("sig=", StringComparison.Ordinal) + 4)..];
        var flipped = signature[..^2] + (signature[^2] == 'A' ? 'B' : 'A') + signature[^1];

        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(url)).StatusCode);
        await ApiStories.DetailAsync(await anonymous.GetAsync(url.Replace(signature, flipped)), HttpStatusCode.NotFound);
        await ApiStories.DetailAsync(await anonymous.GetAsync(url.Replace(signature, "garbage!")), HttpStatusCode.NotFound);
        await ApiStories.DetailAsync(await anonymous.GetAsync(url[..url.IndexOf('?')]), HttpStatusCode.NotFound);
        // A link for one file does not open another: the signature names the file.
        var other = await ApiStories.UploadAsync(script, "horse.png");
        await ApiStories.WaitForFinishAsync(factory, other);
        await ApiStories.DetailAsync(await anonymous.GetAsync($"/api/v1/download/{other.GetProperty("job_id").GetString()}/horse.glb?sig={signature}"), HttpStatusCode.NotFound);
        var wrongToken = new HttpRequestMessage(HttpMethod.Get, url);
        wrongToken.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "i2m_wrong");
        await ApiStories.DetailAsync(await anonymous.SendAsync(wrongToken), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Expired_signed_link_is_404()
    {
        using var shortLived = new ApiFactory();
        shortLived.Settings["Api:DownloadLinkLifetime"] = "00:00:01";
        var script = await ApiStories.ScriptAsync(shortLived);
        var upload = await ApiStories.UploadAsync(script, "apple.png");
        await ApiStories.WaitForFinishAsync(shortLived, upload);
        var url = (await ApiStories.JsonAsync(await script.GetAsync($"/api/v1/download/{upload.GetProperty("job_id").GetString()}/all")))
            .GetProperty("download_urls")[0].GetString()!;

        await Task.Delay(TimeSpan.FromSeconds(1.5));

        await ApiStories.DetailAsync(await ApiStories.Script(shortLived, null).GetAsync(url), HttpStatusCode.NotFound);
    }
}
