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
        for (var i = 3; i < n * 4; i += 4)
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

        // Where colour alone cannot tell object from backdrop (pale on white), outlines still can.
        // The edge map does not depend on the model; both are worked out at once.
        BackgroundModel model = null!;
        byte[] edges = [];
        Parallel.Invoke(() => model = BackgroundModel.FitToBorder(smooth, w, h), () => edges = EdgeMap.Detect(smooth, w, h));
        if (model.InlierFraction < 0.6 || model.Sigma > 28) return null;

        // How far a pixel may be from the background colour (or a darker copy of it: a shadow)
        // and how sharp a step the fill may cross; both follow the border's own noise.
        var colourTolerance = Math.Clamp(3.5 * model.Sigma + 14, 20, 70);
        var stepTolerance = Math.Clamp(3 * model.StepSigma + 10, 12, 60);


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
                var open = edges[i] == 0;
                backgroundLike[i] = open && distance < colourTolerance ? (byte)1 : (byte)0;
                strictlyBackground[i] = open && plain < colourTolerance * 0.6 ? (byte)1 : (byte)0;
            }
        });

        // Grow the background in from the border; then take enclosed pockets of unmistakable
        // background colour as real holes (a mug handle), if they are big enough to matter.
        var fill = new EdgeStoppedFill(smooth, w, h, maxStepSquared: (int)(stepTolerance * stepTolerance));
        var background = new byte[n];
        // Seeds are border pixels of unmistakable backdrop colour: a pale object cut off by the frame
        // is background-like in colour, and seeding inside it would fill it from within.
        fill.Grow(BorderPixels(w, h), strictlyBackground, background, allowed: backgroundLike);

        var minHole = Math.Max(24, n / 2000);
        var pocketAllowed = new byte[n];
        for (var i = 0; i < n; i++) pocketAllowed[i] = strictlyBackground[i] != 0 && background[i] == 0 ? (byte)1 : (byte)0;
        var pocket = new byte[n];
        var members = new List<int>();
        for (var i = 0; i < n; i++)
        {
            if (pocketAllowed[i] == 0 || pocket[i] != 0) continue;
            members.Clear();
            fill.Grow([i], pocketAllowed, pocket, members);
            if (members.Count < minHole) continue;
            foreach (var p in members) background[p] = 1;
        }

        var mask = new byte[n];
        for (var i = 0; i < n; i++) mask[i] = background[i] == 0 ? (byte)1 : (byte)0;
        // Opening drops specks; no closing, which would seal the slit between a tail and a leg.
        MaskOps.Open(mask, w, h);
        OutlineMatting.Refine(mask, image, model);
        MaskOps.FillHolesSmallerThan(mask, w, h, minHole);
        return mask;
    }

    private static int[] BorderPixels(int w, int h)
    {
        var border = new List<int>(2 * (w + h));
        for (var x = 0; x < w; x++)
        {
            border.Add(x);
            border.Add((h - 1) * w + x);
        }
        for (var y = 1; y < h - 1; y++)
        {
            border.Add(y * w);
            border.Add(y * w + w - 1);
        }
        return [.. border];
    }
}
