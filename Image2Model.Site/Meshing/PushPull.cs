namespace Image2Model.Site.Meshing;

/// <summary>
/// Push-pull hole filling: average the valid texels down a pyramid, then pour the averages back up
/// into the invalid ones. Linear time, smooth, and the nearest colours dominate.
/// </summary>
internal static class PushPull
{
    public static void Fill(byte[] rgba, byte[] valid, int w, int h)
    {
        // Level 1 is built straight from the bytes; deeper levels are floats (r, g, b, weight), premultiplied.
        var levels = new List<(float[] Data, int W, int H)>();
        int lw = (w + 1) / 2, lh = (h + 1) / 2;
        var first = new float[lw * lh * 4];
        Parallel.For(0, lh, y =>
        {
            for (var x = 0; x < lw; x++)
            {
                float r = 0, g = 0, b = 0, wt = 0;
                for (var dy = 0; dy < 2; dy++)
                {
                    var yy = 2 * y + dy;
                    if (yy >= h) continue;
                    for (var dx = 0; dx < 2; dx++)
                    {
                        var xx = 2 * x + dx;
                        if (xx >= w) continue;
                        var i = yy * w + xx;
                        if (valid[i] == 0) continue;
                        r += rgba[i * 4];
                        g += rgba[i * 4 + 1];
                        b += rgba[i * 4 + 2];
                        wt += 1;
                    }
                }
                Store(first, (y * lw + x) * 4, r, g, b, wt);
            }
        });
        levels.Add((first, lw, lh));
        while (lw > 1 || lh > 1)
        {
            var (src, sw, sh) = levels[^1];
            lw = (sw + 1) / 2;
            lh = (sh + 1) / 2;
            var next = new float[lw * lh * 4];
            for (var y = 0; y < lh; y++)
            {
                for (var x = 0; x < lw; x++)
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
                    Store(next, (y * lw + x) * 4, r, g, b, wt);
                }
            }
            levels.Add((next, lw, lh));
        }
        // Push: fill each level's missing weight from the (already complete) level above it.
        for (var l = levels.Count - 2; l >= 0; l--)
        {
            var (data, dw, dh) = levels[l];
            var (up, uw, _) = levels[l + 1];
            for (var y = 0; y < dh; y++)
            {
                for (var x = 0; x < dw; x++)
                {
                    var i = (y * dw + x) * 4;
                    var missing = 1 - data[i + 3];
                    if (missing <= 0) continue;
                    var u = ((y / 2) * uw + x / 2) * 4;
                    data[i] += missing * up[u];
                    data[i + 1] += missing * up[u + 1];
                    data[i + 2] += missing * up[u + 2];
                    data[i + 3] = 1;
                }
            }
        }
        var (top, tw2, _) = levels[0];
        Parallel.For(0, h, y =>
        {
            for (var x = 0; x < w; x++)
            {
                var i = y * w + x;
                if (valid[i] != 0) continue;
                var u = ((y / 2) * tw2 + x / 2) * 4;
                rgba[i * 4] = (byte)Math.Clamp(top[u] + 0.5f, 0, 255);
                rgba[i * 4 + 1] = (byte)Math.Clamp(top[u + 1] + 0.5f, 0, 255);
                rgba[i * 4 + 2] = (byte)Math.Clamp(top[u + 2] + 0.5f, 0, 255);
            }
        });
    }

    /// <summary>Stores a premultiplied average with weight capped at 1 (a fully covered texel).</summary>
    private static void Store(float[] data, int i, float r, float g, float b, float weight)
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
