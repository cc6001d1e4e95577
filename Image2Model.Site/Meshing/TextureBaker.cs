namespace Image2Model.Site.Meshing;

/// <summary>A texture and where it sits in working-image coordinates (for UVs).</summary>
internal sealed record BakedTexture(byte[] Jpeg, double X0, double Y0, double Width, double Height);

/// <summary>
/// Cuts the texture out of the decoded photo and bleeds object colours outward past the outline,
/// so texels sampled at the rim never show the background (no halo).
/// </summary>
internal static class TextureBaker
{
    private const int JpegQuality = 90;

    /// <summary>
    /// Texels closer to the outline than this (in working pixels) are replaced by bled colour:
    /// they mix in background through anti-aliasing and JPEG chroma subsampling.
    /// </summary>
    private const float InsideMargin = 2f;

    /// <param name="photo">The decoded image (possibly larger than the working image).</param>
    /// <param name="factor">Photo pixels per working pixel along each axis.</param>
    /// <param name="field">The shape; null for a relief, which uses the whole picture.</param>
    public static BakedTexture Bake(RgbaImage photo, int factor, int workingWidth, int workingHeight, ShapeField? field, int maxSize)
    {
        double sx = factor, sy = factor;
        int px0 = 0, py0 = 0, pw = workingWidth * factor, ph = workingHeight * factor;
        if (field is not null)
        {
            const int margin = 2;
            var wx0 = Math.Max(0, field.BoxX0 - margin);
            var wy0 = Math.Max(0, field.BoxY0 - margin);
            var wx1 = Math.Min(workingWidth, field.BoxX0 + field.BoxWidth + margin);
            var wy1 = Math.Min(workingHeight, field.BoxY0 + field.BoxHeight + margin);
            px0 = (int)Math.Floor(wx0 * sx);
            py0 = (int)Math.Floor(wy0 * sy);
            pw = Math.Min(photo.Width, (int)Math.Ceiling(wx1 * sx)) - px0;
            ph = Math.Min(photo.Height, (int)Math.Ceiling(wy1 * sy)) - py0;
        }
        var crop = pw == photo.Width && ph == photo.Height ? photo : photo.Crop(px0, py0, pw, ph);
        // Sides need not be powers of two (glTF 2.0 and WebGL 2 mipmap any size); resampling to one
        // would cost more than the rest of the texture step.
        var cap = Math.Max(16, maxSize);
        var shrink = Math.Min(1.0, (double)cap / Math.Max(pw, ph));
        var texture = shrink < 1
            ? crop.Resize(Math.Max(1, (int)Math.Round(pw * shrink)), Math.Max(1, (int)Math.Round(ph * shrink)))
            : ReferenceEquals(crop, photo) ? photo.Crop(0, 0, pw, ph) : crop;

        int tw = texture.Width, th = texture.Height;
        var pixels = texture.Pixels;
        if (field is not null)
        {
            // Gaps the mesher closed keep their photo content (a logo's white stripe stays white).
            var valid = new byte[tw * th];
            // Texel centre -> photo -> working coordinates; keep only texels well inside the outline.
            var stepX = (double)pw / tw / sx;
            var stepY = (double)ph / th / sy;
            double ox = px0 / sx, oy = py0 / sy;
            Parallel.For(0, th, y =>
            {
                var wy = oy + (y + 0.5) * stepY;
                for (var x = 0; x < tw; x++)
                {
                    var wx = ox + (x + 0.5) * stepX;
                    var i = y * tw + x;
                    valid[i] = field.SampleSignedDistance(wx, wy) > InsideMargin && pixels[i * 4 + 3] > 200 ? (byte)1 : (byte)0;
                }
            });
            PushPull.Fill(pixels, valid, tw, th);
        }
        for (var i = 3; i < pixels.Length; i += 4) pixels[i] = 255;
        return new BakedTexture(texture.EncodeJpeg(JpegQuality), px0 / sx, py0 / sy, pw / sx, ph / sy);
    }
}

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
