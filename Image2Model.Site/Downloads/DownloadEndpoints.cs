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
    /// <summary>
    /// Revalidate every time: the same URL serves a new file after "Make it again", and the ETag
    /// (the blob's hash) makes an unchanged file a cheap 304.
    /// </summary>
    private const string CacheControl = "private, no-cache";

    public static WebApplication MapDownloads(this WebApplication app)
    {
        var files = app.MapGroup("/files/{id:guid}").RequireAuthorization();
        files.MapGet("/model.glb", (Guid id, HttpContext http, AppDbContext db, BlobStore blobs, CancellationToken ct) =>
            ServeAsync(id, http, db, blobs, c => c.ModelBlob, "model/gltf-binary", c => DownloadName.For(c.FileName, ".glb"), ct));
        files.MapGet("/model.stl", (Guid id, HttpContext http, AppDbContext db, BlobStore blobs, ModelExports exports, CancellationToken ct) =>
            ExportAsync(id, http, db, blobs, exports, ExportFormat.Stl, ct));
        files.MapGet("/model-obj.zip", (Guid id, HttpContext http, AppDbContext db, BlobStore blobs, ModelExports exports, CancellationToken ct) =>
            ExportAsync(id, http, db, blobs, exports, ExportFormat.ObjZip, ct));
        files.MapGet("/thumbnail.jpg", (Guid id, HttpContext http, AppDbContext db, BlobStore blobs, CancellationToken ct) =>
            ServeAsync(id, http, db, blobs, c => c.ThumbnailBlob, "image/jpeg", null, ct));
        files.MapGet("/preview", (Guid id, HttpContext http, AppDbContext db, BlobStore blobs, CancellationToken ct) =>
            ServeAsync(id, http, db, blobs, c => c.PreviewBlob, null, null, ct));
        return app;
    }

    /// <summary>
    /// A format made from the stored GLB, built once and then served from its file. The ETag
    /// (the model's blob and the format) is checked before anything else is done, so a browser
    /// that has the file costs one database lookup.
    /// </summary>
    private static async Task<IResult> ExportAsync(
        Guid id, HttpContext http, AppDbContext db, BlobStore blobs, ModelExports exports, ExportFormat format, CancellationToken cancellationToken)
    {
        var conversion = await db.Conversions.FindVisibleAsync(id, http.User, cancellationToken);
        if (conversion?.ModelBlob is not { } key)
        {
            return Results.NotFound();
        }

        var etag = new EntityTagHeaderValue($"\"{key}{format.Extension}\"");
        if (IsCurrent(http.Request, etag))
        {
            http.Response.Headers.CacheControl = CacheControl;
            http.Response.Headers.ETag = etag.ToString();
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        if (!blobs.Exists(key))
        {
            return Results.NotFound();
        }

        await using (var glb = blobs.Info(key).OpenRead())
        {
            if (ModelExport.WhyNotOffered(glb) is { } why)
            {
                // A compressed provider GLB: the page offers no link; a hand-made request gets the same reason.
                return Results.Text(why, "text/plain", statusCode: StatusCodes.Status404NotFound);
            }
        }

        var export = await exports.GetAsync(blobs, key, format, http.User.UserId(), cancellationToken);
        if (export.File is not { } file)
        {
            http.Response.Headers.RetryAfter = "10";
            return Results.Text("The site is busy making other downloads. Please try again in a few seconds.", "text/plain", statusCode: StatusCodes.Status429TooManyRequests);
        }

        http.Response.Headers.CacheControl = CacheControl;
        return Results.File(file.FullName, format.ContentType, DownloadName.For(conversion.FileName, format.Extension), file.LastWriteTimeUtc, etag, enableRangeProcessing: true);
    }

    private static bool IsCurrent(HttpRequest request, EntityTagHeaderValue etag) =>
        request.GetTypedHeaders().IfNoneMatch is { Count: > 0 } tags && tags.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(etag, useStrongComparison: false));

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
        http.Response.Headers.CacheControl = CacheControl;
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
