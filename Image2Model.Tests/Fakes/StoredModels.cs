using Image2Model.Site.Conversions;
using Image2Model.Site.Storage;
using Image2Model.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Image2Model.Tests.Fakes;

/// <summary>A finished conversion whose model is a given GLB, as if a provider had sent it.</summary>
public static class StoredModels
{
    public static async Task<Guid> AddAsync(SiteFactory site, string ownerEmail, byte[] glb, int triangles, string generator = "fal-tripo")
    {
        var blobs = site.Services.GetRequiredService<BlobStore>();
        var photo = Fixtures.Read("apple.png");
        await using var db = site.CreateDbContext();
        var owner = await db.Users.Where(u => u.Email == ownerEmail).Select(u => u.Id).SingleAsync();
        var now = DateTime.UtcNow;
        var batch = new Batch { OwnerId = owner, CreatedAt = now };
        var conversion = new Conversion
        {
            OwnerId = owner,
            FileName = "apple.png",
            OriginalBlob = await blobs.PutAsync(photo),
            ContentType = "image/png",
            OriginalSize = photo.Length,
            Width = 224,
            Height = 224,
            ThumbnailBlob = await blobs.PutAsync(Thumbnail(photo)),
            Generator = generator,
            State = ConversionState.Succeeded,
            Progress = 100,
            Message = "Made by a provider",
            ModelBlob = await blobs.PutAsync(glb),
            ModelSize = glb.Length,
            Triangles = triangles,
            CreatedAt = now,
            StartedAt = now,
            FinishedAt = now,
        };
        batch.Conversions.Add(conversion);
        db.Batches.Add(batch);
        await db.SaveChangesAsync();
        return conversion.Id;
    }

    private static byte[] Thumbnail(byte[] photo)
    {
        using var bitmap = SkiaSharp.SKBitmap.Decode(photo);
        using var data = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Jpeg, 80);
        return data.ToArray();
    }
}
