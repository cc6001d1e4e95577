using Image2Model.Site.Conversions;
using Image2Model.Site.Generators.Remote;
using Image2Model.Tests.Fakes;
using Image2Model.Tests.Infrastructure;

namespace Image2Model.Tests.Generators;

public sealed class Hunyuan3DGeneratorTests : IAsyncLifetime
{
    private FakeHunyuan3DServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeHunyuan3DServer.StartNewAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Conversion_gives_the_exact_glb_the_server_made_with_the_options_mapped()
    {
        using var host = RemoteGeneratorHost.ForHunyuan3D(_server, s => s["Generators:Hunyuan3D:Preset"] = "quality");
        var context = new RecordingGenerationContext();

        var model = await host.Generator.GenerateAsync(
            RemoteGeneratorHost.Request(options: new GenerationOptions(FaceLimit: 20000, Texture: TextureQuality.Standard, Seed: 42)), context, CancellationToken.None);

        var job = Assert.Single(_server.Jobs).Value;
        Assert.Equal(job.Glb, model.Glb);
        Assert.Equal(10, model.Triangles);
        var send = FakeHunyuan3DServer.Parse(Assert.Single(_server.RequestsTo("send")));
        Assert.Equal(Convert.ToBase64String(RemoteGeneratorHost.Photo), send.GetProperty("image").GetString());
        Assert.True(send.GetProperty("texture").GetBoolean());
        Assert.Equal(42, send.GetProperty("seed").GetInt32());
        Assert.Equal(20000, send.GetProperty("face_count").GetInt32());
        Assert.Equal(30, send.GetProperty("num_inference_steps").GetInt32());
        Assert.Equal(384, send.GetProperty("octree_resolution").GetInt32());
        Assert.Equal(5.5, send.GetProperty("guidance_scale").GetDouble());
        Assert.Equal("glb", send.GetProperty("type").GetString());
        Assert.Contains(job.Uid, context.SavedState);
        Assert.All(_server.RequestsTo("status"), s => Assert.Equal($"/status/{job.Uid}", s.Path));
        Assert.All(_server.Requests, r => Assert.Null(r.Authorization));
    }

    [Fact]
    public async Task No_texture_auto_faces_and_no_seed_leave_the_server_its_defaults()
    {
        using var host = RemoteGeneratorHost.ForHunyuan3D(_server);

        await host.Generator.GenerateAsync(RemoteGeneratorHost.Request(options: new GenerationOptions(Texture: TextureQuality.None)), new RecordingGenerationContext(), CancellationToken.None);

        var send = FakeHunyuan3DServer.Parse(Assert.Single(_server.RequestsTo("send")));
        Assert.False(send.GetProperty("texture").GetBoolean());
        Assert.False(send.TryGetProperty("seed", out _));
        Assert.False(send.TryGetProperty("face_count", out _));
        Assert.Equal(20, send.GetProperty("num_inference_steps").GetInt32());
        Assert.Equal(256, send.GetProperty("octree_resolution").GetInt32());
    }

    [Fact]
    public async Task Worker_that_crashed_and_stays_processing_forever_is_caught_by_the_deadline()
    {
        _server.Crashed = true;
        using var host = RemoteGeneratorHost.ForHunyuan3D(_server, s => s["Generators:Hunyuan3D:Deadline"] = "00:00:01");

        var failure = await Assert.ThrowsAsync<GenerationFailedException>(() =>
            host.Generator.GenerateAsync(RemoteGeneratorHost.Request(), new RecordingGenerationContext(), CancellationToken.None));

        Assert.Equal("The Hunyuan3D server did not finish in 1 second; check its log.", failure.Message);
        Assert.Equal(1, _server.SendCount);
        Assert.True(_server.RequestsTo("status").Count >= 2);
    }

