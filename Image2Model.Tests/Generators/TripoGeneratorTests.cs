using System.Diagnostics;
using System.Text.Json;
using Image2Model.Site.Conversions;
using Image2Model.Tests.Fakes;

namespace Image2Model.Tests.Generators;

public sealed class TripoGeneratorTests : IAsyncLifetime
{
    private FakeTripoServer _tripo = null!;

    public async Task InitializeAsync() => _tripo = await FakeTripoServer.StartNewAsync();

    public async Task DisposeAsync() => await _tripo.DisposeAsync();

    private Task<GeneratedModel> Generate(RemoteGeneratorHost host, GenerationOptions? options = null, RecordingGenerationContext? context = null) =>
        host.Generator.GenerateAsync(RemoteGeneratorHost.Request(options: options), context ?? new RecordingGenerationContext(), CancellationToken.None);

    [Fact]
    public async Task Success_stores_the_exact_glb_and_sends_the_key_only_to_the_api()
    {
        using var host = RemoteGeneratorHost.ForTripo(_tripo);
        var context = new RecordingGenerationContext();

        var model = await Generate(host, new GenerationOptions(FaceLimit: 20000, Texture: TextureQuality.HD, Pbr: true, Seed: 7), context);

        var task = Assert.Single(_tripo.Tasks).Value;
        Assert.Equal(task.Glb, model.Glb);
        Assert.Equal(20, model.Triangles);
        Assert.Equal(FakeFalServer.PreviewBytes, model.PreviewImage);
        Assert.Equal(RemoteGeneratorHost.Photo, Assert.Single(_tripo.Uploads).Value);
        Assert.All(_tripo.Requests.Where(r => r.Endpoint != "file"), call => Assert.Equal("Bearer test-key", call.Authorization));
        Assert.All(_tripo.RequestsTo("file"), call => Assert.Null(call.Authorization));

        var body = JsonDocument.Parse(Assert.Single(_tripo.RequestsTo("task")).Body).RootElement;
        Assert.Equal("image_to_model", body.GetProperty("type").GetString());
        Assert.Equal("v2.5-20250123", body.GetProperty("model_version").GetString());
        Assert.Equal("png", body.GetProperty("file").GetProperty("type").GetString());
        Assert.True(body.GetProperty("texture").GetBoolean());
        Assert.True(body.GetProperty("pbr").GetBoolean());
        Assert.Equal(20000, body.GetProperty("face_limit").GetInt32());
        Assert.Equal("detailed", body.GetProperty("texture_quality").GetString());
        Assert.Equal(7, body.GetProperty("model_seed").GetInt32());

        Assert.Equal(1, context.SaveCount);
        Assert.Contains(task.Id, context.SavedState);
        Assert.Contains(context.Progress, p => p.Message.StartsWith("Tripo3D is building the model (33 %"));
    }

