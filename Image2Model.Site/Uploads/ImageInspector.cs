using Image2Model.Site.Meshing;
using SkiaSharp;

namespace Image2Model.Site.Uploads;

/// <summary>An uploaded image that passed every check: its size as people see it (EXIF orientation applied) and a small JPEG thumbnail.</summary>
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
    public static InspectedImage? Inspect(string fileName, byte[] content, UploadOptions limits, out string reason)
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

        int width, height;
        using (var data = SKData.CreateCopy(content))
        using (var codec = SKCodec.Create(data))
        {
            if (codec is null)
            {
                reason = "The image is damaged or incomplete and could not be read.";
                return null;
            }

            if ((long)codec.Info.Width * codec.Info.Height > limits.MaxPixels)
            {
                reason = $"The image is {codec.Info.Width:N0} × {codec.Info.Height:N0} pixels; the limit is {limits.MaxPixels / 1_000_000.0:0.#} megapixels.";
                return null;
            }

            var quarterTurn = codec.EncodedOrigin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
            (width, height) = quarterTurn ? (codec.Info.Height, codec.Info.Width) : (codec.Info.Width, codec.Info.Height);
        }

        try
        {
            // The engine's decoder reads every byte (a cut-off file fails here) and turns the
            // picture the way its EXIF orientation says; big JPEGs decode scaled, which is all a thumbnail needs.
            var picture = ImageDecoding.Decode(content, ThumbnailSide);
            return new InspectedImage(contentType, width, height, Thumbnail(picture));
        }
        catch (ImageDecodeException e)
        {
            reason = e.Message;
            return null;
        }
    }

    /// <summary>The image type by magic bytes: JPEG and PNG (accepted uploads), WebP (provider previews).</summary>
    public static string? SniffContentType(ReadOnlySpan<byte> content) =>
        content.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]) ? "image/jpeg"
        : content.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) ? "image/png"
        : content.Length >= 12 && content[..4].SequenceEqual("RIFF"u8) && content[8..12].SequenceEqual("WEBP"u8) ? "image/webp"
        : null;

    private static byte[] Thumbnail(RgbaImage picture)
    {
        var scale = Math.Min(1f, (float)ThumbnailSide / Math.Max(picture.Width, picture.Height));
        var small = picture.Resize(Math.Max(1, (int)(picture.Width * scale)), Math.Max(1, (int)(picture.Height * scale)));
        // Transparent areas become white, so cut-out images look right as JPEG thumbnails.
        var pixels = small.Pixels;
        for (var i = 0; i < pixels.Length; i += 4)
        {
            var alpha = pixels[i + 3];
            for (var c = 0; c < 3; c++)
            {
                pixels[i + c] = (byte)((pixels[i + c] * alpha + 255 * (255 - alpha) + 127) / 255);
            }

            pixels[i + 3] = 255;
        }

        return small.EncodeJpeg(82);
    }

    private static string Megabytes(long bytes) => $"{bytes / (1024.0 * 1024.0):0.#} MB";
}
