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
        if (File.Exists(path))
        {
            // Same bytes already stored; touch it so housekeeping's grace period restarts.
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
            return key;
        }

        var directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{key}.{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
            {
                await file.WriteAsync(content, cancellationToken);
                file.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }

        return key;
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

    public void Delete(string key) => File.Delete(Info(key).FullName);

    private string PathOf(string key) => Path.Combine(_root, key[..2], key);

    private static bool IsKey(string key) => key.Length == 64 && key.All(char.IsAsciiHexDigitLower);
}
