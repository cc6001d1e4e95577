using System.Buffers;
using System.Runtime.InteropServices;
using SkiaSharp;
using System.Runtime.CompilerServices;

namespace Image2Model.Site.Meshing;

internal static class ImageDecoding
{
    /// <summary>Pixel bombs stop here, before any pixel memory is allocated.</summary>
    public const long MaxPixels = 100_000_000;

    /// <summary>
    /// Decodes, shrinking big JPEGs inside the codec (DCT scaling is far cheaper than decoding
    /// everything and resizing) so the longest side stays at or above <paramref name="neededSide"/>,
    /// then applies the EXIF orientation.
    /// </summary>
    public static RgbaImage Decode(byte[] bytes, int neededSide) => Decode(bytes, neededSide, pooled: false);

    /// <param name="pooled">
    /// Take the pixel buffer from <see cref="ArrayPool{T}.Shared"/>: it may be longer than
    /// width x height x 4, and the caller returns it when done (if <see cref="RgbaImage.Pooled"/>).
    /// </param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static RgbaImage Decode(byte[] bytes, int neededSide, bool pooled)
    {
        if (bytes.Length == 0) throw new ImageDecodeException("The file is empty.");
        using var stream = new MemoryStream(bytes, writable: false);
        using var codec = SKCodec.Create(stream, out var created);
        if (codec is null)
        {
            if (!LooksLikeImage(bytes)) throw new ImageDecodeException("The file is not an image this converter can read (use JPEG, PNG, WebP, GIF or BMP).");
            if (PngSize(bytes) is { } claimed && (long)claimed.Width * claimed.Height > MaxPixels) throw TooLarge(claimed.Width, claimed.Height);
            throw new ImageDecodeException("The image file is incomplete (it looks cut off).");
        }
        var full = codec.Info;
        if (full.Width <= 0 || full.Height <= 0) throw new ImageDecodeException("The image has no pixels.");
        if ((long)full.Width * full.Height > MaxPixels)
        {
            throw TooLarge(full.Width, full.Height);
        }

        var size = new SKSizeI(full.Width, full.Height);
        var longest = Math.Max(full.Width, full.Height);
        if (longest > neededSide)
        {
            // Ask for the smallest native scale that still covers the needed side.
            var desired = (float)neededSide / longest;
            var candidate = codec.GetScaledDimensions(desired);
            if (Math.Max(candidate.Width, candidate.Height) >= neededSide * 0.9f) size = candidate;
        }

        var info = new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        // Every byte is written by the codec (or the decode fails), so the array need not be zeroed first.
        var pixels = pooled ? ArrayPool<byte>.Shared.Rent(info.BytesSize) : GC.AllocateUninitializedArray<byte>(info.BytesSize);
        SKCodecResult result;
        var handle = GCHandle.Alloc(pixels, GCHandleType.Pinned);
        try
        {
            result = info.Height >= SplitRows && Environment.ProcessorCount > 1 && IsSequentialJpeg(bytes)
                ? DecodeInHalves(bytes, codec, info, handle.AddrOfPinnedObject())
                : codec.GetPixels(info, handle.AddrOfPinnedObject());
        }
        finally
        {
            handle.Free();
        }
        if (result != SKCodecResult.Success && pooled) ArrayPool<byte>.Shared.Return(pixels);
        switch (result)
        {
            case SKCodecResult.Success:
                break;
            case SKCodecResult.IncompleteInput:
            case SKCodecResult.ErrorInInput:
                throw new ImageDecodeException("The image file is damaged or incomplete (it looks cut off).");
            default:
                throw new ImageDecodeException($"The image could not be decoded ({result}).");
        }
        var decoded = new RgbaImage(size.Width, size.Height, pixels) { Pooled = pooled };
        var oriented = Orient(decoded, codec.EncodedOrigin);
        if (!ReferenceEquals(oriented, decoded)) decoded.ReturnToPool();
        return oriented;
    }

    /// <summary>Pictures at least this tall are decoded in two halves at once (sequential JPEGs only).</summary>
    private const int SplitRows = 512;

