using System.Runtime.InteropServices;
using SkiaSharp;

namespace Image2Model.Site.Meshing;

/// <summary>Pixels in RGBA order, unpremultiplied, rows top to bottom.</summary>
internal sealed class RgbaImage(int width, int height, byte[] pixels)
{
    public int Width { get; } = width;
    public int Height { get; } = height;
    public byte[] Pixels { get; } = pixels;

    /// <summary>Averages <paramref name="factor"/> x <paramref name="factor"/> blocks (a box filter: cheap and alias-free).</summary>
    public RgbaImage Downsample(int factor)
    {
        if (factor <= 1) return this;
        int w = Width / factor, h = Height / factor;
        var target = new byte[w * h * 4];
        var area = factor * factor;
        var source = Pixels;
        var stride = Width * 4;
        Parallel.For(0, h, y =>
        {
            Span<int> sums = stackalloc int[4];
            for (var x = 0; x < w; x++)
            {
                sums.Clear();
                for (var dy = 0; dy < factor; dy++)
                {
                    var row = (y * factor + dy) * stride + x * factor * 4;
                    for (var dx = 0; dx < factor * 4; dx += 4)
                    {
                        sums[0] += source[row + dx];
                        sums[1] += source[row + dx + 1];
                        sums[2] += source[row + dx + 2];
                        sums[3] += source[row + dx + 3];
                    }
                }
                var o = (y * w + x) * 4;
                for (var c = 0; c < 4; c++) target[o + c] = (byte)((sums[c] + area / 2) / area);
            }
        });
        return new RgbaImage(w, h, target);
    }

    public RgbaImage Resize(int w, int h)
    {
        using var source = Wrap();
        var info = new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var target = new byte[w * h * 4];
        var handle = GCHandle.Alloc(target, GCHandleType.Pinned);
        try
        {
            using var destination = new SKPixmap(info, handle.AddrOfPinnedObject(), w * 4);
            source.ScalePixels(destination, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        }
        finally
        {
            handle.Free();
        }
        return new RgbaImage(w, h, target);
    }

    public RgbaImage Crop(int x0, int y0, int w, int h)
    {
        var target = new byte[w * h * 4];
        for (var y = 0; y < h; y++)
        {
            Pixels.AsSpan(((y0 + y) * Width + x0) * 4, w * 4).CopyTo(target.AsSpan(y * w * 4));
        }
        return new RgbaImage(w, h, target);
    }

    private SKBitmap Wrap()
    {
        var bitmap = new SKBitmap();
        var info = new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var handle = GCHandle.Alloc(Pixels, GCHandleType.Pinned);
        bitmap.InstallPixels(info, handle.AddrOfPinnedObject(), Width * 4, (_, context) => ((GCHandle)context!).Free(), handle);
        return bitmap;
    }

    /// <summary>Encodes as an opaque JPEG.</summary>
    public byte[] EncodeJpeg(int quality)
    {
        using var bitmap = Wrap();
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, quality);
        return data.ToArray();
    }
}
