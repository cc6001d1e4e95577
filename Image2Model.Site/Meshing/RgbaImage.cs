using System.Numerics;
using System.Runtime.InteropServices;
using SkiaSharp;
using System.Runtime.CompilerServices;

namespace Image2Model.Site.Meshing;

/// <summary>Pixels in RGBA order, unpremultiplied, rows top to bottom.</summary>
internal sealed class RgbaImage(int width, int height, byte[] pixels)
{
    public int Width { get; } = width;
    public int Height { get; } = height;
    /// <summary>Width x height x 4 bytes, possibly followed by unused ones (a pooled buffer).</summary>
    public byte[] Pixels { get; } = pixels;

    /// <summary>Pixels came from <see cref="System.Buffers.ArrayPool{T}.Shared"/>; see <see cref="ReturnToPool"/>.</summary>
    public bool Pooled { get; init; }

    /// <summary>Gives a pooled buffer back; the image must not be used afterwards.</summary>
    public void ReturnToPool()
    {
        if (Pooled) System.Buffers.ArrayPool<byte>.Shared.Return(Pixels);
    }

    /// <summary>Averages <paramref name="factor"/> x <paramref name="factor"/> blocks (a box filter: cheap and alias-free).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public RgbaImage Downsample(int factor)
    {
        if (factor <= 1) return this;
        int w = Width / factor, h = Height / factor;
        var target = new byte[w * h * 4];
        var area = factor * factor;
        var source = Pixels;
        var stride = Width * 4;
        var half = area / 2;
        // Exact division by the block area through one multiplication (Lemire's fastdiv, exact for
        // every 32-bit numerator).
        var reciprocal = ulong.MaxValue / (ulong)area + 1;
        var span = w * factor * 4;
        // Columns of the block's rows are summed as 16-bit lanes (vectorised) while factor * 255 fits.
        var vertical = factor <= ushort.MaxValue / 255;
        Parallel.For(0, h, () => new ushort[vertical ? span : 0], [MethodImpl(MethodImplOptions.AggressiveOptimization)] (y, _, columns) =>
        {
            var output = target.AsSpan(y * w * 4, w * 4);
            if (!vertical)
            {
                Slow(y, output);
                return columns;
            }
            var first = source.AsSpan(y * factor * stride, span);
            for (var i = 0; i < span; i++) columns[i] = first[i];
            for (var dy = 1; dy < factor; dy++)
            {
                var row = source.AsSpan((y * factor + dy) * stride, span);
                var i = 0;
                for (; i <= span - Vector<byte>.Count; i += Vector<byte>.Count)
                {
                    Vector.Widen(new Vector<byte>(row[i..]), out var low, out var high);
                    (new Vector<ushort>(columns.AsSpan(i)) + low).CopyTo(columns.AsSpan(i));
                    (new Vector<ushort>(columns.AsSpan(i + Vector<ushort>.Count)) + high).CopyTo(columns.AsSpan(i + Vector<ushort>.Count));
                }
                for (; i < span; i++) columns[i] += row[i];
            }
            for (int x = 0, s = 0; x < w; x++)
            {
                int r = 0, g = 0, b = 0, a = 0;
                for (var dx = 0; dx < factor; dx++, s += 4)
                {
                    r += columns[s];
                    g += columns[s + 1];
                    b += columns[s + 2];
                    a += columns[s + 3];
                }
                var o = x * 4;
                output[o] = Divide(r);
                output[o + 1] = Divide(g);
                output[o + 2] = Divide(b);
                output[o + 3] = Divide(a);
            }
            return columns;
        }, _ => { });
        return new RgbaImage(w, h, target);

        byte Divide(int sum) => (byte)Math.BigMul(reciprocal, (ulong)(uint)(sum + half), out _);

        void Slow(int y, Span<byte> output)
        {
            for (var x = 0; x < w; x++)
            {
                for (var c = 0; c < 4; c++)
                {
                    var sum = 0;
                    for (var dy = 0; dy < factor; dy++)
                    {
                        var row = (y * factor + dy) * stride + x * factor * 4 + c;
                        for (var dx = 0; dx < factor; dx++) sum += source[row + dx * 4];
                    }
                    output[x * 4 + c] = (byte)((sum + half) / area);
                }
            }
        }
    }

    /// <summary>
    /// Resamples to exactly w x h: whole-pixel box averaging first when shrinking by 2 or more,
    /// then bilinear (fixed point). Managed and parallel; faster here than Skia's general path.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public RgbaImage Resize(int w, int h)
    {
        var factor = Math.Min(Width / w, Height / h);
        var source = factor >= 2 ? Downsample(factor) : this;
        if (source.Width == w && source.Height == h) return source == this ? Crop(0, 0, w, h) : source;
        int sw = source.Width, sh = source.Height;
        var sp = source.Pixels;
        var target = new byte[w * h * 4];
        var scaleX = (double)sw / w;
        var scaleY = (double)sh / h;
        Parallel.For(0, h, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (y) =>
        {
            var fy = Math.Clamp((y + 0.5) * scaleY - 0.5, 0, sh - 1);
            var y0 = Math.Min((int)fy, sh - 2 < 0 ? 0 : sh - 2);
            var y1 = Math.Min(y0 + 1, sh - 1);
            var ty = (int)((fy - y0) * 256);
            for (var x = 0; x < w; x++)
            {
                var fx = Math.Clamp((x + 0.5) * scaleX - 0.5, 0, sw - 1);
                var x0 = Math.Min((int)fx, sw - 2 < 0 ? 0 : sw - 2);
                var x1 = Math.Min(x0 + 1, sw - 1);
                var tx = (int)((fx - x0) * 256);
                int a = (y0 * sw + x0) * 4, b = (y0 * sw + x1) * 4, c = (y1 * sw + x0) * 4, d = (y1 * sw + x1) * 4;
                var o = (y * w + x) * 4;
                for (var ch = 0; ch < 4; ch++)
                {
                    var top = sp[a + ch] * (256 - tx) + sp[b + ch] * tx;
                    var bottom = sp[c + ch] * (256 - tx) + sp[d + ch] * tx;
                    target[o + ch] = (byte)((top * (256 - ty) + bottom * ty + 32768) >> 16);
                }
            }
        });
        return new RgbaImage(w, h, target);
    }

    public RgbaImage Crop(int x0, int y0, int w, int h) => Crop(x0, y0, w, h, new byte[w * h * 4]);

    /// <summary>Crops into <paramref name="target"/> (at least w x h x 4 bytes, e.g. from a pool).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public RgbaImage Crop(int x0, int y0, int w, int h, byte[] target)
    {
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
