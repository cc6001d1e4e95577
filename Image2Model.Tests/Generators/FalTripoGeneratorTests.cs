using System.Diagnostics;
using System.Text.Json;
using Image2Model.Site.Conversions;
using Image2Model.Tests.Fakes;

namespace Image2Model.Tests.Generators;

public sealed class FalTripoGeneratorTests : IAsyncLifetime
{
    private FakeFalServer _fal = null!;

    public async Task InitializeAsync() => _fal = await FakeFalServer.StartNewAsync();

    public async Task DisposeAsync() => await _fal.DisposeAsync();

    [Fact]
    public async Task Success_stores_the_exact_glb_and_sends_the_key_only_to_the_api()
    {
        using var host = RemoteGeneratorHost.ForFal(_fal);
        var context = new RecordingGenerationContext();

        var model = await host.Generator.GenerateAsync(
            RemoteGeneratorHost.Request(options: new GenerationOptions(FaceLimit: 10000, Texture: TextureQuality.HD, Pbr: true, Seed: 42)),
            context, CancellationToken.None);

        var job = Assert.Single(_fal.Jobs).Value;
        Assert.Equal(job.Glb, model.Glb);
        Assert.Equal(12, model.Triangles);
        Assert.Equal(FakeFalServer.PreviewBytes, model.PreviewImage);
        Assert.Equal(RemoteGeneratorHost.Photo, Assert.Single(_fal.Uploads).Value.Bytes);
        Assert.Equal("image/png", _fal.Uploads.Single().Value.ContentType);

        foreach (var call in _fal.Requests.Where(r => r.Endpoint is "initiate" or "submit" or "status" or "result"))
        {
            Assert.Equal("Key test-key", call.Authorization);
        }

        Assert.All(_fal.Requests.Where(r => r.Endpoint is "upload" or "file"), call => Assert.Null(call.Authorization));
        Assert.Equal(2, _fal.RequestsTo("file").Count);

        var submit = FakeFalServer.Parse(Assert.Single(_fal.RequestsTo("submit")));
        Assert.Equal(10000, submit.GetProperty("face_limit").GetInt32());
        Assert.Equal("HD", submit.GetProperty("texture").GetString());
        Assert.True(submit.GetProperty("pbr").GetBoolean());
        Assert.Equal(42, submit.GetProperty("seed").GetInt32());
        Assert.False(submit.TryGetProperty("style", out _));
        Assert.All(_fal.RequestsTo("status"), s => Assert.Contains("logs=1", s.Query));

        Assert.Equal(1, context.SaveCount);
        Assert.Contains(job.Id, context.SavedState);
        Assert.Contains(context.Progress, p => p.Message.Contains("FAL's queue"));
        Assert.Contains(context.Progress, p => p.Message.StartsWith("Tripo3D: Generating mesh"));
        Assert.True(context.Progress[^1].Percent >= 90);
    }

    [Fact]
    public async Task Auto_face_limit_and_no_texture_send_nothing_extra()
    {
        using var host = RemoteGeneratorHost.ForFal(_fal);

        await host.Generator.GenerateAsync(
            RemoteGeneratorHost.Request(options: new GenerationOptions(Texture: TextureQuality.None)), new RecordingGenerationContext(), CancellationToken.None);

        var submit = FakeFalServer.Parse(_fal.RequestsTo("submit").Single());
        Assert.False(submit.TryGetProperty("face_limit", out _));
        Assert.False(submit.TryGetProperty("seed", out _));
        Assert.False(submit.TryGetProperty("pbr", out _));
        Assert.Equal("no", submit.GetProperty("texture").GetString());
    }

