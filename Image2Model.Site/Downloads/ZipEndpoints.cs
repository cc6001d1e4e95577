using Image2Model.Site.Accounts;
using Image2Model.Site.Conversions;
using Image2Model.Site.Data;
using Image2Model.Site.Storage;
using Microsoft.Net.Http.Headers;

namespace Image2Model.Site.Downloads;

/// <summary>A batch's finished models as one ZIP, and single models as 3MF; owner or admin only, 404 otherwise.</summary>
public static class ZipEndpoints
{
    public static WebApplication MapZipDownloads(this WebApplication app)
    {
        app.MapGet("/batches/{id:guid}/models.zip", async (Guid id, string? format, HttpContext http, AppDbContext db, BlobStore blobs, CancellationToken ct) =>
            {
                if (await BatchReadModel.ByIdAsync(db, id, ct) is not { } batch || !http.User.CanSee(batch.OwnerId))
                {
                    return Results.NotFound();
                }

                var models = batch.Items.Where(i => i.HasModel).Select(i => new ZipModel(i.FileName, i.ModelBlob!)).ToList();
                if (models.Count == 0)
                {
                    return Results.NotFound();
                }

                var chosen = ModelFormats.Parse(format);
                return ModelZip.Result(models, chosen, $"models-{batch.CreatedAt:yyyy-MM-dd-HHmm}-{chosen.Value()}.zip", blobs);
            })
            .RequireAuthorization();

        app.MapGet("/files/{id:guid}/model.3mf", async (Guid id, HttpContext http, AppDbContext db, BlobStore blobs, CancellationToken ct) =>
            {
                var conversion = await db.Conversions.FindVisibleAsync(id, http.User, ct);
                if (conversion?.ModelBlob is not { } key || !blobs.Exists(key))
                {
                    return Results.NotFound();
                }

                var bytes = ThreeMfExport.To3mf(await blobs.ReadAllAsync(key, ct));
                http.Response.Headers.CacheControl = "private, max-age=3600";
                return Results.File(bytes, "model/3mf", DownloadName.For(conversion.FileName, ".3mf"), entityTag: new EntityTagHeaderValue($"\"{key}.3mf\""));
            })
            .RequireAuthorization();
        return app;
    }
}