    [Fact]
    public async Task Rate_limit_on_create_waits_for_retry_after_then_succeeds()
    {
        var limited = FakeTripoServer.Error(429, 2000, "You have exceeded the limit of generation");
        _tripo.Fail("task", 1, limited with { Headers = new Dictionary<string, string>(limited.Headers!) { ["Retry-After"] = "1" } });
        using var host = RemoteGeneratorHost.ForTripo(_tripo);
        var clock = Stopwatch.StartNew();

        var model = await Generate(host);

        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"only waited {clock.Elapsed}");
        Assert.Equal(2, _tripo.SubmitCount);
        Assert.Equal(Assert.Single(_tripo.Tasks).Value.Glb, model.Glb);
    }

    [Fact]
    public async Task Burst_of_503s_is_ridden_out()
    {
        _tripo.Fail("upload", 2, FakeTripoServer.Error(503, 5000, "Service busy"));
        _tripo.Fail("task", 2, FakeReply.Json(503, "<html>Service Unavailable</html>"));
        _tripo.Fail("status", 7, FakeTripoServer.Error(503, 5000, "Service busy"));
        using var host = RemoteGeneratorHost.ForTripo(_tripo);

        var model = await Generate(host);

        Assert.Equal(Assert.Single(_tripo.Tasks).Value.Glb, model.Glb);
        Assert.Equal(3, _tripo.SubmitCount);
    }

    [Fact]
    public async Task Create_503_that_reached_tripo_is_never_repeated()
    {
        _tripo.Fail("task", 1, FakeTripoServer.Error(503, 5000, "Internal error"));
        using var host = RemoteGeneratorHost.ForTripo(_tripo);

        await Assert.ThrowsAsync<GenerationFailedException>(() => Generate(host));

        Assert.Equal(1, _tripo.SubmitCount);
    }

    [Fact]
    public async Task Invalid_request_fails_at_once_with_the_message()
    {
        _tripo.Fail("task", 1, FakeTripoServer.Error(400, 1004, "face_limit must be between 1000 and 50000"));
        using var host = RemoteGeneratorHost.ForTripo(_tripo);

        var failure = await Assert.ThrowsAsync<GenerationFailedException>(() => Generate(host, new GenerationOptions(FaceLimit: 5)));

        Assert.Equal("Tripo rejected the request: face_limit must be between 1000 and 50000", failure.Message);
        Assert.Equal(1, _tripo.SubmitCount);
    }

    [Theory]
    [InlineData(400, 2008, "The image was refused by the provider's content policy.")]
    [InlineData(403, 2010, "The Tripo account has no credits left; an administrator needs to top it up.")]
    [InlineData(400, 2004, "Tripo could not use this image: it is empty or in a format it does not support.")]
    public async Task Final_error_codes_fail_at_once_with_a_plain_message(int status, int code, string expected)
    {
        _tripo.Fail("task", 1, FakeTripoServer.Error(status, code, "refused"));
        using var host = RemoteGeneratorHost.ForTripo(_tripo);

        var failure = await Assert.ThrowsAsync<GenerationFailedException>(() => Generate(host));

        Assert.Equal(expected, failure.Message);
        Assert.Equal(1, _tripo.SubmitCount);
    }

    [Theory]
    [InlineData("banned", "The image was refused by the provider's content policy.")]
    [InlineData("failed", "Tripo3D could not make a model from this image.")]
    [InlineData("expired", "The job expired at Tripo before it finished; retry the conversion.")]
    public async Task Task_ending_without_a_model_fails_with_a_plain_message(string status, string expected)
    {
        _tripo.FinalStatus = status;
        using var host = RemoteGeneratorHost.ForTripo(_tripo);

        var failure = await Assert.ThrowsAsync<GenerationFailedException>(() => Generate(host));

        Assert.Equal(expected, failure.Message);
    }

    [Fact]
    public async Task Result_download_404_fails_with_a_plain_message()
    {
        _tripo.ResultFilesMissing = true;
        using var host = RemoteGeneratorHost.ForTripo(_tripo);

        var failure = await Assert.ThrowsAsync<GenerationFailedException>(() => Generate(host));

        Assert.Equal("The finished model could not be downloaded from Tripo: the file is gone (HTTP 404).", failure.Message);
    }

    [Fact]
    public async Task Refused_key_fails_at_once_and_tells_the_admin()
    {
        using var host = RemoteGeneratorHost.ForTripo(_tripo, s => s["TRIPO_API_KEY"] = "tsk_wrong");

        var failure = await Assert.ThrowsAsync<GenerationFailedException>(() => Generate(host));

        Assert.Contains("TRIPO_API_KEY", failure.Message);
        Assert.Single(_tripo.Requests);
    }

    [Fact]
    public async Task Slow_task_times_out()
    {
        _tripo.HoldRunning = true;
        using var host = RemoteGeneratorHost.ForTripo(_tripo, s => s["Generators:Tripo:Deadline"] = "00:00:01");

        var failure = await Assert.ThrowsAsync<GenerationFailedException>(() => Generate(host));

        Assert.Equal("Timed out after 1 second waiting for Tripo3D.", failure.Message);
    }

    [Fact]
    public async Task Circuit_breaker_opens_under_a_run_of_failures_and_other_conversions_fail_fast()
    {
        _tripo.Fail("upload", 1000, FakeTripoServer.Error(500, 5000, "Internal error"));
        using var host = RemoteGeneratorHost.ForTripo(_tripo, s =>
        {
            s["Generators:Tripo:Http:Retry:MaxRetryAttempts"] = "2";
            s["Generators:Tripo:Http:CircuitBreaker:MinimumThroughput"] = "4";
            s["Generators:Tripo:Http:CircuitBreaker:BreakDuration"] = "00:00:30";
        });

        await Assert.ThrowsAsync<GenerationFailedException>(() => Generate(host));
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 10; i++)
        {
            await Assert.ThrowsAsync<GenerationFailedException>(() => Generate(host));
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
        Assert.InRange(_tripo.RequestsTo("upload").Count, 4, 6);
    }

    [Fact]
    public async Task Resume_polls_the_saved_task_and_never_submits_again()
    {
        _tripo.HoldRunning = true;
        string saved;
        using (var first = RemoteGeneratorHost.ForTripo(_tripo))
        {
            using var stop = new CancellationTokenSource();
            var context = new RecordingGenerationContext();
            var running = first.Generator.GenerateAsync(RemoteGeneratorHost.Request(), context, stop.Token);
            saved = await context.StateSaved.WaitAsync(TimeSpan.FromSeconds(10));
            await context.WaitForMessageAsync("building the model", TimeSpan.FromSeconds(10));
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        }

        _tripo.HoldRunning = false;
        using var second = RemoteGeneratorHost.ForTripo(_tripo);
        var resumed = new RecordingGenerationContext();

        var model = await second.Generator.GenerateAsync(RemoteGeneratorHost.Request(resumeState: saved), resumed, CancellationToken.None);

        Assert.Equal(1, _tripo.SubmitCount);
        Assert.Single(_tripo.RequestsTo("upload"));
        Assert.Equal(Assert.Single(_tripo.Tasks).Value.Glb, model.Glb);
        Assert.Equal(0, resumed.SaveCount);
    }

    [Fact]
    public async Task Cancel_sends_nothing_because_tripo_has_no_cancel_call()
    {
        using var host = RemoteGeneratorHost.ForTripo(_tripo);

        await host.Generator.CancelRemoteAsync("""{"provider":"tripo","taskId":"t1","submittedAt":"2025-01-01T00:00:00Z"}""", CancellationToken.None);

        Assert.Empty(_tripo.Requests);
    }

    [Fact]
    public void Without_a_key_the_generator_is_hidden()
    {
        using var host = RemoteGeneratorHost.ForTripo(_tripo, s => s["TRIPO_API_KEY"] = "");

        Assert.False(host.Generator.IsConfigured);
        Assert.Equal("tripo", host.Generator.Name);
    }
}
