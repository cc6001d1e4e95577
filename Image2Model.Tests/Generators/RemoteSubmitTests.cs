using Image2Model.Site.Conversions;
using Image2Model.Tests.Fakes;

namespace Image2Model.Tests.Generators;

/// <summary>A billed submit is never repeated by accident: the rules the remote-generator skeleton enforces for every provider.</summary>
public sealed class RemoteSubmitTests : IAsyncLifetime
{
    private FakeFalServer _fal = null!;
    private FakeTripoServer _tripo = null!;

    public async Task InitializeAsync()
    {
        _fal = await FakeFalServer.StartNewAsync();
        _tripo = await FakeTripoServer.StartNewAsync();
    }

    public async Task DisposeAsync()
    {
        await _fal.DisposeAsync();
        await _tripo.DisposeAsync();
    }

    [Fact]
    public async Task The_submit_in_flight_is_recorded_before_the_request_leaves()
    {
        using var host = RemoteGeneratorHost.ForFal(_fal);
        var context = new RecordingGenerationContext();
        IReadOnlyList<string?>? phasesAtSubmit = null;
        _fal.BeforeAnswer = endpoint =>
        {
            if (endpoint == "submit")
            {
                phasesAtSubmit = context.Phases;
            }

            return Task.CompletedTask;
        };

        await host.Generator.GenerateAsync(RemoteGeneratorHost.Request(), context, CancellationToken.None);

        Assert.Equal(["submitting"], phasesAtSubmit);
        Assert.Equal(["submitting", "submitted", "finished"], context.Phases);
    }

    [Fact]
    public async Task Conversion_stopped_during_the_submit_still_saves_the_job_the_provider_created()
    {
        using var host = RemoteGeneratorHost.ForFal(_fal);
        var context = new RecordingGenerationContext();
        using var stop = new CancellationTokenSource();
        _fal.BeforeAnswer = async endpoint =>
        {
            if (endpoint == "submit")
            {
                // A shutdown or a cancel arrives while FAL is creating the job.
                await stop.CancelAsync();
                await Task.Delay(300);
            }
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            host.Generator.GenerateAsync(RemoteGeneratorHost.Request(), context, stop.Token));

        var job = Assert.Single(_fal.Jobs).Value;
        Assert.Contains(job.Id, context.SavedState);
        Assert.Equal(1, _fal.SubmitCount);
    }

    [Fact]
    public async Task Conversion_canceled_during_the_submit_cancels_the_job_the_provider_then_names()
    {
        using var host = RemoteGeneratorHost.ForFal(_fal);
        var context = new RecordingGenerationContext();
        _fal.BeforeAnswer = endpoint =>
        {
            if (endpoint == "submit")
            {
                // Canceled, maybe on another node, while FAL is creating the job: nobody else knows its id.
                context.NoLongerOurs = true;
            }

            return Task.CompletedTask;
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            host.Generator.GenerateAsync(RemoteGeneratorHost.Request(), context, CancellationToken.None));

        var job = Assert.Single(_fal.Jobs).Value;
        Assert.Equal(1, _fal.SubmitCount);
        Assert.Equal($"/tripo3d/tripo/requests/{job.Id}/cancel", Assert.Single(_fal.RequestsTo("cancel")).Path);
        Assert.Empty(_fal.RequestsTo("status"));
    }

    [Fact]
    public async Task Conversion_canceled_during_the_upload_is_never_submitted()
    {
        using var host = RemoteGeneratorHost.ForFal(_fal);
        var context = new RecordingGenerationContext();
        _fal.BeforeAnswer = endpoint =>
        {
            if (endpoint == "upload")
            {
                context.NoLongerOurs = true;
            }

            return Task.CompletedTask;
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            host.Generator.GenerateAsync(RemoteGeneratorHost.Request(), context, CancellationToken.None));

        Assert.Equal(0, _fal.SubmitCount);
        Assert.Empty(_fal.RequestsTo("cancel"));
    }

