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
    public async Task An_upload_reusing_a_blob_while_housekeeping_deletes_it_never_loses_the_file()
    {
        var store = new BlobStore(_root);
        var bytes = "a photo two people uploaded"u8.ToArray();
        var key = await store.PutAsync(bytes);
        var longAgo = DateTime.UtcNow.AddDays(-2);
        var cutoff = DateTime.UtcNow.AddDays(-1);
        var lost = 0;

        // Housekeeping decided the blob is an old orphan; at the same moment an upload stores the
        // same bytes and commits a row that refers to them. Whatever the interleaving, the file stays.
        for (var round = 0; round < 500; round++)
        {
            if (!store.Exists(key))
            {
                await store.PutAsync(bytes);
            }

            File.SetLastWriteTimeUtc(store.Info(key).FullName, longAgo);
            var go = 0;
            var ready = 0;
            void StartTogether()
            {
                Interlocked.Increment(ref ready);
                while (Volatile.Read(ref go) == 0)
                {
                    Thread.SpinWait(1);
                }
            }

            var upload = Task.Factory.StartNew(() => { StartTogether(); return store.PutAsync(bytes).GetAwaiter().GetResult(); }, TaskCreationOptions.LongRunning);
            var sweep = Task.Factory.StartNew(() => { StartTogether(); return store.DeleteIfUnusedSince(key, cutoff); }, TaskCreationOptions.LongRunning);
            while (Volatile.Read(ref ready) < 2)
            {
                Thread.SpinWait(1);
            }

            Volatile.Write(ref go, 1);
            await Task.WhenAll(upload, sweep);
            if (!store.Exists(key))
            {
                lost++;
            }
        }

        Assert.Equal(0, lost);
        Assert.Empty(Directory.EnumerateFiles(_root, ".*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task After_a_crash_unfinished_writes_are_removed_and_a_blob_caught_mid_deletion_is_put_back()
    {
        var store = new BlobStore(_root);
        var key = await store.PutAsync("kept"u8.ToArray());
        var directory = Path.GetDirectoryName(store.Info(key).FullName)!;
        var doomed = Path.Combine(directory, $".{key}.{Guid.NewGuid():N}.deleting");
        File.Move(store.Info(key).FullName, doomed);
        var oldTemp = Path.Combine(directory, $".{key}.{Guid.NewGuid():N}.tmp");
        var youngTemp = Path.Combine(directory, $".{key}.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(oldTemp, "half a file");
        File.WriteAllText(youngTemp, "a write in progress");
        File.SetLastWriteTimeUtc(oldTemp, DateTime.UtcNow.AddDays(-2));

        var deleted = store.CleanUpAfterCrashes(DateTime.UtcNow.AddDays(-1));

        Assert.Equal(1, deleted);
        Assert.False(File.Exists(oldTemp));
        Assert.True(File.Exists(youngTemp));
        Assert.False(File.Exists(doomed));
        Assert.Equal("kept"u8.ToArray(), await store.ReadAllAsync(key));
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
        var crashedWrite = Path.Combine(Path.GetDirectoryName(blobs.Info(oldOrphan).FullName)!, $".{oldOrphan}.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(crashedWrite, "half a file");
        File.SetLastWriteTimeUtc(crashedWrite, longAgo);
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
        Assert.False(File.Exists(crashedWrite));
        Assert.True(blobs.Exists(youngOrphan));
        Assert.True(blobs.Exists(conversion.OriginalBlob));
        Assert.True(blobs.Exists(conversion.ModelBlob!));
        Assert.True(blobs.Exists(conversion.ThumbnailBlob!));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
