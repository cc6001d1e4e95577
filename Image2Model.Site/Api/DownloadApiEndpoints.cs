using Image2Model.Site.Accounts;
using Image2Model.Site.Conversions;
using Image2Model.Site.Data;
using Image2Model.Site.Downloads;
using Image2Model.Site.Storage;
using Microsoft.AspNetCore.Authentication;

namespace Image2Model.Site.Api;

/// <summary>A job's finished models: the list with signed links, and the files themselves.</summary>
public static class DownloadApiEndpoints
{
    private const string GlbType = "model/gltf-binary";

    public static void MapDownloadEndpoints(this RouteGroupBuilder api, RouteGroupBuilder open)
    {
        api.MapGet("/download/{job_id}/all", ListAsync)
            .Produces<DownloadListResponse>()
            .Produces<ApiError>(StatusCodes.Status404NotFound)
            .WithSummary("The job's finished models, each with a signed link that needs no header");

        // Either the owner's token or a signed link opens these, so authorization happens inside.
        open.MapGet("/download/{job_id}/{filename}", (string job_id, string filename, HttpContext http, AppDbContext db, BlobStore blobs, DownloadLinks links, CancellationToken ct) =>
                ServeAsync(job_id, filename, DownloadLinks.Model, http, db, blobs, links, ct))
            .Produces(StatusCodes.Status200OK, contentType: GlbType)
            .Produces<ApiError>(StatusCodes.Status404NotFound)
            .WithSummary("One model as a GLB attachment, for the owner's token or a signed link");
        open.MapGet("/download/{job_id}/{filename}/rendered_image", (string job_id, string filename, HttpContext http, AppDbContext db, BlobStore blobs, DownloadLinks links, CancellationToken ct) =>
                ServeAsync(job_id, filename, DownloadLinks.Preview, http, db, blobs, links, ct))
            .Produces(StatusCodes.Status200OK, contentType: "image/png")
            .Produces<ApiError>(StatusCodes.Status404NotFound)
            .WithSummary("A rendered preview of one model, for the owner's token or a signed link");
    }

    private static async Task<IResult> ListAsync(string job_id, HttpContext http, AppDbContext db, BlobStore blobs, DownloadLinks links, CancellationToken cancellationToken)
    {
        if (await FindJobAsync(job_id, db, cancellationToken) is not { } job || !http.User.CanSee(job.OwnerId))
        {
            return ApiResults.JobNotFound();
        }

        var models = Named(job.Items);
        var files = models.Select(m => new DownloadableFile(
            m.Conversion.Id,
            m.Name,
            m.Conversion.ModelSize ?? 0,
            GlbType,
            new DateTimeOffset(DateTime.SpecifyKind(m.Conversion.FinishedAt ?? m.Conversion.CreatedAt, DateTimeKind.Utc)),
            "completed",
            m.Conversion.PreviewBlob is not null && blobs.Exists(m.Conversion.PreviewBlob)
                ? new RenderedImage(links.Create(http.Request, PathOf(job.Id, m.Name) + "/rendered_image", m.Conversion, DownloadLinks.Preview))
                : null)).ToList();
        var urls = models.Select(m => links.Create(http.Request, PathOf(job.Id, m.Name), m.Conversion, DownloadLinks.Model)).ToList();
        return ApiResults.Ok(new DownloadListResponse(job.Id, files.Count, files, urls));
    }

    private static async Task<IResult> ServeAsync(string job_id, string filename, string kind, HttpContext http, AppDbContext db, BlobStore blobs, DownloadLinks links, CancellationToken cancellationToken)
    {
        // A token that is sent must be valid, even where a signed link would also do.
        var token = await http.AuthenticateAsync(ApiTokenAuthentication.SchemeName);
        if (token.Failure is not null)
        {
            return ApiResults.Error(StatusCodes.Status401Unauthorized, token.Failure.Message);
        }

        if (await FindJobAsync(job_id, db, cancellationToken) is not { } job
            || Named(job.Items).FirstOrDefault(m => m.Name == filename || m.Conversion.Id.ToString() == Path.GetFileNameWithoutExtension(filename)) is not { } model
            || !((token.Principal?.CanSee(job.OwnerId) ?? false) || await links.AllowsAsync(http.Request.Query["sig"], model.Conversion, job.OwnerId, kind, db, cancellationToken)))
        {
            return ApiResults.Error(StatusCodes.Status404NotFound, "File not found");
        }

        var conversion = model.Conversion;
        return kind == DownloadLinks.Model
            ? Serve(http, blobs, conversion.ModelBlob, GlbType, model.Name)
            : Serve(http, blobs, conversion.PreviewBlob, null, null);
    }

    private static IResult Serve(HttpContext http, BlobStore blobs, string? key, string? contentType, string? downloadName) =>
        key is not null && blobs.Exists(key)
            ? DownloadEndpoints.Blob(http, blobs, key, contentType, downloadName)
            : ApiResults.Error(StatusCodes.Status404NotFound, "File not found");

    private sealed record NamedModel(BatchItem Conversion, string Name);

    /// <summary>The job, or null for an id that is malformed or unknown.</summary>
    private static async Task<BatchReadModel?> FindJobAsync(string jobId, AppDbContext db, CancellationToken cancellationToken) =>
        Guid.TryParse(jobId, out var id) ? await BatchReadModel.ByIdAsync(db, id, cancellationToken) : null;

    /// <summary>
    /// Each finished model's download name, unique within the job: two photos both called
    /// "photo.jpg" become "photo.glb" and "photo-2.glb". Names are given over every conversion of
    /// the job, finished or not, so a name never moves to another file when a retry succeeds later.
    /// </summary>
    private static List<NamedModel> Named(IEnumerable<BatchItem> conversions)
    {
        var taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var named = new List<NamedModel>();
        foreach (var model in conversions)
        {
            var name = DownloadName.For(model.FileName, ".glb");
            for (var n = 2; !taken.Add(name); n++)
            {
                name = $"{Path.GetFileNameWithoutExtension(DownloadName.For(model.FileName, ".glb"))}-{n}.glb";
            }

            named.Add(new NamedModel(model, name));
        }

        return named.Where(m => m.Conversion.HasModel).ToList();
    }

    private static string PathOf(Guid jobId, string name) => $"/api/v1/download/{jobId}/{name}";
}
