using Image2Model.Site.Storage;
using Image2Model.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace Image2Model.Tests.Storage;

public sealed class BlobStoreTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("image2model-blobs-").FullName;

    [Fact]
    public async Task Same_bytes_get_the_same_name_and_are_stored_once()
    {
        var store = new BlobStore(_root);

        var first = await store.PutAsync("hello"u8.ToArray());
        var second = await store.PutAsync("hello"u8.ToArray());

        Assert.Equal(first, second);
        Assert.Equal("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", first);
        Assert.Single(Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories));
        Assert.Equal("hello"u8.ToArray(), await store.ReadAllAsync(first));
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824")]
    [InlineData("")]
    public void Anything_but_a_blob_name_is_refused(string key)
    {
        var store = new BlobStore(_root);

        Assert.False(store.Exists(key));
        Assert.Throws<ArgumentException>(() => store.Info(key));
    }

    [Fact]
    public async Task Housekeeping_deletes_old_unreferenced_blobs_and_keeps_everything_else()
    {
        using var site = new SiteFactory();
        var client = await UserStories.SignedInUserAsync(site);
        var conversion = Assert.Single(await Waiting.ForBatchAsync(site, Waiting.BatchIdFrom(await UserStories.UploadAsync(client, [Fixtures.File("apple.png")]))));
        var blobs = site.Services.GetRequiredService<BlobStore>();
        var oldOrphan = await blobs.PutAsync("nobody refers to me"u8.ToArray());
        var youngOrphan = await blobs.PutAsync("an upload in flight"u8.ToArray());
        var longAgo = DateTime.UtcNow.AddDays(-2);
        File.SetLastWriteTimeUtc(blobs.Info(oldOrphan).FullName, longAgo);
        foreach (var used in new[] { conversion.OriginalBlob, conversion.ThumbnailBlob!, conversion.ModelBlob! })
        {
            File.SetLastWriteTimeUtc(blobs.Info(used).FullName, longAgo);
        }

        var scheduler = await site.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        await scheduler.TriggerJob(HousekeepingJob.Key, new JobDataMap());
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (blobs.Exists(oldOrphan) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.False(blobs.Exists(oldOrphan));
        Assert.True(blobs.Exists(youngOrphan));
        Assert.True(blobs.Exists(conversion.OriginalBlob));
        Assert.True(blobs.Exists(conversion.ModelBlob!));
        Assert.True(blobs.Exists(conversion.ThumbnailBlob!));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