    /// <summary>
    /// The codec's decoding is single-threaded, and first in line for everything else. A second
    /// codec decodes the bottom half while the first decodes the top: it skips the top's rows
    /// (libjpeg-turbo then reads their entropy-coded data but does no inverse DCT, upsampling or
    /// colour conversion for them, which is most of the work). Same pixels as one decode.
    /// </summary>
    private static SKCodecResult DecodeInHalves(byte[] bytes, SKCodec codec, SKImageInfo info, IntPtr pixels)
    {
        var half = info.Height / 2;
        SKCodecResult top = SKCodecResult.Success, bottom = SKCodecResult.Success;
        Parallel.Invoke(
            () => top = Rows(codec, info, pixels, 0, half),
            () =>
            {
                using var stream = new MemoryStream(bytes, writable: false);
                using var second = SKCodec.Create(stream);
                bottom = second is null ? SKCodecResult.ErrorInInput : Rows(second, info, pixels, half, info.Height - half);
            });
        if (top == SKCodecResult.Unimplemented || bottom == SKCodecResult.Unimplemented) return codec.GetPixels(info, pixels);
        return top != SKCodecResult.Success ? top : bottom;

        static SKCodecResult Rows(SKCodec codec, SKImageInfo info, IntPtr pixels, int first, int count)
        {
            var started = codec.StartScanlineDecode(info);
            if (started != SKCodecResult.Success) return started;
            if (codec.ScanlineOrder != SKCodecScanlineOrder.TopDown) return SKCodecResult.Unimplemented;
            if (first > 0 && !codec.SkipScanlines(first)) return SKCodecResult.IncompleteInput;
            return codec.GetScanlines(pixels + first * info.RowBytes, count, info.RowBytes) == count ? SKCodecResult.Success : SKCodecResult.IncompleteInput;
        }
    }

    /// <summary>
    /// A baseline or extended sequential JPEG (SOF0/SOF1): a progressive one would have every scan
    /// read twice by the split decode, for little gain.
    /// </summary>
    private static bool IsSequentialJpeg(ReadOnlySpan<byte> b)
    {
        if (b.Length < 4 || b[0] != 0xFF || b[1] != 0xD8) return false;
        var i = 2;
        while (i + 4 <= b.Length)
        {
            if (b[i] != 0xFF) return false;
            var marker = b[i + 1];
            if (marker == 0xFF) { i++; continue; }
            if (marker is 0xC0 or 0xC1) return true;
            // Any other start of frame (progressive, lossless, arithmetic), or the scan itself.
            if (marker is >= 0xC2 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC || marker == 0xDA) return false;
            i += 2 + ((b[i + 2] << 8) | b[i + 3]);
        }
        return false;
    }

    private static ImageDecodeException TooLarge(int w, int h) =>
        new($"The image is too large ({w}x{h}); the limit is {MaxPixels / 1_000_000} megapixels.");

    private static bool LooksLikeImage(ReadOnlySpan<byte> b) =>
        b.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]) || b.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G'])
        || b.StartsWith("GIF8"u8) || b.StartsWith("BM"u8) || (b.StartsWith("RIFF"u8) && b.Length >= 12 && b[8..12].SequenceEqual("WEBP"u8));

    /// <summary>The size a PNG header claims, read before any decoding (pixel bombs).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (int Width, int Height)? PngSize(ReadOnlySpan<byte> b)
    {
        if (b.Length < 24 || !b[12..16].SequenceEqual("IHDR"u8)) return null;
        return (System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(b[16..]), System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(b[20..]));
    }

    /// <summary>Rotates or mirrors so the pixels look the way the camera held them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static RgbaImage Orient(RgbaImage image, SKEncodedOrigin origin)
    {
        if (origin == SKEncodedOrigin.TopLeft) return image;
        int w = image.Width, h = image.Height;
        var swap = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        int ow = swap ? h : w, oh = swap ? w : h;
        var source = MemoryMarshal.Cast<byte, uint>(image.Pixels.AsSpan());
        var output = new byte[w * h * 4];
        var target = MemoryMarshal.Cast<byte, uint>(output.AsSpan());
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                var (tx, ty) = origin switch
                {
                    SKEncodedOrigin.TopRight => (w - 1 - x, y),
                    SKEncodedOrigin.BottomRight => (w - 1 - x, h - 1 - y),
                    SKEncodedOrigin.BottomLeft => (x, h - 1 - y),
                    SKEncodedOrigin.LeftTop => (y, x),
                    SKEncodedOrigin.RightTop => (h - 1 - y, x),
                    SKEncodedOrigin.RightBottom => (h - 1 - y, w - 1 - x),
                    SKEncodedOrigin.LeftBottom => (y, w - 1 - x),
                    _ => (x, y),
                };
                target[ty * ow + tx] = source[y * w + x];
            }
        }
        return new RgbaImage(ow, oh, output);
    }
}
