using System.Net;
using System.Net.Http.Headers;
using Image2Model.Bench.Site;
using Image2Model.Site.Conversions;
using Image2Model.Site.Downloads;
using Image2Model.Site.Storage;
using Image2Model.Tests.Fakes;
using Image2Model.Tests.Generators;
using Image2Model.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Quartz;
using Xunit.Abstractions;

namespace Image2Model.Tests.Downloads;

/// <summary>STL and OBJ exports: built once, kept with the model, bounded, and never stale.</summary>
public sealed class ExportTests(SiteFactory factory) : IClassFixture<SiteFactory>
{
    [Fact]
    public async Task An_export_is_built_once_and_then_served_from_its_stored_file()
    {
        var (owner, conversion) = await ModelAsync(factory);

        var first = await owner.Http.GetByteArrayAsync($"/files/{conversion.Id}/model.stl");
        var stored = Assert.Single(Directory.GetFiles(Path.Combine(factory.DataDirectory, "exports"), conversion.ModelBlob + ".stl", SearchOption.AllDirectories));
        var writtenAt = File.GetLastWriteTimeUtc(stored);
        var second = await owner.Http.GetByteArrayAsync($"/files/{conversion.Id}/model.stl");

        Assert.Equal(first, second);
        Assert.Equal(first, await File.ReadAllBytesAsync(stored));
        Assert.Equal(writtenAt, File.GetLastWriteTimeUtc(stored));
    }