    [Fact]
    public async Task Rate_limited_submit_waits_for_retry_after_then_succeeds()
    {
        _fal.Fail("submit", 1, FakeReply.Json(429, """{"detail":"Too many requests"}""", ("Retry-After", "1")));
        using var host = RemoteGeneratorHost.ForFal(_fal);
        var clock = Stopwatch.StartNew();

        var model = await host.Generator.GenerateAsync(RemoteGeneratorHost.Request(), new RecordingGenerationContext(), CancellationToken.None);

        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"only waited {clock.Elapsed}");
        Assert.Equal(2, _fal.RequestsTo("submit").Count);
        Assert.Equal(Assert.Single(_fal.Jobs).Value.Glb, model.Glb);
    }

    [Fact]
    public async Task Burst_of_503s_is_ridden_out()
    {
        var busy = """{"detail":"No runner available","error_type":"runner_scheduling_failure"}""";
        _fal.Fail("initiate", 2, FakeReply.Json(503, busy, ("X-Fal-Error-Type", "runner_scheduling_failure")));
        _fal.Fail("submit", 2, FakeReply.Json(503, "<html>bad gateway</html>"));
        _fal.Fail("status", 6, FakeReply.Json(503, busy, ("x-fal-request-id", "r"), ("X-Fal-Error-Type", "runner_scheduling_failure")));
        _fal.Fail("result", 2, FakeReply.Json(502, busy));
        using var host = RemoteGeneratorHost.ForFal(_fal);

        var model = await host.Generator.GenerateAsync(RemoteGeneratorHost.Request(), new RecordingGenerationContext(), CancellationToken.None);

        Assert.Equal(Assert.Single(_fal.Jobs).Value.Glb, model.Glb);
        Assert.Equal(3, _fal.RequestsTo("submit").Count);
    }

    [Fact]
    public async Task Submit_503_that_reached_fal_is_never_repeated()
    {
        _fal.Fail("submit", 1, FakeReply.Json(503, """{"detail":"Runner failed","error_type":"runner_scheduling_failure"}""", ("x-fal-request-id", "abc")));
        using var host = RemoteGeneratorHost.ForFal(_fal);

        var failure = await Assert.ThrowsAsync<GenerationFailedException>(() =>
            host.Generator.GenerateAsync(RemoteGeneratorHost.Request(), new RecordingGenerationContext(), CancellationToken.None));

        Assert.Single(_fal.RequestsTo("submit"));
        Assert.Contains("503", failure.Message);
    }

    [Fact]
    public async Task Validation_error_fails_at_once_with_the_message()
    {
        _fal.Fail("submit", 1, FakeReply.Json(422, """{"detail":[{"loc":["body","face_limit"],"msg":"ensure this value is greater than or equal to 1000","type":"value_error"}]}"""));
        using var host = RemoteGeneratorHost.ForFal(_fal);
        var context = new RecordingGenerationContext();

        var failure = await Assert.ThrowsAsync<GenerationFailedException>(() =>
            host.Generator.GenerateAsync(RemoteGeneratorHost.Request(options: new GenerationOptions(FaceLimit: 5)), context, CancellationToken.None));

        Assert.Equal("FAL rejected the request: face_limit: ensure this value is greater than or equal to 1000", failure.Message);
        Assert.Single(_fal.RequestsTo("submit"));
        Assert.Null(context.SavedState);
    }

    [Fact]
    public async Task Content_policy_fails_with_a_plain_message()
    {
        _fal.Outcome = FalOutcome.ContentPolicy;
        using var host = RemoteGeneratorHost.ForFal(_fal);

        var failure = await Assert.ThrowsAsync<GenerationFailedException>(() =>
            host.Generator.GenerateAsync(RemoteGeneratorHost.Request(), new RecordingGenerationContext(), CancellationToken.None));

        Assert.Equal("The image was refused by the provider's content policy.", failure.Message);
        Assert.Single(_fal.RequestsTo("result"));
    }

    [Fact]
    public async Task Content_policy_at_submit_fails_with_the_same_plain_message()
    {
        _fal.Fail("submit", 1, FakeReply.Json(422, """{"detail":[{"loc":["body","image_url"],"msg":"flagged","type":"content_policy_violation"}]}"""));
        using var host = RemoteGeneratorHost.ForFal(_fal);

        var failure = await Assert.ThrowsAsync<GenerationFailedException>(() =>
            host.Generator.GenerateAsync(RemoteGeneratorHost.Request(), new RecordingGenerationContext(), CancellationToken.None));

        Assert.Equal("The image was refused by the provider's content policy.", failure.Message);
    }

    [Fact]
    public async Task Completed_with_error_fails_with_the_reason()
    {
        _fal.Outcome = FalOutcome.ModelError;
        using var host = RemoteGeneratorHost.ForFal(_fal);

        var failure = await Assert.ThrowsAsync<GenerationFailedException>(() =>
            host.Generator.GenerateAsync(RemoteGeneratorHost.Request(), new RecordingGenerationContext(), CancellationToken.None));

        Assert.Equal("Tripo3D on FAL could not make a model from this image: Mesh generation failed: no object found in the image", failure.Message);
        Assert.Single(_fal.RequestsTo("result"));
    }

    [Fact]
    public async Task Result_download_404_fails_with_a_plain_message()
    {
        _fal.ResultFilesMissing = true;
        using var host = RemoteGeneratorHost.ForFal(_fal);

        var failure = await Assert.ThrowsAsync<GenerationFailedException>(() =>
            host.Generator.GenerateAsync(RemoteGeneratorHost.Request(), new RecordingGenerationContext(), CancellationToken.None));

        Assert.Equal("The finished model could not be downloaded from FAL: the file is gone (HTTP 404).", failure.Message);
        Assert.All(_fal.RequestsTo("file"), call => Assert.Null(call.Authorization));
    }

    [Fact]
    public async Task Not_a_glb_fails_with_a_plain_message()
    {
        _fal.Fail("file", 1, new FakeReply(200, "this is not a model"));
        using var host = RemoteGeneratorHost.ForFal(_fal);

        var failure = await Assert.ThrowsAsync<GenerationFailedException>(() =>
            host.Generator.GenerateAsync(RemoteGeneratorHost.Request(), new RecordingGenerationContext(), CancellationToken.None));

        Assert.Equal("The provider returned a file that is not a valid GLB model.", failure.Message);
    }

    [Fact]
    public async Task Queue_slower_than_the_deadline_times_out_and_cancels_the_request()
    {
        _fal.SlowQueue = true;
        using var host = RemoteGeneratorHost.ForFal(_fal, s => s["Generators:FalTripo:Deadline"] = "00:00:01");
        var context = new RecordingGenerationContext();

        var failure = await Assert.ThrowsAsync<GenerationFailedException>(() =>
            host.Generator.GenerateAsync(RemoteGeneratorHost.Request(), context, CancellationToken.None));

        Assert.Equal("Timed out after 1 second waiting for Tripo3D.", failure.Message);
        Assert.Contains(context.Progress, p => p.Message.Contains("FAL's queue"));
        var cancel = Assert.Single(_fal.RequestsTo("cancel"));
        Assert.Equal("PUT", cancel.Method);
    }

    [Fact]
    public async Task Circuit_breaker_opens_under_a_run_of_failures_and_other_conversions_fail_fast()
    {
        _fal.Fail("initiate", 1000, FakeReply.Json(500, """{"detail":"Internal Server Error"}"""));
        using var host = RemoteGeneratorHost.ForFal(_fal, s =>
        {
            s["Generators:FalTripo:Http:Retry:MaxRetryAttempts"] = "2";
            s["Generators:FalTripo:Http:CircuitBreaker:MinimumThroughput"] = "4";
            s["Generators:FalTripo:Http:CircuitBreaker:BreakDuration"] = "00:00:30";
        });

        var first = await Assert.ThrowsAsync<GenerationFailedException>(() =>
            host.Generator.GenerateAsync(RemoteGeneratorHost.Request(), new RecordingGenerationContext(), CancellationToken.None));
        Assert.Contains("HTTP 500", first.Message);

        var others = new List<GenerationFailedException>();
        for (var i = 0; i < 10; i++)
        {
            others.Add(await Assert.ThrowsAsync<GenerationFailedException>(() =>
                host.Generator.GenerateAsync(RemoteGeneratorHost.Request(), new RecordingGenerationContext(), CancellationToken.None)));
        }

        Assert.All(others.Skip(1), f => Assert.Equal("FAL is failing repeatedly right now, so calls to it are paused for a moment; try again in a few minutes.", f.Message));
        // Failing fast means not asking FAL at all: the ten later conversions sent nothing.
        Assert.InRange(_fal.RequestsTo("initiate").Count, 4, 6);
        Assert.Equal(0, _fal.SubmitCount);
    }

    [Fact]
    public async Task Resume_polls_the_saved_request_and_never_submits_again()
    {
        _fal.HoldInProgress = true;
        string saved;
        using (var first = RemoteGeneratorHost.ForFal(_fal))
        {
            using var stop = new CancellationTokenSource();
            var context = new RecordingGenerationContext();
            var running = first.Generator.GenerateAsync(RemoteGeneratorHost.Request(), context, stop.Token);
            saved = await context.StateSaved.WaitAsync(TimeSpan.FromSeconds(10));
            await context.WaitForMessageAsync("Tripo3D: Generating mesh", TimeSpan.FromSeconds(10));
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        }

        _fal.HoldInProgress = false;
        using var second = RemoteGeneratorHost.ForFal(_fal);
        var resumed = new RecordingGenerationContext();

        var model = await second.Generator.GenerateAsync(RemoteGeneratorHost.Request(resumeState: saved), resumed, CancellationToken.None);

        Assert.Equal(1, _fal.SubmitCount);
        var job = Assert.Single(_fal.Jobs).Value;
        Assert.Equal(job.Glb, model.Glb);
        Assert.All(_fal.RequestsTo("status"), s => Assert.Contains(job.Id, s.Path));
        Assert.Equal(0, resumed.SaveCount);
        Assert.Empty(_fal.RequestsTo("cancel"));
    }

    [Fact]
    public async Task Unreadable_resume_state_fails_without_submitting()
    {
        using var host = RemoteGeneratorHost.ForFal(_fal);

        var failure = await Assert.ThrowsAsync<GenerationFailedException>(() =>
            host.Generator.GenerateAsync(RemoteGeneratorHost.Request(resumeState: "{\"provider\":\"tripo\",\"taskId\":\"x\"}"), new RecordingGenerationContext(), CancellationToken.None));

        Assert.Contains("cannot be resumed", failure.Message);
        Assert.Empty(_fal.Requests);
    }

    [Fact]
    public async Task Cancel_sends_the_put_to_the_cancel_url_and_the_job_ends()
    {
        _fal.HoldInProgress = true;
        using var host = RemoteGeneratorHost.ForFal(_fal);
        var context = new RecordingGenerationContext();
        var running = host.Generator.GenerateAsync(RemoteGeneratorHost.Request(), context, CancellationToken.None);
        var saved = await context.StateSaved.WaitAsync(TimeSpan.FromSeconds(10));

        await host.Generator.CancelRemoteAsync(saved, CancellationToken.None);

        var cancel = Assert.Single(_fal.RequestsTo("cancel"));
        Assert.Equal("PUT", cancel.Method);
        Assert.Equal("Key test-key", cancel.Authorization);
        var id = JsonDocument.Parse(saved).RootElement.GetProperty("requestId").GetString()!;
        Assert.Equal($"/tripo3d/tripo/requests/{id}/cancel", cancel.Path);
        await Assert.ThrowsAsync<GenerationFailedException>(() => running.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Refused_key_fails_at_once_and_tells_the_admin()
    {
        using var host = RemoteGeneratorHost.ForFal(_fal, s => s["FAL_KEY"] = "wrong");

        var failure = await Assert.ThrowsAsync<GenerationFailedException>(() =>
            host.Generator.GenerateAsync(RemoteGeneratorHost.Request(), new RecordingGenerationContext(), CancellationToken.None));

        Assert.Contains("FAL_KEY", failure.Message);
        Assert.Single(_fal.RequestsTo("initiate"));
    }

    [Fact]
    public async Task Address_outside_fal_never_receives_the_key()
    {
        _fal.Fail("submit", 1, FakeReply.Json(200, """
            {"request_id":"r1","status":"IN_QUEUE","status_url":"https://evil.example/r1/status","response_url":"https://evil.example/r1","cancel_url":"https://evil.example/r1/cancel"}
            """));
        using var host = RemoteGeneratorHost.ForFal(_fal);

        var failure = await Assert.ThrowsAsync<GenerationFailedException>(() =>
            host.Generator.GenerateAsync(RemoteGeneratorHost.Request(), new RecordingGenerationContext(), CancellationToken.None));

        Assert.Contains("does not trust", failure.Message);
    }

    [Fact]
    public void Without_a_key_the_generator_is_hidden()
    {
        using var host = RemoteGeneratorHost.ForFal(_fal, s => s["FAL_KEY"] = null);

        Assert.False(host.Generator.IsConfigured);
        Assert.Equal("fal-tripo", host.Generator.Name);
        Assert.Equal(GeneratorFeatures.Texture | GeneratorFeatures.Pbr | GeneratorFeatures.Seed, host.Generator.Features);
    }
}
