using Image2Model.Site.Accounts;
using Image2Model.Site.Conversions;
using Image2Model.Site.Data;
using Image2Model.Site.Downloads;
using Image2Model.Site.Previews.Compressed;
using Image2Model.Site.Storage;
using Quartz;

namespace Image2Model.Site.Previews;

public static class PreviewsRegistration
{
    /// <summary>The renderer (the runner uses it for every new model) and the one-time backfill at start-up.</summary>
    public static IHostApplicationBuilder AddPreviews(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(sp => new PreviewRenderer(sp.GetRequiredService<ILogger<PreviewRenderer>>(), Draco(sp)));
        builder.Services.AddQuartz(q =>
        {
            q.AddJob<PreviewBackfillJob>(j => j.WithIdentity(PreviewBackfillJob.Key).StoreDurably());
            // A little after start, so the first requests do not wait behind it.
            q.AddTrigger(t => t.ForJob(PreviewBackfillJob.Key).WithIdentity("preview-backfill-once")
                .StartAt(DateTimeOffset.UtcNow.AddSeconds(10)));
        });
        return builder;
    }

    /// <summary>The Draco decoder the site serves to browsers, run on the server too; none (Draco models then get no preview) if it is missing.</summary>
    private static DracoDecoder? Draco(IServiceProvider services)
    {
        var webRoot = services.GetService<IWebHostEnvironment>()?.WebRootPath
            ?? Path.Combine(services.GetRequiredService<IHostEnvironment>().ContentRootPath, "wwwroot");
        try
        {
            return DracoDecoder.FromWebRoot(webRoot);
        }
        catch (IOException e)
        {
            services.GetRequiredService<ILogger<PreviewRenderer>>().LogWarning("Draco models will get no preview: {Reason}", e.Message);
            return null;
        }
    }

    /// <summary><c>/files/{id}/preview.png</c>: for the owner and admins, 404 for anyone else.</summary>
    public static WebApplication MapPreviews(this WebApplication app)
    {
        app.MapGet("/files/{id:guid}/preview.png", async (Guid id, HttpContext http, AppDbContext db, BlobStore blobs, CancellationToken ct) =>
                await db.Conversions.FindVisibleAsync(id, http.User, ct) is { PreviewBlob: { } key } && blobs.Exists(key)
                    ? DownloadEndpoints.Blob(http, blobs, key, "image/png", null)
                    : Results.NotFound())
            .RequireAuthorization();
        return app;
    }
}
