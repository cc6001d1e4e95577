namespace Image2Model.Site.Meshing;

/// <summary>The object's silhouette: 1 where the object is, 0 elsewhere, at the working resolution.</summary>
internal sealed record Silhouette(int Width, int Height, byte[] Mask);

/// <summary>The outcome of looking for one clear subject in the picture.</summary>
internal sealed record SegmentationResult(Silhouette? Subject, string Reason);

/// <summary>
/// Finds the main object: real transparency when the image has it; otherwise a background model
/// learnt from the image border (a smooth colour surface, so gradients fit), grown inward from the
/// border through pixels that look like background or its shadow and that are not across an edge.
/// </summary>
internal static class Segmentation
{
    private const double MinCoverage = 0.02;
    private const double MaxCoverage = 0.95;

    public static SegmentationResult Find(RgbaImage image)
    {
        var mask = HasTransparency(image) ? FromAlpha(image) : FromBackgroundModel(image);
        if (mask is null) return new SegmentationResult(null, "busy scene: no plain background around a subject");
        var n = image.Width * image.Height;
        var kept = MaskOps.KeepMainComponents(mask, image.Width, image.Height);
        var coverage = (double)kept / n;
        if (coverage < MinCoverage) return new SegmentationResult(null, "no clear subject (too small)");
        if (coverage > MaxCoverage) return new SegmentationResult(null, "no clear subject (fills the picture)");
        return new SegmentationResult(new Silhouette(image.Width, image.Height, mask), "cut-out");
    }

    public static bool HasTransparency(RgbaImage image)
    {
        var px = image.Pixels;
        var n = image.Width * image.Height;
        var translucent = 0;
        for (var i = 3; i < px.Length; i += 4)
        {
            if (px[i] < 250) translucent++;
        }
        return translucent > n / 100;
    }

    private static byte[] FromAlpha(RgbaImage image)
    {
        var px = image.Pixels;
        var n = image.Width * image.Height;
        var mask = new byte[n];
        for (var i = 0; i < n; i++) mask[i] = px[i * 4 + 3] >= 128 ? (byte)1 : (byte)0;
        MaskOps.FillHolesSmallerThan(mask, image.Width, image.Height, 16);
        return mask;
    }