    [Fact]
    public async Task Submit_that_never_answers_fails_plainly_after_its_own_timeout_and_is_not_repeated()
    {
        using var host = RemoteGeneratorHost.ForTripo(_tripo, s => s["Generators:Tripo:SubmitTimeout"] = "00:00:00.500");
        using var release = new CancellationTokenSource();
        _tripo.BeforeAnswer = endpoint => endpoint == "task" ? Task.Delay(TimeSpan.FromSeconds(30), release.Token).ContinueWith(_ => { }) : Task.CompletedTask;
        var context = new RecordingGenerationContext();

        var failure = await Assert.ThrowsAsync<GenerationFailedException>(() =>
            host.Generator.GenerateAsync(RemoteGeneratorHost.Request(), context, CancellationToken.None));
        await release.CancelAsync();

        Assert.Equal("Tripo may have started this job, but its answer never arrived, so it was not sent a second time. Try again to start a new one.", failure.Message);
        Assert.Equal(1, _tripo.SubmitCount);
        Assert.Equal(["submitting"], context.Phases);
    }

    [Fact]
    public async Task Attempt_that_died_during_the_submit_is_not_submitted_again_on_resume()
    {
        string inFlight;
        using (var first = RemoteGeneratorHost.ForFal(_fal))
        {
            var context = new RecordingGenerationContext();
            await first.Generator.GenerateAsync(RemoteGeneratorHost.Request(), context, CancellationToken.None);
            inFlight = context.States[0];
        }

        using var second = RemoteGeneratorHost.ForFal(_fal);
        var failure = await Assert.ThrowsAsync<GenerationFailedException>(() =>
            second.Generator.GenerateAsync(RemoteGeneratorHost.Request(resumeState: inFlight), new RecordingGenerationContext(), CancellationToken.None));

        Assert.Contains("may have started this job", failure.Message);
        Assert.EndsWith("Try again to start a new one.", failure.Message);
        Assert.Equal(1, _fal.SubmitCount);
    }

    [Fact]
    public async Task A_finished_job_is_fetched_again_from_its_saved_state_without_a_submit()
    {
        using var host = RemoteGeneratorHost.ForTripo(_tripo);
        var context = new RecordingGenerationContext();
        await host.Generator.GenerateAsync(RemoteGeneratorHost.Request(), context, CancellationToken.None);
        var finished = context.States[^1];
        Assert.Contains(ResumeStates.FinishedAtProvider, finished);

        var again = new RecordingGenerationContext();
        var model = await host.Generator.GenerateAsync(RemoteGeneratorHost.Request(resumeState: finished), again, CancellationToken.None);

        Assert.Equal(Assert.Single(_tripo.Tasks).Value.Glb, model.Glb);
        Assert.Equal(1, _tripo.SubmitCount);
        // Only one free second fetch: after that, Try again starts a new job.
        Assert.Equal(["refetched"], again.Phases);
        Assert.DoesNotContain(ResumeStates.FinishedAtProvider, again.States[0]);
    }

    [Fact]
    public async Task A_job_saved_before_the_skeleton_existed_still_resumes()
    {
        using var host = RemoteGeneratorHost.ForTripo(_tripo);
        await host.Generator.GenerateAsync(RemoteGeneratorHost.Request(), new RecordingGenerationContext(), CancellationToken.None);
        var task = Assert.Single(_tripo.Tasks).Value;
        var legacy = $$"""{"provider":"tripo","taskId":"{{task.Id}}","submittedAt":"{{DateTimeOffset.UtcNow:O}}"}""";

        var model = await host.Generator.GenerateAsync(RemoteGeneratorHost.Request(resumeState: legacy), new RecordingGenerationContext(), CancellationToken.None);

        Assert.Equal(task.Glb, model.Glb);
        Assert.Equal(1, _tripo.SubmitCount);
    }

    [Fact]
    public async Task Json_bodies_go_out_with_content_length_to_a_server_that_refuses_chunked_ones()
    {
        _fal.RequireContentLength = true;
        using var host = RemoteGeneratorHost.ForFal(_fal);

        var model = await host.Generator.GenerateAsync(RemoteGeneratorHost.Request(), new RecordingGenerationContext(), CancellationToken.None);

        Assert.Equal(Assert.Single(_fal.Jobs).Value.Glb, model.Glb);
        var submit = Assert.Single(_fal.RequestsTo("submit"));
        Assert.Equal(submit.Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), submit.Headers["Content-Length"]);
    }
}
