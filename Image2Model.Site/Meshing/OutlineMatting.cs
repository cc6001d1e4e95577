namespace Image2Model.Site.Meshing;

/// <summary>
/// Sub-pixel honesty for a photo's cut-out: region growing stops a pixel or two early (or late)
/// where the outline is anti-aliased or blurred, and that pixel ring is exactly where a halo or a
/// lost sliver of the object would show.
/// </summary>
internal static class OutlineMatting
{
    /// <summary>
    /// The fill stops a pixel or two early where the outline is blurred. Along the outline, each
    /// pixel is re-decided by how far its colour lies from the nearby background towards the nearby
    /// object colour (a one-pixel matting step): half-way or more counts as object.
    /// </summary>
    /// <param name="background">
    /// The background model, for pixels with no clear background nearby (a narrow slit between a
    /// tail and a leg never fills, but it still shows background colour).
    /// </param>
    public static void Refine(byte[] mask, RgbaImage image, BackgroundModel background)
    {
        int w = image.Width, h = image.Height;
        const int depth = 3;
        const int window = 4;
        var inner = (byte[])mask.Clone();
        var outer = (byte[])mask.Clone();
        MaskOps.Erode(inner, w, h, depth);
        MaskOps.Dilate(outer, w, h, depth);
        var px = image.Pixels;
        var refined = (byte[])mask.Clone();
        Parallel.For(0, h, y =>
        {
            for (var x = 0; x < w; x++)
            {
                var i = y * w + x;
                if (inner[i] != 0 || outer[i] == 0) continue;
                double fr = 0, fg = 0, fb = 0, br = 0, bg = 0, bb = 0;
                int fn = 0, bn = 0;
                for (var yy = Math.Max(0, y - window); yy <= Math.Min(h - 1, y + window); yy++)
                {
                    for (var xx = Math.Max(0, x - window); xx <= Math.Min(w - 1, x + window); xx++)
                    {
                        var j = yy * w + xx;
                        if (inner[j] != 0) { fr += px[j * 4]; fg += px[j * 4 + 1]; fb += px[j * 4 + 2]; fn++; }
                        else if (outer[j] == 0) { br += px[j * 4]; bg += px[j * 4 + 1]; bb += px[j * 4 + 2]; bn++; }
                    }
                }
                if (fn == 0) continue;
                fr /= fn; fg /= fn; fb /= fn;
                if (bn == 0) (br, bg, bb) = background.Predict(x, y);
                else { br /= bn; bg /= bn; bb /= bn; }
                double dr = fr - br, dg = fg - bg, db = fb - bb;
                var contrast = dr * dr + dg * dg + db * db;
                if (contrast < 900) continue;
                var alpha = ((px[i * 4] - br) * dr + (px[i * 4 + 1] - bg) * dg + (px[i * 4 + 2] - bb) * db) / contrast;
                refined[i] = alpha >= 0.5 ? (byte)1 : (byte)0;
            }
        });
        refined.CopyTo(mask, 0);
    }
}
