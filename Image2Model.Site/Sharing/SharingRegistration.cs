using System.Threading.RateLimiting;
using Image2Model.Site.Downloads;
using Image2Model.Site.Storage;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Net.Http.Headers;

namespace Image2Model.Site.Sharing;

public static class SharingRegistration
{
    /// <summary>Rate limit name for everything under /s/: opened by anyone, so limited per client address.</summary>
    public const string RateLimit = "share-links";

    public static IHostApplicationBuilder AddSharing(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<ShareLinks>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        var perMinute = builder.Configuration.GetValue("RateLimits:ShareRequestsPerMinute", 120);
        builder.Services.AddRateLimiter(limiter => limiter.AddPolicy(RateLimit, http => RateLimitPartition.GetFixedWindowLimiter(
            http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
            _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1) })));
        return builder;
    }

    /// <summary>The shared model's files; the page itself is Pages/Share/Index.</summary>
    public static WebApplication MapSharing(this WebApplication app)
    {
        // Open to anyone with the link: the signed token is the permission.
        var files = app.MapGroup("/s/{token}").AllowAnonymous().RequireRateLimiting(RateLimit);
        files.MapGet("/model.glb", (string token, HttpContext http, ShareLinks links, BlobStore blobs, CancellationToken ct) =>
            ServeAsync(token, links, ct, m => DownloadEndpoints.Blob(http, blobs, m.Conversion.ModelBlob!, "model/gltf-binary", DownloadName.For(m.Conversion.FileName, ".glb")), blobs));
        files.MapGet("/preview.png", (string token, HttpContext http, ShareLinks links, BlobStore blobs, CancellationToken ct) =>
            ServeAsync(token, links, ct, m => m.Conversion.PreviewBlob is { } key && blobs.Exists(key) ? DownloadEndpoints.Blob(http, blobs, key, "image/png", null) : Results.NotFound(), blobs));
        files.MapGet("/model.stl", (string token, HttpContext http, ShareLinks links, BlobStore blobs, CancellationToken ct) =>
            ExportAsync(token, links, blobs, http, ModelExport.ToStl, "model/stl", ".stl", ct));
        files.MapGet("/model.3mf", (string token, HttpContext http, ShareLinks links, BlobStore blobs, CancellationToken ct) =>
            ExportAsync(token, links, blobs, http, ThreeMfExport.To3mf, "model/3mf", ".3mf", ct));
        files.MapGet("/model-obj.zip", (string token, HttpContext http, ShareLinks links, BlobStore blobs, CancellationToken ct) =>
            ExportAsync(token, links, blobs, http, ModelExport.ToObjZip, "application/zip", ".obj.zip", ct));
        return app;
    }

    private static async Task<IResult> ServeAsync(string token, ShareLinks links, CancellationToken cancellationToken, Func<SharedModel, IResult> serve, BlobStore blobs) =>
        await links.OpenAsync(token, countUse: false, cancellationToken) is { } shared && blobs.Exists(shared.Conversion.ModelBlob!)
            ? serve(shared)
            : Results.NotFound();

    private static async Task<IResult> ExportAsync(string token, ShareLinks links, BlobStore blobs, HttpContext http, Func<byte[], byte[]> convert, string contentType, string extension, CancellationToken cancellationToken)
    {
        if (await links.OpenAsync(token, countUse: false, cancellationToken) is not { } shared || !blobs.Exists(shared.Conversion.ModelBlob!))
        {
            return Results.NotFound();
        }

        var key = shared.Conversion.ModelBlob!;
        http.Response.Headers.CacheControl = "private, max-age=600";
        return Results.File(convert(await blobs.ReadAllAsync(key, cancellationToken)), contentType, DownloadName.For(shared.Conversion.FileName, extension),
            entityTag: new EntityTagHeaderValue($"\"{key}{extension}\""));
    }
}
