using Image2Model.Site.Conversions;
using Image2Model.Site.Data;
using Image2Model.Site.Operations;
using Image2Model.Site.Quotas;
using Image2Model.Site.Storage;
using Microsoft.Extensions.Options;

namespace Image2Model.Site.Uploads;

public sealed record RejectedFile(string FileName, string Reason);

/// <param name="Error">Set when the upload as a whole was refused (too many files, no files, unknown generator).</param>
/// <param name="StorageFull">The data directory could not take the files (full or read-only): temporary, nothing was kept.</param>
public sealed record UploadOutcome(Batch? Batch, IReadOnlyList<RejectedFile> Rejected, string? Error = null, QuotaRefusal? Quota = null, bool StorageFull = false);

/// <summary>
/// Turns the files of one upload into a Batch of Pending conversions: every file is checked on
/// its own, the good ones are stored as blobs, and the batch is committed in one transaction.
/// </summary>
public sealed class BatchUploader(
    AppDbContext db,
    BlobStore blobs,
    GeneratorCatalog generators,
    Dispatcher dispatcher,
    QuotaService quotas,
    IOptions<UploadOptions> options,
    TimeProvider clock,
    ILogger<BatchUploader> logger)
{
    public async Task<UploadOutcome> UploadAsync(string ownerId, IReadOnlyList<IFormFile> files, string generatorName, GenerationOptions generation, CancellationToken cancellationToken)
    {
        var limits = options.Value;
        if (files.Count == 0)
        {
            return new UploadOutcome(null, [], "Choose at least one photo to upload.");
        }

        if (files.Count > limits.MaxFiles)
        {
            return new UploadOutcome(null, [], $"You can upload at most {limits.MaxFiles} files at once; you chose {files.Count}.");
        }

        var generator = generators.Find(generatorName);
        if (generator is null)
        {
            return new UploadOutcome(null, [], "That generator is not available.");
        }

        if (await quotas.RefusalAsync(ownerId, files.Count, files.Sum(f => f.Length), cancellationToken) is { } refused)
        {
            return new UploadOutcome(null, [], refused.Message, refused);
        }

        try
        {
            return await StoreAsync(ownerId, files, generator, generation, limits, cancellationToken);
        }
        catch (Exception e) when (IsStorageFull(e))
        {
            // Nothing was committed; the blobs already written are orphans that housekeeping removes after its grace period.
            logger.LogError(e, "Upload of {FileCount} files refused: the data directory is full or read-only", files.Count);
            db.ChangeTracker.Clear();
            return new UploadOutcome(null, [], StorageUnavailableException.UploadMessage, StorageFull: true);
        }
    }

    /// <summary>Out of room in the blob directory, or in the database (SQLite's file lives in the same directory).</summary>
    private static bool IsStorageFull(Exception e) =>
        StorageUnavailableException.IsStorageFull(e)
        || e.GetBaseException() is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: SqliteFull or SqliteReadOnly }
        || e.GetBaseException() is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.DiskFull };

    private const int SqliteReadOnly = 8;
    private const int SqliteFull = 13;

    private async Task<UploadOutcome> StoreAsync(string ownerId, IReadOnlyList<IFormFile> files, IGenerator generator, GenerationOptions generation, UploadOptions limits, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var batch = new Batch { OwnerId = ownerId, CreatedAt = now };
        var rejected = new List<RejectedFile>();
        foreach (var file in files)
        {
            var name = DisplayName(file.FileName);
            if (file.Length > limits.MaxFileBytes)
            {
                // Refused from its declared length, without reading it.
                rejected.Add(new RejectedFile(name, $"The file is larger than the {limits.MaxFileBytes / (1024 * 1024)} MB limit."));
                continue;
            }

            var content = await ReadAsync(file, cancellationToken);
            var image = ImageInspector.Inspect(name, content, limits, out var reason);
            if (image is null)
            {
                rejected.Add(new RejectedFile(name, reason));
                continue;
            }

            batch.Conversions.Add(new Conversion
            {
                OwnerId = ownerId,
                FileName = name,
                OriginalBlob = await blobs.PutAsync(content, cancellationToken),
                ThumbnailBlob = await blobs.PutAsync(image.Thumbnail, cancellationToken),
                ContentType = image.ContentType,
                OriginalSize = content.Length,
                Width = image.Width,
                Height = image.Height,
                Generator = generator.Name,
                FaceLimit = generation.FaceLimit,
                Texture = generation.Texture,
                Pbr = generation.Pbr,
                Seed = generation.Seed,
                CreatedAt = now,
            });
        }

        logger.LogInformation("Upload of {FileCount} files: {Accepted} accepted, {Rejected} rejected", files.Count, batch.Conversions.Count, rejected.Count);
        if (batch.Conversions.Count == 0)
        {
            return new UploadOutcome(null, rejected, "None of the files could be used.");
        }

        db.Batches.Add(batch);
        await db.SaveChangesAsync(cancellationToken);
        SiteMetrics.Uploaded(batch.Conversions.Count, batch.Conversions.Sum(c => c.OriginalSize));
        await dispatcher.NudgeAsync();
        return new UploadOutcome(batch, rejected);
    }

    /// <summary>
    /// The name to show: no folders, no control characters, no bidirectional controls (which can
    /// make "\u202Egnp.exe.png" display as "png.exe.png"), not absurdly long.
    /// </summary>
    public static string DisplayName(string fileName)
    {
        var name = new string(Path.GetFileName(fileName.Replace('\\', '/')).Where(c => !char.IsControl(c) && !IsBidiControl(c)).ToArray()).Trim();
        if (name.Length > 200)
        {
            name = name[..150] + "…" + name[^40..];
        }

        return name.Length == 0 ? "photo" : name;
    }

    /// <summary>Embeddings and overrides U+202A–U+202E, isolates U+2066–U+2069, and the marks U+200E, U+200F, U+061C.</summary>
    private static bool IsBidiControl(char c) => c is (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069') or '\u200E' or '\u200F' or '\u061C';

    private static async Task<byte[]> ReadAsync(IFormFile file, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream((int)file.Length);
        await file.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }
}