    private static byte[]? FromBackgroundModel(RgbaImage image)
    {
        int w = image.Width, h = image.Height, n = w * h;
        var radius = Math.Max(w, h) > 700 ? 2 : 1;
        var smooth = MaskOps.BoxBlurRgb(image.Pixels, w, h, radius);

        var model = BackgroundModel.FitToBorder(smooth, w, h);
        if (model.InlierFraction < 0.6 || model.Sigma > 28) return null;

        // How far a pixel may be from the background colour (or a darker copy of it: a shadow)
        // and how sharp a step the fill may cross; both follow the border's own noise.
        var colourTolerance = Math.Clamp(3.5 * model.Sigma + 14, 20, 70);
        var stepTolerance = Math.Clamp(3 * model.StepSigma + 10, 12, 60);
        var stepTolerance2 = (int)(stepTolerance * stepTolerance);

        var backgroundLike = new byte[n];
        var strictlyBackground = new byte[n];
        Parallel.For(0, h, y =>
        {
            for (var x = 0; x < w; x++)
            {
                var i = y * w + x;
                var (br, bg, bb) = model.Predict(x, y);
                double r = smooth[i * 3], g = smooth[i * 3 + 1], b = smooth[i * 3 + 2];
                double dr = r - br, dg = g - bg, db = b - bb;
                var plain = Math.Sqrt(dr * dr + dg * dg + db * db);
                var distance = plain;
                var dot = br * br + bg * bg + bb * bb;
                if (dot > 1)
                {
                    // A shadow is the background colour scaled down; measure the colour left over.
                    var alpha = (r * br + g * bg + b * bb) / dot;
                    if (alpha is >= 0.45 and < 1)
                    {
                        double sr = r - alpha * br, sg = g - alpha * bg, sb = b - alpha * bb;
                        distance = Math.Min(distance, Math.Sqrt(sr * sr + sg * sg + sb * sb) + 6 + 10 * (1 - alpha));
                    }
                }
                backgroundLike[i] = distance < colourTolerance ? (byte)1 : (byte)0;
                strictlyBackground[i] = plain < colourTolerance * 0.6 ? (byte)1 : (byte)0;
            }
        });

        var background = new byte[n];
        var queue = new int[n];
        var count = 0;
        for (var x = 0; x < w; x++)
        {
            Seed(x);
            Seed((h - 1) * w + x);
        }
        for (var y = 0; y < h; y++)
        {
            Seed(y * w);
            Seed(y * w + w - 1);
        }
        Grow(backgroundLike, background, queue, ref count, 0);

        // Real holes (a mug handle): enclosed pockets of unmistakable background colour.
        var minHole = Math.Max(24, n / 2000);
        var pocket = new byte[n];
        var members = new List<int>();
        for (var i = 0; i < n; i++)
        {
            if (strictlyBackground[i] == 0 || background[i] != 0 || pocket[i] != 0) continue;
            count = 0;
            queue[count++] = i;
            pocket[i] = 1;
            var start = 0;
            members.Clear();
            while (start < count)
            {
                var p = queue[start++];
                members.Add(p);
                int px = p % w, py = p / w;
                if (px > 0) Visit(p, p - 1);
                if (px < w - 1) Visit(p, p + 1);
                if (py > 0) Visit(p, p - w);
                if (py < h - 1) Visit(p, p + w);
            }
            if (members.Count >= minHole)
            {
                foreach (var p in members) background[p] = 2;
            }
            continue;

            void Visit(int from, int to)
            {
                if (pocket[to] != 0 || strictlyBackground[to] == 0 || background[to] != 0) return;
                if (Step(from, to) >= stepTolerance2) return;
                pocket[to] = 1;
                queue[count++] = to;
            }
        }

        var mask = new byte[n];
        for (var i = 0; i < n; i++) mask[i] = background[i] == 0 ? (byte)1 : (byte)0;
        MaskOps.Open(mask, w, h);
        MaskOps.Close(mask, w, h);
        RefineOutline(mask, image, w, h);
        MaskOps.FillHolesSmallerThan(mask, w, h, minHole);
        return mask;

        void Seed(int i)
        {
            if (backgroundLike[i] == 0 || background[i] != 0) return;
            background[i] = 1;
            queue[count++] = i;
        }

        // Squared colour step between neighbours, compared with the squared tolerance.
        int Step(int a, int b)
        {
            int dr = smooth[a * 3] - smooth[b * 3], dg = smooth[a * 3 + 1] - smooth[b * 3 + 1], db = smooth[a * 3 + 2] - smooth[b * 3 + 2];
            return dr * dr + dg * dg + db * db;
        }

        void Grow(byte[] allowed, byte[] reached, int[] q, ref int end, int start)
        {
            while (start < end)
            {
                var p = q[start++];
                int px = p % w, py = p / w;
                if (px > 0) Try(p, p - 1, ref end);
                if (px < w - 1) Try(p, p + 1, ref end);
                if (py > 0) Try(p, p - w, ref end);
                if (py < h - 1) Try(p, p + w, ref end);
            }

            void Try(int from, int to, ref int e)
            {
                if (reached[to] != 0 || allowed[to] == 0) return;
                if (Step(from, to) >= stepTolerance2) return;
                reached[to] = 1;
                q[e++] = to;
            }
        }
    }

    /// <summary>
    /// The fill stops a pixel or two early where the outline is blurred. Along the outline, each
    /// pixel is re-decided by how far its colour lies from the nearby background towards the nearby
    /// object colour (a one-pixel matting step): half-way or more counts as object.
    /// </summary>
    private static void RefineOutline(byte[] mask, RgbaImage image, int w, int h)
    {
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
                if (fn == 0 || bn == 0) continue;
                fr /= fn; fg /= fn; fb /= fn; br /= bn; bg /= bn; bb /= bn;
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