    [Fact]
    public void The_default_deadline_message_names_fifteen_minutes()
    {
        using var host = RemoteGeneratorHost.ForHunyuan3D(_server, s => s.Remove("Generators:Hunyuan3D:Deadline"));

        var options = host.Options<Image2Model.Site.Generators.Hunyuan3D.Hunyuan3DOptions>();

        Assert.Equal(TimeSpan.FromMinutes(15), options.Deadline);
    }

    [Fact]
    public async Task Error_answer_404_fails_with_a_plain_message_pointing_to_the_servers_log_and_is_not_sent_again()
    {
        _server.Fail("send", 1, FakeReply.Json(404, """{"text": "**NETWORK ERROR DUE TO HIGH TRAFFIC. PLEASE REGENERATE OR REFRESH THIS PAGE.**", "error_code": 1}"""));
        using var host = RemoteGeneratorHost.ForHunyuan3D(_server);

        var failure = await Assert.ThrowsAsync<GenerationFailedException>(() =>
            host.Generator.GenerateAsync(RemoteGeneratorHost.Request(), new RecordingGenerationContext(), CancellationToken.None));

        Assert.Equal("The Hunyuan3D server failed while making this model; its log says why. Try again, or try another photo.", failure.Message);
        Assert.Equal(1, _server.SendCount);
    }

    [Fact]
    public async Task Proxy_502_at_send_is_not_retried_so_there_is_exactly_one_send()
    {
        _server.Fail("send", 3, FakeReply.Json(502, "<html>Bad Gateway</html>"));
        using var host = RemoteGeneratorHost.ForHunyuan3D(_server);

        await Assert.ThrowsAsync<GenerationFailedException>(() =>
            host.Generator.GenerateAsync(RemoteGeneratorHost.Request(), new RecordingGenerationContext(), CancellationToken.None));

        Assert.Equal(1, _server.SendCount);
    }

    [Fact]
    public async Task Restart_in_the_middle_of_a_job_polls_the_saved_uid_and_never_sends_again()
    {
        _server.WorkPolls = int.MaxValue;
        string saved;
        using (var first = RemoteGeneratorHost.ForHunyuan3D(_server))
        {
            using var stop = new CancellationTokenSource();
            var context = new RecordingGenerationContext();
            var running = first.Generator.GenerateAsync(RemoteGeneratorHost.Request(), context, stop.Token);
            saved = await context.StateSaved.WaitAsync(TimeSpan.FromSeconds(10));
            await context.WaitForMessageAsync("working on it", TimeSpan.FromSeconds(10));
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        }

        _server.WorkPolls = 0;
        using var second = RemoteGeneratorHost.ForHunyuan3D(_server);
        var resumed = new RecordingGenerationContext();

        var model = await second.Generator.GenerateAsync(RemoteGeneratorHost.Request(resumeState: saved), resumed, CancellationToken.None);

        Assert.Equal(1, _server.SendCount);
        var job = Assert.Single(_server.Jobs).Value;
        Assert.Equal(job.Glb, model.Glb);
        Assert.Equal(0, resumed.SaveCount);
    }

