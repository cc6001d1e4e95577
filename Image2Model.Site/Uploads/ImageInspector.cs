using SkiaSharp;

namespace Image2Model.Site.Uploads;

/// <summary>An uploaded image that passed every check, with a small JPEG thumbnail of it.</summary>
public sealed record InspectedImage(string ContentType, int Width, int Height, byte[] Thumbnail);

/// <summary>
/// Decides whether an uploaded file is an image we accept. The checks run cheapest first and
/// never trust the file name or the browser's Content-Type: extension, magic bytes, dimensions
/// from the header (so a pixel bomb is refused before it is decoded), then a full decode.
/// </summary>
public static class ImageInspector
{
    private const int ThumbnailSide = 320;

    private static readonly string[] AllowedExtensions = [".jpg", ".jpeg", ".png"];

    /// <returns>The inspected image, or null with <paramref name="reason"/> saying why it was refused.</returns>
    public static InspectedImage? Inspect(string fileName, ReadOnlySpan<byte> content, UploadOptions limits, out string reason)
    {
        reason = "";
        if (!AllowedExtensions.Contains(Path.GetExtension(fileName).ToLowerInvariant()))
        {
            reason = "Only JPEG and PNG images are accepted (.jpg, .jpeg or .png).";
            return null;
        }

        if (content.Length == 0)
        {
            reason = "The file is empty.";
            return null;
        }

        if (content.Length > limits.MaxFileBytes)
        {
            reason = $"The file is {Megabytes(content.Length)}; the limit is {Megabytes(limits.MaxFileBytes)}.";
            return null;
        }

        var contentType = SniffContentType(content);
        if (contentType is not ("image/jpeg" or "image/png"))
        {
            reason = "The file is not a JPEG or PNG image, whatever its name says.";
            return null;
        }

        using var data = SKData.CreateCopy(content);
        using var codec = SKCodec.Create(data);
        if (codec is null)
        {
            reason = "The image is damaged or incomplete and could not be read.";
            return null;
        }

        var (width, height) = (codec.Info.Width, codec.Info.Height);
        if ((long)width * height > limits.MaxPixels)
        {
            reason = $"The image is {width:N0} × {height:N0} pixels; the limit is {limits.MaxPixels / 1_000_000.0:0.#} megapixels.";
            return null;
        }

        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var result = codec.GetPixels(bitmap.Info, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
        {
            reason = result == SKCodecResult.IncompleteInput
                ? "The image is incomplete (the file was cut off) and could not be read."
                : "The image is damaged and could not be read.";
            return null;
        }

        return new InspectedImage(contentType, width, height, Thumbnail(bitmap));
    }

    /// <summary>The image type by magic bytes: JPEG and PNG (accepted uploads), WebP (provider previews).</summary>
    public static string? SniffContentType(ReadOnlySpan<byte> content) =>
        content.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]) ? "image/jpeg"
        : content.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) ? "image/png"
        : content.Length >= 12 && content[..4].SequenceEqual("RIFF"u8) && content[8..12].SequenceEqual("WEBP"u8) ? "image/webp"
        : null;

    private static byte[] Thumbnail(SKBitmap bitmap)
    {
        var scale = Math.Min(1f, (float)ThumbnailSide / Math.Max(bitmap.Width, bitmap.Height));
        var info = new SKImageInfo(Math.Max(1, (int)(bitmap.Width * scale)), Math.Max(1, (int)(bitmap.Height * scale)));
        using var surface = SKSurface.Create(info);
        // Transparent areas become white, so cut-out images look right as JPEG thumbnails.
        surface.Canvas.Clear(SKColors.White);
        using var image = SKImage.FromBitmap(bitmap);
        surface.Canvas.DrawImage(image, new SKRect(0, 0, info.Width, info.Height), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        using var snapshot = surface.Snapshot();
        using var jpeg = snapshot.Encode(SKEncodedImageFormat.Jpeg, 82);
        return jpeg.ToArray();
    }

    private static string Megabytes(long bytes) => $"{bytes / (1024.0 * 1024.0):0.#} MB";
}
