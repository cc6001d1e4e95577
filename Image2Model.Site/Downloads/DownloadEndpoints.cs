using Image2Model.Site.Accounts;
using Image2Model.Site.Conversions;
using Image2Model.Site.Data;
using Image2Model.Site.Storage;
using Image2Model.Site.Uploads;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;

namespace Image2Model.Site.Downloads;

/// <summary>
/// Files of a conversion, for its owner and admins only. The record is loaded first and
/// ownership checked against it; anyone else gets the same 404 as for an id that does not exist.
/// </summary>
public static class DownloadEndpoints
{
    public static WebApplication MapDownloads(this WebApplication app)
    {
        var files = app.MapGroup("/files/{id:guid}").RequireAuthorization();
        files.MapGet("/model.glb", (Guid id, HttpContext http, AppDbContext db, BlobStore blobs, CancellationToken ct) =>
            ServeAsync(id, http, db, blobs, c => c.ModelBlob, "model/gltf-binary", c => DownloadName.For(c.FileName, ".glb"), ct));
        files.MapGet("/model.stl", (Guid id, HttpContext http, AppDbContext db, BlobStore blobs, CancellationToken ct) =>
            ExportAsync(id, http, db, blobs, ModelExport.ToStl, "model/stl", ".stl", ct));
        files.MapGet("/model-obj.zip", (Guid id, HttpContext http, AppDbContext db, BlobStore blobs, CancellationToken ct) =>
            ExportAsync(id, http, db, blobs, ModelExport.ToObjZip, "application/zip", ".obj.zip", ct));
        files.MapGet("/thumbnail.jpg", (Guid id, HttpContext http, AppDbContext db, BlobStore blobs, CancellationToken ct) =>
            ServeAsync(id, http, db, blobs, c => c.ThumbnailBlob, "image/jpeg", null, ct));
        files.MapGet("/preview", (Guid id, HttpContext http, AppDbContext db, BlobStore blobs, CancellationToken ct) =>
            ServeAsync(id, http, db, blobs, c => c.PreviewBlob, null, null, ct));
        return app;
    }

    /// <summary>A format converted from the stored GLB on request; small enough not to be worth storing.</summary>
    private static async Task<IResult> ExportAsync(
        Guid id, HttpContext http, AppDbContext db, BlobStore blobs, Func<byte[], byte[]> convert, string contentType, string extension, CancellationToken cancellationToken)
    {
        var conversion = await db.Conversions.FindVisibleAsync(id, http.User, cancellationToken);
        if (conversion?.ModelBlob is not { } key || !blobs.Exists(key))
        {
            return Results.NotFound();
        }

        var converted = convert(await blobs.ReadAllAsync(key, cancellationToken));
        http.Response.Headers.CacheControl = "private, max-age=3600";
        return Results.File(converted, contentType, DownloadName.For(conversion.FileName, extension), entityTag: new EntityTagHeaderValue($"\"{key}{extension}\""));
    }

    private static async Task<IResult> ServeAsync(
        Guid id, HttpContext http, AppDbContext db, BlobStore blobs,
        Func<Conversion, string?> blobOf, string? contentType, Func<Conversion, string>? downloadName, CancellationToken cancellationToken)
    {
        var conversion = await db.Conversions.FindVisibleAsync(id, http.User, cancellationToken);
        if (conversion is null || blobOf(conversion) is not { } key || !blobs.Exists(key))
        {
            return Results.NotFound();
        }

        return Blob(http, blobs, key, contentType, downloadName?.Invoke(conversion));
    }

    /// <summary>
    /// Streams a stored blob with an ETag and range support. The caller has already decided that
    /// this request may have it (owner, admin, or a signed link). A null content type means an
    /// image whose type the provider chose: it is read from the file's first bytes.
    /// </summary>
    public static IResult Blob(HttpContext http, BlobStore blobs, string key, string? contentType, string? downloadName)
    {
        var file = blobs.Info(key);
        contentType ??= ImageTypeOf(file);
        http.Response.Headers.CacheControl = "private, max-age=3600";
        // Content-addressed: the blob key is a perfect ETag.
        return Results.File(file.FullName, contentType, downloadName, file.LastWriteTimeUtc,
            new EntityTagHeaderValue($"\"{key}\""), enableRangeProcessing: true);
    }

    private static string ImageTypeOf(FileInfo file)
    {
        Span<byte> head = stackalloc byte[12];
        using (var stream = file.OpenRead())
        {
            head = head[..stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false)];
        }

        return ImageInspector.SniffContentType(head) ?? "application/octet-stream";
    }
}