    [Fact]
    public async Task A_browser_that_has_the_export_gets_304_before_any_work_is_done()
    {
        // Its own site: the model is broken on purpose below, and blobs are shared by content.
        using var site = new SiteFactory();
        var (owner, conversion) = await ModelAsync(site);
        var response = await owner.Http.GetAsync($"/files/{conversion.Id}/model-obj.zip");
        var etag = response.Headers.ETag!;
        // Were the export rebuilt before the ETag check, this broken model would fail it.
        await BreakModelAsync(site, conversion.ModelBlob!);
        foreach (var file in Directory.GetFiles(Path.Combine(site.DataDirectory, "exports"), conversion.ModelBlob + "*", SearchOption.AllDirectories))
        {
            File.Delete(file);
        }

        using var again = new HttpRequestMessage(HttpMethod.Get, $"/files/{conversion.Id}/model-obj.zip");
        again.Headers.IfNoneMatch.Add(etag);
        var cached = await owner.Http.SendAsync(again);

        Assert.Equal(HttpStatusCode.NotModified, cached.StatusCode);
        Assert.Equal(etag, cached.Headers.ETag);
        Assert.Empty(Directory.GetFiles(Path.Combine(site.DataDirectory, "exports"), conversion.ModelBlob + "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_regenerated_model_is_downloaded_new_not_from_the_browser_cache()
    {
        var (owner, conversion) = await ModelAsync(factory);
        var oldGlb = await owner.Http.GetAsync($"/files/{conversion.Id}/model.glb");
        var oldStl = await owner.Http.GetAsync($"/files/{conversion.Id}/model.stl");
        foreach (var response in new[] { oldGlb, oldStl })
        {
            // The browser must ask again each time; the ETag makes an unchanged file a cheap 304.
            Assert.True(response.Headers.CacheControl!.NoCache, $"{response.RequestMessage!.RequestUri}: {response.Headers.CacheControl}");
            Assert.True(response.Headers.CacheControl.Private);
            Assert.Null(response.Headers.CacheControl.MaxAge);
        }

        // "Make it again" stored a different model.
        var newGlb = TestGlb.Create(12, "made again");
        var newKey = await factory.Services.GetRequiredService<BlobStore>().PutAsync(newGlb);
        await using (var db = factory.CreateDbContext())
        {
            await db.Conversions.Where(c => c.Id == conversion.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.ModelBlob, newKey));
        }

        var glb = await RevalidateAsync(owner, $"/files/{conversion.Id}/model.glb", oldGlb.Headers.ETag!);
        var stl = await RevalidateAsync(owner, $"/files/{conversion.Id}/model.stl", oldStl.Headers.ETag!);

        Assert.Equal(HttpStatusCode.OK, glb.StatusCode);
        Assert.Equal(newGlb, await glb.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.OK, stl.StatusCode);
        Assert.Equal(84 + 12 * 50, (await stl.Content.ReadAsByteArrayAsync()).Length);
    }

    [Fact]
    public async Task Deleting_a_model_removes_its_exports_at_the_next_housekeeping()
    {
        using var site = new SiteFactory();
        site.Settings["Storage:OrphanGracePeriod"] = "00:00:00";
        var (owner, conversion) = await ModelAsync(site);
        Assert.Equal(HttpStatusCode.OK, (await owner.Http.GetAsync($"/files/{conversion.Id}/model.stl")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await owner.Http.GetAsync($"/files/{conversion.Id}/model-obj.zip")).StatusCode);
        var exports = Path.Combine(site.DataDirectory, "exports");
        Assert.Equal(2, Directory.GetFiles(exports, conversion.ModelBlob + "*", SearchOption.AllDirectories).Length);
        await using (var db = site.CreateDbContext())
        {
            await db.Conversions.Where(c => c.Id == conversion.Id).ExecuteDeleteAsync();
        }

        var scheduler = await site.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        await scheduler.TriggerJob(HousekeepingJob.Key, new JobDataMap());
        var blobs = site.Services.GetRequiredService<BlobStore>();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (blobs.Exists(conversion.ModelBlob!) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.False(blobs.Exists(conversion.ModelBlob!));
        Assert.Empty(Directory.GetFiles(exports, conversion.ModelBlob + "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Builds_are_bounded_per_user_and_per_node_and_waiters_share_one_build()
    {
        var root = Directory.CreateTempSubdirectory("image2model-exports-").FullName;
        try
        {
            var blobs = new BlobStore(Path.Combine(root, "blobs"));
            var exports = new ModelExports(
                Options.Create(new StorageOptions { DataDirectory = root }),
                Options.Create(new ExportOptions { MaxConcurrentBuilds = 1, MaxBuildsPerUser = 1, QueueTimeout = TimeSpan.FromMilliseconds(200) }),
                new Microsoft.Extensions.Hosting.Internal.HostingEnvironment { ContentRootPath = root }, NullLogger<ModelExports>.Instance);
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var release = new TaskCompletionSource();
            var builds = 0;
            var slow = new ExportFormat(".stl", "model/stl", (glb, output) =>
            {
                Interlocked.Increment(ref builds);
                started.TrySetResult();
                // A bounded wait, so a broken bound fails the test instead of hanging it.
                Assert.True(release.Task.Wait(TimeSpan.FromSeconds(30)));
                output.Write(glb);
            });
            var first = await blobs.PutAsync(TestGlb.Create(1, "first"));
            var second = await blobs.PutAsync(TestGlb.Create(1, "second"));

            var building = exports.GetAsync(blobs, first, slow, "alice", CancellationToken.None);
            await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
            var sameFile = exports.GetAsync(blobs, first, slow, "bob", CancellationToken.None);
            var aliceAgain = await exports.GetAsync(blobs, second, slow, "alice", CancellationToken.None);
            var bobWaits = await exports.GetAsync(blobs, second, slow, "bob", CancellationToken.None);
            release.SetResult();

            Assert.True(aliceAgain.Busy, "one build per user at a time");
            Assert.True(bobWaits.Busy, "the node's only slot was taken for longer than the queue timeout");
            Assert.NotNull((await building).File);
            Assert.Equal((await building).File!.FullName, (await sameFile).File!.FullName);
            Assert.Equal(1, builds);
            Assert.NotNull((await exports.GetAsync(blobs, second, slow, "alice", CancellationToken.None)).File);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    internal static async Task<(SiteClient Owner, Conversion Conversion)> ModelAsync(SiteFactory site)
    {
        var owner = await UserStories.SignedInUserAsync(site);
        var conversion = Assert.Single(await Waiting.ForBatchAsync(site, Waiting.BatchIdFrom(await UserStories.UploadAsync(owner, [Fixtures.File("apple.png")]))));
        Assert.Equal(ConversionState.Succeeded, conversion.State);
        return (owner, conversion);
    }

    private static Task BreakModelAsync(SiteFactory site, string key) =>
        File.WriteAllBytesAsync(site.Services.GetRequiredService<BlobStore>().Info(key).FullName, "not a GLB any more"u8.ToArray());

    private static Task<HttpResponseMessage> RevalidateAsync(SiteClient client, string url, EntityTagHeaderValue etag)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.IfNoneMatch.Add(etag);
        return client.Http.SendAsync(request);
    }
}

/// <summary>
/// Issue 9's burst: the site in its own process on loopback, so the working set measured is the server's alone.
/// Nothing else runs beside it, so the sign-in page's time is the site's own.
/// </summary>
[Collection(MemoryMeasuringCollection.Name)]
public sealed class ExportBurstTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Fifty_parallel_obj_downloads_of_a_100k_face_model_leave_sign_in_fast_and_memory_bounded()
    {
        var figures = await ExportBurst.RunAsync(AppContext.BaseDirectory, Fixtures.Read("coffee.png"));
        output.WriteLine(figures.ToString());

        Assert.True(figures.Triangles >= 95_000, $"the model has {figures.Triangles} triangles");
        Assert.Equal(50, figures.Statuses.Where(s => s.Key is 200 or 429).Sum(s => s.Value));
        Assert.True(figures.Statuses.GetValueOrDefault(200) > 0, "nobody got the file");
        Assert.True(figures.SignInMax < TimeSpan.FromSeconds(1), $"sign-in page took {figures.SignInMax.TotalMilliseconds:0} ms");
        Assert.True(figures.PeakWorkingSet < 600L * 1024 * 1024, $"peak working set {figures.PeakWorkingSet / 1048576} MB");
    }
}
