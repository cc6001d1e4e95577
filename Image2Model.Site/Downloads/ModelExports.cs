using System.Text.RegularExpressions;
using Image2Model.Site.Storage;
using Microsoft.Extensions.Options;

namespace Image2Model.Site.Downloads;

public sealed class ExportOptions
{
    public const string Section = "Exports";

    /// <summary>Exports built at the same time on one node; each holds a whole model in memory and keeps a core busy.</summary>
    public int MaxConcurrentBuilds { get; set; } = 1;

    /// <summary>Exports one user may have building at the same time; a further one answers 429.</summary>
    public int MaxBuildsPerUser { get; set; } = 1;

    /// <summary>How long a request waits for a free build slot before it answers 429.</summary>
    public TimeSpan QueueTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>A format made from the stored GLB: STL or a zipped OBJ, written straight into a stream.</summary>
public sealed record ExportFormat(string Extension, string ContentType, Action<byte[], Stream> Write)
{
    public static readonly ExportFormat Stl = new(".stl", "model/stl", ModelExport.WriteStl);

    public static readonly ExportFormat ObjZip = new(".obj.zip", "application/zip", ModelExport.WriteObjZip);
}

/// <summary>The outcome of asking for an export: the stored file, or null when the site is too busy to build it now.</summary>
public sealed record ExportFile(FileInfo? File)
{
    public bool Busy => File is null;
}

/// <summary>
/// Exports are built once per model and kept as files beside the blobs, named after the model's
/// blob (so a shared data directory serves them to every node, and a regenerated model, which has
/// a new blob, gets new exports). Housekeeping removes them with their model. Requests for an
/// export being built wait for that one build; new builds are bounded per node and per user.
/// </summary>
public sealed partial class ModelExports
{
    private readonly string _root;
    private readonly ExportOptions _options;
    private readonly SemaphoreSlim _slots;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Task<FileInfo?>> _building = [];
    private readonly Dictionary<string, int> _buildsByUser = [];
    private readonly ILogger<ModelExports> _logger;

    public ModelExports(IOptions<StorageOptions> storage, IOptions<ExportOptions> options, IHostEnvironment environment, ILogger<ModelExports> logger)
    {
        _root = Path.Combine(Path.GetFullPath(storage.Value.DataDirectory, environment.ContentRootPath), "exports");
        _options = options.Value;
        _slots = new SemaphoreSlim(Math.Max(1, _options.MaxConcurrentBuilds));
        _logger = logger;
        Directory.CreateDirectory(_root);
    }

    /// <summary>The stored export of <paramref name="modelKey"/>, building it first if there is none yet.</summary>
    public async Task<ExportFile> GetAsync(BlobStore blobs, string modelKey, ExportFormat format, string userId, CancellationToken cancellationToken)
    {
        var path = PathOf(modelKey, format);
        if (File.Exists(path))
        {
            return new ExportFile(new FileInfo(path));
        }

        Task<FileInfo?> build;
        lock (_gate)
        {
            if (!_building.TryGetValue(path, out build!))
            {
                _buildsByUser.TryGetValue(userId, out var running);
                if (running >= _options.MaxBuildsPerUser)
                {
                    return new ExportFile(null);
                }

                _buildsByUser[userId] = running + 1;
                // Not the request's token: others may be waiting for this build, and a finished export is kept.
                build = Task.Run(() => BuildAsync(blobs, modelKey, format, path, userId), CancellationToken.None);
                _building[path] = build;
            }
        }

        return new ExportFile(await build.WaitAsync(cancellationToken));
    }

    private async Task<FileInfo?> BuildAsync(BlobStore blobs, string modelKey, ExportFormat format, string path, string userId)
    {
        try
        {
            if (!await _slots.WaitAsync(_options.QueueTimeout))
            {
                return null;
            }

            try
            {
                if (!File.Exists(path))
                {
                    var glb = await blobs.ReadAllAsync(modelKey);
                    // A thread of its own: a second or so of CPU must not take one of the few pool threads that serve pages.
                    await Task.Factory.StartNew(() => Write(path, output => format.Write(glb, output)), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                    _logger.LogInformation("Built the {Format} export of model {ModelKey} ({Bytes} bytes)", format.Extension, modelKey, new FileInfo(path).Length);
                }

                return new FileInfo(path);
            }
            finally
            {
                _slots.Release();
            }
        }
        finally
        {
            lock (_gate)
            {
                _building.Remove(path);
                if (--_buildsByUser[userId] == 0)
                {
                    _buildsByUser.Remove(userId);
                }
            }
        }
    }

    /// <summary>Every stored export with the model it was made from, for housekeeping.</summary>
    public IEnumerable<(string ModelKey, string Path)> List() =>
        Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories)
            .Select(path => (Match: ExportName().Match(Path.GetFileName(path)), Path: path))
            .Where(x => x.Match.Success)
            .Select(x => (x.Match.Groups[1].Value, x.Path));

    public void Delete(string path) => File.Delete(path);

    /// <summary>Removes every export made from <paramref name="modelKey"/>.</summary>
    public void DeleteFor(string modelKey)
    {
        foreach (var path in new[] { ExportFormat.Stl, ExportFormat.ObjZip }.Select(f => PathOf(modelKey, f)).Where(File.Exists))
        {
            File.Delete(path);
        }
    }

    private string PathOf(string modelKey, ExportFormat format) =>
        modelKey.Length == 64 && modelKey.All(char.IsAsciiHexDigitLower)
            ? Path.Combine(_root, modelKey[..2], modelKey + format.Extension)
            : throw new ArgumentException("Not a blob key.", nameof(modelKey));

    /// <summary>Temp file in the same folder, flushed, renamed: a reader on any node sees all of it or nothing.</summary>
    private static void Write(string path, Action<Stream> write)
    {
        var directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(file);
                file.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    [GeneratedRegex("^([0-9a-f]{64})\\.")]
    private static partial Regex ExportName();
}
