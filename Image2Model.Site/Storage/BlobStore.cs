using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Image2Model.Site.Storage;

/// <summary>
/// Content-addressed files: the name of a blob is the SHA-256 of its bytes. Writes go to a temp
/// file in the same directory, are flushed, then renamed, so a reader never sees half a file.
/// </summary>
public sealed class BlobStore
{
    private readonly string _root;

    public BlobStore(IOptions<StorageOptions> options, IHostEnvironment environment)
        : this(Path.Combine(Path.GetFullPath(options.Value.DataDirectory, environment.ContentRootPath), "blobs"))
    {
    }

    public BlobStore(string root)
    {
        _root = root;
        Directory.CreateDirectory(_root);
    }

    public async Task<string> PutAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        var key = Convert.ToHexStringLower(SHA256.HashData(content.Span));
        var path = PathOf(key);
        // Still there after the touch: had housekeeping renamed it away first, the touch may have
        // landed on the file it is about to delete (seen about once in a few thousand races).
        if (TryTouch(path) && File.Exists(path))
        {
            return key;
        }

        var directory = Path.GetDirectoryName(path)!;
        var temp = Path.Combine(directory, $".{key}.{Guid.NewGuid():N}{TempSuffix}");
        try
        {
            Directory.CreateDirectory(directory);
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
            {
                await file.WriteAsync(content, cancellationToken);
                file.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
            // The rename is only durable once the directory entry is on disk too.
            FileSystem.SyncDirectory(directory);
        }
        catch (Exception e) when (StorageUnavailableException.IsStorageFull(e))
        {
            throw new StorageUnavailableException($"Could not store a blob of {content.Length} bytes in {_root}: {e.Message}", e);
        }
        finally
        {
            // A full disk must not keep half a file: the temp goes whatever happened (deleting frees space).
            DeleteQuietly(temp);
        }

        return key;
    }

    private static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Read-only: nothing was created either. Otherwise housekeeping removes stale temps.
        }
    }

    public bool Exists(string key) => IsKey(key) && File.Exists(PathOf(key));

    /// <summary>The file of a blob, for streaming responses (range requests, ETags).</summary>
    public FileInfo Info(string key) => IsKey(key) ? new FileInfo(PathOf(key)) : throw new ArgumentException("Not a blob key.", nameof(key));

    public Task<byte[]> ReadAllAsync(string key, CancellationToken cancellationToken = default) =>
        File.ReadAllBytesAsync(Info(key).FullName, cancellationToken);

    /// <summary>Every stored blob with its last write time, for housekeeping.</summary>
    public IEnumerable<(string Key, DateTime WrittenAt)> List() =>
        Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories)
            .Select(path => (Key: Path.GetFileName(path), Path: path))
            .Where(x => IsKey(x.Key))
            .Select(x => (x.Key, File.GetLastWriteTimeUtc(x.Path)));

    /// <summary>
    /// Deletes a blob unless it was written or reused since <paramref name="cutoff"/>. The blob is
    /// first renamed away, so an upload reusing it at that moment either touched it before (and it
    /// is put back) or finds it missing and writes it anew: a committed row never loses its file.
    /// </summary>
    /// <returns>True when the blob was deleted.</returns>
    public bool DeleteIfUnusedSince(string key, DateTime cutoff)
    {
        var path = Info(key).FullName;
        var doomed = Path.Combine(Path.GetDirectoryName(path)!, $".{key}.{Guid.NewGuid():N}{DoomedSuffix}");
        try
        {
            File.Move(path, doomed);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }

        if (File.GetLastWriteTimeUtc(doomed) >= cutoff)
        {
            PutBack(doomed, path);
            return false;
        }

        File.Delete(doomed);
        return true;
    }

    /// <summary>
    /// Cleans up after crashes: temp files of writes that never finished, older than
    /// <paramref name="cutoff"/>, are deleted; a blob caught mid-deletion is put back (housekeeping decides again).
    /// </summary>
    /// <returns>How many temp files were deleted.</returns>
    public int CleanUpAfterCrashes(DateTime cutoff)
    {
        var deleted = 0;
        foreach (var file in Directory.EnumerateFiles(_root, ".*", SearchOption.AllDirectories))
        {
            var name = Path.GetFileName(file);
            if (name.EndsWith(DoomedSuffix, StringComparison.Ordinal) && name.Length > 65 && IsKey(name[1..65]))
            {
                PutBack(file, PathOf(name[1..65]));
            }
            else if (name.EndsWith(TempSuffix, StringComparison.Ordinal) && File.GetLastWriteTimeUtc(file) < cutoff)
            {
                File.Delete(file);
                deleted++;
            }
        }

        return deleted;
    }

    private const string TempSuffix = ".tmp";
    private const string DoomedSuffix = ".deleting";

    private static bool TryTouch(string path)
    {
        try
        {
            // Same bytes already stored; touch it so housekeeping's grace period restarts.
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
            return true;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Restores a blob that was about to be deleted, unless an upload has already stored it again.</summary>
    private static void PutBack(string doomed, string path)
    {
        try
        {
            File.Move(doomed, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(doomed);
        }
    }

    private string PathOf(string key) => Path.Combine(_root, key[..2], key);

    private static bool IsKey(string key) => key.Length == 64 && key.All(char.IsAsciiHexDigitLower);
}
