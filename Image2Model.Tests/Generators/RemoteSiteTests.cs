using AngleSharp.Html.Dom;
using Image2Model.Site.Conversions;
using Image2Model.Site.Storage;
using Image2Model.Tests.Fakes;
using Image2Model.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Image2Model.Tests.Generators;

/// <summary>The fal-tripo generator inside the whole site: dispatcher, runner, database, batch page.</summary>
public sealed class RemoteSiteTests : IAsyncLifetime
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("image2model-remote-").FullName;
    private FakeFalServer _fal = null!;

    public async Task InitializeAsync() => _fal = await FakeFalServer.StartNewAsync();

    public async Task DisposeAsync()
    {
        await _fal.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A site whose database is a SQLite file in <see cref="_dataDirectory"/>, so a second site can open it after the first stopped.</summary>
    private SiteFactory Site(bool onFile = true)
    {
        var site = new SiteFactory();
        if (onFile)
        {
            site.Settings["ConnectionStrings:Default"] = $"Data Source={Path.Combine(_dataDirectory, "image2model.db")}";
            site.Settings["Storage:DataDirectory"] = _dataDirectory;
        }

        site.Settings["Conversions:ShutdownGracePeriod"] = "00:00:00.500";
        foreach (var (key, value) in RemoteGeneratorHost.FastSettings("Generators:FalTripo"))
        {
            site.Settings[key] = value;
        }

        site.Settings["FAL_KEY"] = FakeServer.Key;
        site.Settings["Generators:FalTripo:QueueUrl"] = _fal.Root.ToString();
        site.Settings["Generators:FalTripo:RestUrl"] = _fal.Root.ToString();
        site.Settings["Generators:FalTripo:Deadline"] = "00:01:00";
        return site;
    }

    private static readonly Dictionary<string, string> FalTripo = new() { ["Input.Generator"] = "fal-tripo" };

    [Fact]
    public async Task Site_restarted_while_fal_is_working_finishes_the_conversion_without_a_second_submit()
    {
        _fal.HoldInProgress = true;
        Guid batchId;
        using (var first = Site())
        {
            var client = await UserStories.SignedInUserAsync(first);
            batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(client, [Fixtures.File("apple.png")], FalTripo));
            await Waiting.UntilAsync(() => _fal.Jobs.Values.Any(j => j.StatusPolls > _fal.QueuePolls + 1), "FAL to report IN_PROGRESS");
            await using var db = first.CreateDbContext();
            var running = await db.Conversions.AsNoTracking().SingleAsync(c => c.BatchId == batchId);
            Assert.Equal(ConversionState.Running, running.State);
            Assert.Contains(_fal.Jobs.Keys.Single(), running.ResumeState);
        }

        _fal.HoldInProgress = false;
        using var second = Site();
        _ = second.Services; // starts the host: its dispatcher picks the conversion up again

        var conversion = Assert.Single(await Waiting.ForBatchAsync(second, batchId));

        Assert.True(conversion.State == ConversionState.Succeeded, conversion.Message);
        Assert.Equal(1, _fal.SubmitCount);
        var glb = await second.Services.GetRequiredService<BlobStore>().ReadAllAsync(conversion.ModelBlob!);
        Assert.Equal(_fal.Jobs.Values.Single().Glb, glb);
        Assert.Equal(12, conversion.Triangles);
        Assert.NotNull(conversion.PreviewBlob);
    }

    [Fact]
    public async Task User_cancels_a_running_fal_conversion_from_the_batch_page()
    {
        _fal.HoldInProgress = true;
        using var site = Site();
        var client = await UserStories.SignedInUserAsync(site);
        var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(client, [Fixtures.File("apple.png")], FalTripo));
        await Waiting.UntilAsync(() => _fal.Jobs.Values.Any(j => j.StatusPolls > _fal.QueuePolls), "FAL to have the job");
        await using (var db = site.CreateDbContext())
        {
            await Waiting.UntilAsync(() => db.Conversions.AsNoTracking().Any(c => c.BatchId == batchId && c.ResumeState != null), "the request id to be saved");
        }

        var page = await client.GetPageAsync($"/batches/{batchId}");
        var canceled = await client.FollowAsync(await client.SubmitAsync(page.QuerySelector<IHtmlFormElement>("form[action$='handler=cancel']")!));

        Assert.Equal("Canceled", canceled.QuerySelector(".conversion .badge")!.TextContent);
        var cancel = Assert.Single(_fal.RequestsTo("cancel"));
        Assert.Equal("PUT", cancel.Method);
        Assert.Contains(_fal.Jobs.Keys.Single(), cancel.Path);
        Assert.Equal(1, _fal.SubmitCount);
        // Once the runner has let go of the canceled run, nothing can write its state any more.
        var runner = site.Services.GetRequiredService<ConversionRunner>();
        await Waiting.UntilAsync(() => runner.RunningCount == 0, "the runner to stop the canceled conversion");
        await using var after = site.CreateDbContext();
        Assert.Equal(ConversionState.Canceled, (await after.Conversions.AsNoTracking().SingleAsync(c => c.BatchId == batchId)).State);
    }

    [Fact]
    public async Task User_cancels_while_fal_is_still_answering_the_submit_and_the_job_it_then_names_is_canceled_there()
    {
        _fal.HoldInProgress = true;
        var submitArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseSubmit = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _fal.BeforeAnswer = async endpoint =>
        {
            if (endpoint == "submit")
            {
                submitArrived.TrySetResult();
                await releaseSubmit.Task;
            }
        };
        using var site = Site();
        var client = await UserStories.SignedInUserAsync(site);
        var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(client, [Fixtures.File("apple.png")], FalTripo));
        await submitArrived.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var page = await client.GetPageAsync($"/batches/{batchId}");
        var canceled = await client.FollowAsync(await client.SubmitAsync(page.QuerySelector<IHtmlFormElement>("form[action$='handler=cancel']")!));
        Assert.Equal("Canceled", canceled.QuerySelector(".conversion .badge")!.TextContent);
        releaseSubmit.SetResult();
        var runner = site.Services.GetRequiredService<ConversionRunner>();
        await Waiting.UntilAsync(() => _fal.Jobs.Count == 1 && runner.RunningCount == 0, "FAL to name the job and the runner to let go of it");

        Assert.Equal(1, _fal.SubmitCount);
        var job = _fal.Jobs.Values.Single();
        var cancel = Assert.Single(_fal.RequestsTo("cancel"));
        Assert.Equal($"/tripo3d/tripo/requests/{job.Id}/cancel", cancel.Path);
        Assert.True(job.Canceled);
        await using var db = site.CreateDbContext();
        Assert.Equal(ConversionState.Canceled, (await db.Conversions.AsNoTracking().SingleAsync(c => c.BatchId == batchId)).State);
    }

    [Fact]
    public async Task Cancel_based_on_a_page_read_before_fal_named_the_job_still_cancels_that_job()
    {
        _fal.HoldInProgress = true;
        var submitArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseSubmit = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _fal.BeforeAnswer = async endpoint =>
        {
            if (endpoint == "submit")
            {
                submitArrived.TrySetResult();
                await releaseSubmit.Task;
            }
        };
        using var site = Site();
        var client = await UserStories.SignedInUserAsync(site);
        var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(client, [Fixtures.File("apple.png")], FalTripo));
        await submitArrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Conversion readBeforeTheAnswer;
        await using (var db = site.CreateDbContext())
        {
            // What a cancel request loads while the submit is still out: no job id yet.
            readBeforeTheAnswer = await db.Conversions.AsNoTracking().SingleAsync(c => c.BatchId == batchId);
            releaseSubmit.SetResult();
            await Waiting.UntilAsync(() => _fal.Jobs.Count == 1 && db.Conversions.AsNoTracking().Any(c => c.BatchId == batchId && c.ResumeState!.Contains(_fal.Jobs.Keys.First())), "the job id to be saved");
        }

        await using (var scope = site.Services.CreateAsyncScope())
        {
            Assert.True(await scope.ServiceProvider.GetRequiredService<ConversionCancellation>().CancelAsync(readBeforeTheAnswer, CancellationToken.None));
        }

        var runner = site.Services.GetRequiredService<ConversionRunner>();
        await Waiting.UntilAsync(() => runner.RunningCount == 0, "the runner to let go of the canceled conversion");
        var job = _fal.Jobs.Values.Single();
        var cancel = Assert.Single(_fal.RequestsTo("cancel"));
        Assert.Equal($"/tripo3d/tripo/requests/{job.Id}/cancel", cancel.Path);
        Assert.Equal(1, _fal.SubmitCount);
    }

    [Fact]
    public async Task Try_again_after_a_failure_past_the_finished_job_fetches_that_job_without_paying_for_a_new_one()
    {
        _fal.ResultFilesMissing = true;
        using var site = Site();
        var client = await UserStories.SignedInUserAsync(site);
        var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(client, [Fixtures.File("apple.png")], FalTripo));
        var failed = Assert.Single(await Waiting.ForBatchAsync(site, batchId));
        Assert.Equal(ConversionState.Failed, failed.State);

        _fal.ResultFilesMissing = false;
        var page = await client.GetPageAsync($"/batches/{batchId}");
        await client.SubmitAsync(page.QuerySelector<IHtmlFormElement>("form[action$='handler=retry']")!);
        var conversion = Assert.Single(await Waiting.ForBatchAsync(site, batchId));

        Assert.True(conversion.State == ConversionState.Succeeded, conversion.Message);
        Assert.Equal(1, _fal.SubmitCount);
        var glb = await site.Services.GetRequiredService<BlobStore>().ReadAllAsync(conversion.ModelBlob!);
        Assert.Equal(_fal.Jobs.Values.Single().Glb, glb);
    }

    [Fact]
    public async Task Try_again_after_the_provider_failed_the_job_starts_a_new_one()
    {
        _fal.Outcome = FalOutcome.ModelError;
        using var site = Site();
        var client = await UserStories.SignedInUserAsync(site);
        var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(client, [Fixtures.File("apple.png")], FalTripo));
        Assert.Equal(ConversionState.Failed, Assert.Single(await Waiting.ForBatchAsync(site, batchId)).State);

        _fal.Outcome = FalOutcome.Success;
        var page = await client.GetPageAsync($"/batches/{batchId}");
        await client.SubmitAsync(page.QuerySelector<IHtmlFormElement>("form[action$='handler=retry']")!);
        var conversion = Assert.Single(await Waiting.ForBatchAsync(site, batchId));

        Assert.True(conversion.State == ConversionState.Succeeded, conversion.Message);
        Assert.Equal(2, _fal.SubmitCount);
    }

    [Fact]
    public async Task Upload_form_offers_fal_tripo_only_when_its_key_is_set()
    {
        using var configured = Site(onFile: false);
        using var unconfigured = Site(onFile: false);
        unconfigured.Settings["FAL_KEY"] = "";

        var withKey = await (await UserStories.SignedInUserAsync(configured)).GetPageAsync("/upload");
        var withoutKey = await (await UserStories.SignedInUserAsync(unconfigured)).GetPageAsync("/upload");

        Assert.NotNull(withKey.QuerySelector("input[name='Input.Generator'][value='fal-tripo']"));
        Assert.Null(withoutKey.QuerySelector("input[name='Input.Generator'][value='fal-tripo']"));
        Assert.Null(withKey.QuerySelector("input[name='Input.Generator'][value='tripo']"));
    }
}
