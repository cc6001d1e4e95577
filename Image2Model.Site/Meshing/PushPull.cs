using System.Buffers;
using System.Runtime.CompilerServices;

namespace Image2Model.Site.Meshing;

/// <summary>
/// Push-pull hole filling: average the valid texels down a pyramid, then pour the averages back up
/// into the invalid ones. Linear time, smooth, and the nearest colours dominate.
/// </summary>
internal static class PushPull
{
    /// <summary>Levels with fewer rows than this are done on one thread (the hand-off costs more).</summary>
    private const int ParallelRows = 64;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Fill(byte[] rgba, byte[] valid, int w, int h)
    {
        // Level 1 is built straight from the bytes; deeper levels are floats (r, g, b, weight), premultiplied.
        var levels = new List<(float[] Data, int W, int H)>();
        int lw = (w + 1) / 2, lh = (h + 1) / 2;
        var first = ArrayPool<float>.Shared.Rent(lw * lh * 4);
        Parallel.For(0, lh, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (y) =>
        {
            var target = first.AsSpan(y * lw * 4, lw * 4);
            var rows = 2 * y + 1 < h ? 2 : 1;
            for (var x = 0; x < lw; x++)
            {
                // Whole numbers: summing them as integers gives the same floats in any order.
                int r = 0, g = 0, b = 0, wt = 0;
                var columns = 2 * x + 1 < w ? 2 : 1;
                for (var dy = 0; dy < rows; dy++)
                {
                    var i = (2 * y + dy) * w + 2 * x;
                    for (var dx = 0; dx < columns; dx++, i++)
                    {
                        if (valid[i] == 0) continue;
                        r += rgba[i * 4];
                        g += rgba[i * 4 + 1];
                        b += rgba[i * 4 + 2];
                        wt++;
                    }
                }
                Store(target, x * 4, r, g, b, wt);
            }
        });
        levels.Add((first, lw, lh));
        while (lw > 1 || lh > 1)
        {
            var (src, sw, sh) = levels[^1];
            lw = (sw + 1) / 2;
            lh = (sh + 1) / 2;
            var next = ArrayPool<float>.Shared.Rent(lw * lh * 4);
            int nw = lw, nh = lh;
            RunRows(nh, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (y) =>
            {
                var target = next.AsSpan(y * nw * 4, nw * 4);
                for (var x = 0; x < nw; x++)
                {
                    float r = 0, g = 0, b = 0, wt = 0;
                    for (var dy = 0; dy < 2; dy++)
                    {
                        var yy = 2 * y + dy;
                        if (yy >= sh) continue;
                        for (var dx = 0; dx < 2; dx++)
                        {
                            var xx = 2 * x + dx;
                            if (xx >= sw) continue;
                            var i = (yy * sw + xx) * 4;
                            r += src[i];
                            g += src[i + 1];
                            b += src[i + 2];
                            wt += src[i + 3];
                        }
                    }
                    Store(target, x * 4, r, g, b, wt);
                }
            });
            levels.Add((next, lw, lh));
        }
        // Push: fill each level's missing weight from the (already complete) level above it.
        for (var l = levels.Count - 2; l >= 0; l--)
        {
            var (data, dw, dh) = levels[l];
            var (up, uw, _) = levels[l + 1];
            RunRows(dh, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (y) =>
            {
                var row = data.AsSpan(y * dw * 4, dw * 4);
                var above = up.AsSpan((y / 2) * uw * 4, uw * 4);
                for (var x = 0; x < dw; x++)
                {
                    var i = x * 4;
                    var missing = 1 - row[i + 3];
                    if (missing <= 0) continue;
                    var u = (x / 2) * 4;
                    row[i] += missing * above[u];
                    row[i + 1] += missing * above[u + 1];
                    row[i + 2] += missing * above[u + 2];
                    row[i + 3] = 1;
                }
            });
        }
        var (top, tw2, _) = levels[0];
        Parallel.For(0, h, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (y) =>
        {
            var validRow = valid.AsSpan(y * w, w);
            var pixels = rgba.AsSpan(y * w * 4, w * 4);
            var above = top.AsSpan((y / 2) * tw2 * 4, tw2 * 4);
            // Valid texels keep their colour; jump over runs of them.
            var x = validRow.IndexOf((byte)0);
            while (x >= 0)
            {
                var run = validRow[x..].IndexOfAnyExcept((byte)0);
                var end = run < 0 ? w : x + run;
                for (; x < end; x++)
                {
                    var u = (x / 2) * 4;
                    pixels[x * 4] = (byte)Math.Clamp(above[u] + 0.5f, 0, 255);
                    pixels[x * 4 + 1] = (byte)Math.Clamp(above[u + 1] + 0.5f, 0, 255);
                    pixels[x * 4 + 2] = (byte)Math.Clamp(above[u + 2] + 0.5f, 0, 255);
                }
                if (end >= w) break;
                var nextGap = validRow[end..].IndexOf((byte)0);
                x = nextGap < 0 ? -1 : end + nextGap;
            }
        });
        // Every level is written in full before it is read, so pooled (dirty) arrays are fine.
        foreach (var (data, _, _) in levels) ArrayPool<float>.Shared.Return(data);
    }

    private static void RunRows(int rows, Action<int> row)
    {
        if (rows >= ParallelRows)
        {
            Parallel.For(0, rows, row);
            return;
        }
        for (var y = 0; y < rows; y++) row(y);
    }

    /// <summary>Stores a premultiplied average with weight capped at 1 (a fully covered texel).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Span<float> data, int i, float r, float g, float b, float weight)
    {
        if (weight <= 0)
        {
            data[i] = data[i + 1] = data[i + 2] = data[i + 3] = 0;
            return;
        }
        var capped = MathF.Min(1f, weight);
        var scale = capped / weight;
        data[i] = r * scale;
        data[i + 1] = g * scale;
        data[i + 2] = b * scale;
        data[i + 3] = capped;
    }
}
