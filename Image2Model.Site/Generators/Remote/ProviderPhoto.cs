using System.Runtime.InteropServices;
using Image2Model.Site.Meshing;
using SkiaSharp;

namespace Image2Model.Site.Generators.Remote;

/// <summary>
/// The photo as a provider gets it: the long side at most <see cref="MaxSide"/> pixels, the EXIF
/// orientation applied, JPEG unless it has transparency. A 12 MP phone photo then uploads a few
/// hundred KB instead of 10 MB, and the providers work at about this size anyway.
/// </summary>
internal sealed record ProviderPhoto(byte[] Bytes, string ContentType)
{
    public const int MaxSide = 2048;

    private const int JpegQuality = 90;

    public static ProviderPhoto From(byte[] image, string contentType)
    {
        using var codec = SKCodec.Create(new MemoryStream(image, writable: false));
        if (codec is null)
        {
            // Uploads are decoded when they arrive, so this is not a photo the site accepted: pass it on as it is.
            return new ProviderPhoto(image, contentType);
        }

        var fits = Math.Max(codec.Info.Width, codec.Info.Height) <= MaxSide;
        if (fits && codec.EncodedOrigin == SKEncodedOrigin.TopLeft && codec.EncodedFormat == SKEncodedImageFormat.Jpeg)
        {
            // Already what a provider wants; re-encoding would only lose quality.
            return new ProviderPhoto(image, "image/jpeg");
        }

        RgbaImage decoded;
        try
        {
            decoded = ImageDecoding.Decode(image, MaxSide);
        }
        catch (ImageDecodeException)
        {
            return new ProviderPhoto(image, contentType);
        }

        var transparent = HasTransparency(decoded);
        using var bitmap = ToBitmap(decoded);
        using var sized = Shrink(bitmap);
        var format = transparent ? SKEncodedImageFormat.Png : SKEncodedImageFormat.Jpeg;
        using var data = sized.Encode(format, JpegQuality);
        return new ProviderPhoto(data.ToArray(), transparent ? "image/png" : "image/jpeg");
    }

    private static bool HasTransparency(RgbaImage image)
    {
        var pixels = image.Pixels.AsSpan(0, image.Width * image.Height * 4);
        for (var i = 3; i < pixels.Length; i += 4)
        {
            if (pixels[i] != 255)
            {
                return true;
            }
        }

        return false;
    }

    private static SKBitmap ToBitmap(RgbaImage image)
    {
        var info = new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var bitmap = new SKBitmap(info);
        Marshal.Copy(image.Pixels, 0, bitmap.GetPixels(), info.BytesSize);
        return bitmap;
    }

    /// <summary>The codec only shrinks JPEGs in coarse steps: finish to exactly the limit.</summary>
    private static SKBitmap Shrink(SKBitmap bitmap)
    {
        var longest = Math.Max(bitmap.Width, bitmap.Height);
        if (longest <= MaxSide)
        {
            return bitmap.Copy();
        }

        var scale = (double)MaxSide / longest;
        var info = new SKImageInfo(
            Math.Max(1, (int)Math.Round(bitmap.Width * scale)),
            Math.Max(1, (int)Math.Round(bitmap.Height * scale)),
            SKColorType.Rgba8888,
            SKAlphaType.Unpremul);
        return bitmap.Resize(info, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
    }
}
