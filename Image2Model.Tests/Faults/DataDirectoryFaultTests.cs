using System.Net;
using Image2Model.Site.Conversions;
using Image2Model.Site.Storage;
using Image2Model.Tests.Fakes;
using Image2Model.Tests.Generators;
using Image2Model.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Image2Model.Tests.Faults;

/// <summary>
/// The data directory on a real 4 MB file system that fills up or turns read-only under the site
/// (the database stays in memory, so the blobs are what hits the wall).
/// </summary>
public sealed class DataDirectoryFaultTests : IAsyncLifetime
{
    private readonly SmallDisk _disk = SmallDisk.Mount("4m");
    private FakeFalServer _fal = null!;

    public async Task InitializeAsync() => _fal = await FakeFalServer.StartNewAsync();

    public async Task DisposeAsync()
    {
        await _fal.DisposeAsync();
        _disk.Dispose();
    }

    private SiteFactory Site()
    {
        var site = new SiteFactory();
        site.Settings["Storage:DataDirectory"] = _disk.Path;
        foreach (var (key, value) in RemoteGeneratorHost.FastSettings("Generators:FalTripo"))
        {
            site.Settings[key] = value;
        }

        site.Settings["FAL_KEY"] = FakeServer.Key;
        site.Settings["Generators:FalTripo:QueueUrl"] = _fal.Root.ToString();
        site.Settings["Generators:FalTripo:RestUrl"] = _fal.Root.ToString();
        return site;
    }

    private static IEnumerable<FileField> Photos(int count) =>
        Enumerable.Range(0, count).Select(i => Fixtures.File(i % 2 == 0 ? "apple.png" : "horse.png") with { FileName = $"photo-{i}.png" });

    [Fact]
    public async Task Upload_to_a_full_disk_is_refused_plainly_keeps_nothing_and_works_once_space_returns()
    {
        await using var site = Site();
        var user = await UserStories.SignedInUserAsync(site);
        _disk.Fill();

        var refused = await UserStories.UploadAsync(user, Photos(2));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        var page = await SiteClient.ParseAsync(refused);
        Assert.Contains(StorageUnavailableException.UploadMessage, page.QuerySelector("main")!.TextContent);
        Assert.Empty(_disk.TempFiles());
        await using (var db = site.CreateDbContext())
        {
            Assert.Equal(0, await db.Conversions.CountAsync());
            Assert.Equal(0, await db.Batches.CountAsync());
        }

        _disk.Free();
        var accepted = await UserStories.UploadAsync(user, Photos(2));
        var done = await Waiting.ForBatchAsync(site, Waiting.BatchIdFrom(accepted));
        Assert.All(done, c => Assert.Equal(ConversionState.Succeeded, c.State));
    }

    [Fact]
    public async Task Upload_through_the_api_to_a_full_disk_gets_503_with_the_plain_reason()
    {
        await using var site = Site();
        var script = await Api.ApiStories.ScriptAsync(site);
        _disk.Fill();

        var response = await script.PostAsync("/api/v1/upload", Api.ApiStories.Form([Fixtures.File("apple.png")]));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("run out of room", await response.Content.ReadAsStringAsync());
        Assert.Empty(_disk.TempFiles());
    }

    [Fact]
    public async Task Upload_to_a_read_only_disk_is_refused_plainly_and_works_once_it_is_writable()
    {
        await using var site = Site();
        var user = await UserStories.SignedInUserAsync(site);
        _disk.MakeReadOnly();

        var refused = await UserStories.UploadAsync(user, Photos(1));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Contains(StorageUnavailableException.UploadMessage, (await SiteClient.ParseAsync(refused)).QuerySelector("main")!.TextContent);
        await using (var db = site.CreateDbContext())
        {
            Assert.Equal(0, await db.Conversions.CountAsync());
        }

        _disk.MakeWritable();
        var done = await Waiting.ForBatchAsync(site, Waiting.BatchIdFrom(await UserStories.UploadAsync(user, Photos(1))));
        Assert.Equal(ConversionState.Succeeded, Assert.Single(done).State);
    }

    [Fact]
    public async Task A_model_that_cannot_be_stored_fails_plainly_keeps_the_photo_and_succeeds_when_retried_with_room()
    {
        await using var site = Site();
        var user = await UserStories.SignedInUserAsync(site);
        _fal.HoldInProgress = true;
        var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(user, Photos(1), new Dictionary<string, string> { ["Input.Generator"] = "fal-tripo" }));
        await Waiting.UntilAsync(() => _fal.SubmitCount == 1, "FAL to have the photo");

        // The model arrives while the disk is full.
        _disk.Fill();
        _fal.HoldInProgress = false;
        var failed = Assert.Single(await Waiting.ForBatchAsync(site, batchId));
        Assert.Equal(ConversionState.Failed, failed.State);
        Assert.Equal(StorageUnavailableException.ResultMessage, failed.Message);
        Assert.True(site.Services.GetRequiredService<BlobStore>().Exists(failed.OriginalBlob), "the photo was lost");
        Assert.Empty(_disk.TempFiles());

        _disk.Free();
        await using (var scope = site.Services.CreateAsyncScope())
        {
            Assert.True(await scope.ServiceProvider.GetRequiredService<WorkQueue>().RequeueAsync(failed.Id, CancellationToken.None));
        }

        var retried = Assert.Single(await Waiting.ForBatchAsync(site, batchId));
        Assert.Equal(ConversionState.Succeeded, retried.State);
    }
}