    [Fact]
    public async Task Cancel_stops_polling_at_once_and_sends_nothing_the_server_does_not_have()
    {
        _server.WorkPolls = int.MaxValue;
        using var host = RemoteGeneratorHost.ForHunyuan3D(_server);
        using var cancel = new CancellationTokenSource();
        var context = new RecordingGenerationContext();
        var running = host.Generator.GenerateAsync(RemoteGeneratorHost.Request(), context, cancel.Token);
        var saved = await context.StateSaved.WaitAsync(TimeSpan.FromSeconds(10));
        var requestsBefore = _server.Requests.Count;

        await host.Generator.CancelRemoteAsync(saved, CancellationToken.None);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(TimeSpan.FromSeconds(5)));
        // api_server.py has no cancel call: nothing is sent for it, and the polling stops.
        var afterCancel = _server.Requests.Count;
        await Task.Delay(200);
        Assert.Equal(afterCancel, _server.Requests.Count);
        Assert.All(_server.Requests.Skip(requestsBefore), r => Assert.Equal("status", r.Endpoint));
        Assert.Equal(1, _server.SendCount);
    }

    [Fact]
    public async Task Proxy_header_goes_with_every_call_and_a_refused_one_tells_the_admin()
    {
        _server.ProxyAuthorization = "Bearer proxy-secret";
        using (var host = RemoteGeneratorHost.ForHunyuan3D(_server, s => s["HUNYUAN3D_AUTHORIZATION"] = "Bearer proxy-secret"))
        {
            await host.Generator.GenerateAsync(RemoteGeneratorHost.Request(), new RecordingGenerationContext(), CancellationToken.None);
            Assert.All(_server.Requests, r => Assert.Equal("Bearer proxy-secret", r.Authorization));
        }

        using var wrong = RemoteGeneratorHost.ForHunyuan3D(_server, s => s["Generators:Hunyuan3D:Authorization"] = "Bearer wrong");
        var failure = await Assert.ThrowsAsync<GenerationFailedException>(() =>
            wrong.Generator.GenerateAsync(RemoteGeneratorHost.Request(), new RecordingGenerationContext(), CancellationToken.None));
        Assert.Contains("Generators:Hunyuan3D:Authorization", failure.Message);
        Assert.DoesNotContain("wrong", failure.Message);
    }

    [Fact]
    public async Task Server_check_says_whether_the_server_answers()
    {
        using var up = RemoteGeneratorHost.ForHunyuan3D(_server);
        using var down = RemoteGeneratorHost.ForHunyuan3D(_server, s => s["Generators:Hunyuan3D:BaseUrl"] = "http://127.0.0.1:9/");

        Assert.Equal("Answers", await ((IServerCheck)up.Generator).CheckAsync(CancellationToken.None));
        Assert.StartsWith("Does not answer", await ((IServerCheck)down.Generator).CheckAsync(CancellationToken.None));
        Assert.Equal(0, _server.SendCount);
    }

    [Fact]
    public void Without_a_base_url_the_generator_is_hidden()
    {
        using var host = RemoteGeneratorHost.ForHunyuan3D(_server, s => s["Generators:Hunyuan3D:BaseUrl"] = null);

        Assert.False(host.Generator.IsConfigured);
        Assert.Equal(GeneratorFeatures.Texture | GeneratorFeatures.Seed, host.Generator.Features);
    }
}

/// <summary>Measures the process's allocations, so it runs with nothing beside it.</summary>
[Collection(MemoryMeasuringCollection.Name)]
public sealed class Hunyuan3DLargeModelTests
{
    [Fact]
    public async Task Slow_30_mb_answer_is_decoded_as_it_streams_in_to_the_exact_bytes()
    {
        await using var server = await FakeHunyuan3DServer.StartNewAsync();
        // 22.5 MB of GLB: 30 MB of base64 in the status answer, sent in 1 MB slices over about 1.5 s.
        server.ModelFile = TestGlb.Create(470_000, "big");
        server.WorkPolls = 0;
        server.SliceDelay = TimeSpan.FromMilliseconds(50);
        using var host = RemoteGeneratorHost.ForHunyuan3D(server);
        var before = GC.GetTotalAllocatedBytes(precise: true);

        var model = await host.Generator.GenerateAsync(RemoteGeneratorHost.Request(), new RecordingGenerationContext(), CancellationToken.None);

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.Equal(server.ModelFile, model.Glb);
        Assert.Equal(470_000, model.Triangles);
        // Reading it as a string and a JSON document first would allocate ten times the model. The
        // count is the whole process's (the fake server's sending included), so leave some room.
        Assert.True(allocated < 5L * model.Glb.Length, $"allocated {allocated / (1024 * 1024)} MB for a {model.Glb.Length / (1024 * 1024)} MB model");
    }
}
