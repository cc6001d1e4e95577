namespace Image2Model.Site.Meshing;

/// <summary>The object's silhouette: 1 where the object is, 0 elsewhere, at the working resolution.</summary>
internal sealed record Silhouette(int Width, int Height, byte[] Mask);

/// <summary>The outcome of looking for one clear subject in the picture.</summary>
internal sealed record SegmentationResult(Silhouette? Subject, string Reason)
{
    /// <summary>The subject came from real transparency (clip art, a product shot already cut out).</summary>
    public bool FromAlpha { get; init; }

    /// <summary>A subject was found but judged unfit to stand free; its mask, for a layered relief.</summary>
    public byte[]? Rejected { get; init; }

    /// <summary>The rejected mask is a real subject that cannot stand free: worth a layered relief.</summary>
    public bool Layered { get; init; }
}

/// <summary>
/// Finds the main object: real transparency when the image has it; otherwise an iterated colour
/// graph cut (<see cref="GrabCut"/>) seeded from a background model learnt from the image border
/// (a smooth colour surface, grown inward through backdrop-like pixels), or from a centre prior
/// when the border is too busy for one. The result is then judged (<see cref="CutoutJudge"/>).
/// </summary>
internal static class Segmentation
{
    private const int GrabCutRounds = 4;

    private const double MaxGuessCoverage = 0.7;
    private const double MaxGuessContact = 0.15;

    public static SegmentationResult Find(RgbaImage image)
    {
        int w = image.Width, h = image.Height, n = w * h;
        if (HasTransparency(image))
        {
            var alpha = FromAlpha(image);
            var verdict = CutoutJudge.Judge(alpha, image, checkEdges: false);
            return verdict.Accepted
                ? new SegmentationResult(new Silhouette(w, h, alpha), verdict.Reason) { FromAlpha = true }
                : new SegmentationResult(null, verdict.Reason);
        }
        if (Math.Min(w, h) < 24)
        {
            // Too small to learn colour models from; the border model alone decides.
            var small = FromBackgroundModel(image, Math.Max(24, n / 2000), refineOutline: true);
            if (small is null) return new SegmentationResult(null, "no clear subject: the background is too busy");
            var kept = MaskOps.KeepMainComponents(small, w, h);
            return kept < CutoutJudge.MinCoverage * n || kept > 0.95 * n
                ? new SegmentationResult(null, "no clear subject")
                : new SegmentationResult(new Silhouette(w, h, small), "cut-out");
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        // The first guess only seeds the cut's rounds, which run on a coarse grid: it is worked
        // out on that grid too (the band re-cut at working size decides the outline).
        var step = GrabCut.CoarseStep(w, h);
        var coarse = image.Downsample(step);
        int cw = coarse.Width, ch = coarse.Height, cn = cw * ch;
        var initial = FromBackgroundModel(coarse, Math.Max(24, n / 2000) / (step * step), refineOutline: false);
        StageTimes.Lap("border model", clock);
        var seeded = initial is not null;
        if (initial is not null)
        {
            var covered = 0;
            foreach (var v in initial) covered += v;
            // A guess that fills most of the frame and runs along its edges has found no backdrop
            // to speak of (a shelf above and a table below it): no guess at all. A logo filling
            // the frame only touches its edges.
            if (covered < 0.005 * cn || covered > 0.95 * cn || (covered > MaxGuessCoverage * cn && GrabCut.SidesReached(initial, cw, ch).Contact > MaxGuessContact)) initial = null;
        }
        // What the border model missed (an object face as dull as the backdrop's noise) may still be
        // rare among the frame's colours; with no plain border at all, that is the only guess.
        if (initial is not null) StageTimes.Mask("border", initial, cw, ch);
        var frame = FrameColours.Fit(coarse);
        var salient = Salient(coarse, frame, fallBackToRectangle: initial is null, out var rectangle);
        StageTimes.Mask("salient", salient, cw, ch);
        StageTimes.Lap("salient", clock);
        var retry = initial is null ? null : (byte[])salient.Clone();
        if (initial is null) initial = salient;
        else
        {
            for (var i = 0; i < cn; i++) initial[i] |= salient[i];
        }
        var cut = GrabCut.Run(image, coarse, initial, GrabCutRounds, borderPrior: seeded ? 0.5 : 1.5, retry);
        var mask = cut.Mask;
        StageTimes.Lap("grabcut", clock);
        ReopenHoles(mask, cut.Preference, w, h);
        MaskOps.Open(mask, w, h);
        MaskOps.FillHolesSmallerThan(mask, w, h, Math.Max(24, n / 2000));
        AddBackLeftOut(mask, image, frame, step);
        var candidate = (byte[])mask.Clone();
        StageTimes.Mask("candidate", candidate, w, h);
        // With no plain border, the first guess is simply what stands out from the frame's colours
        // (a portrait's face, suit, flag and props): separate things standing out alike mean no
        // single subject. With a border model, the first guess is rougher (stray tiles) and the
        // cut's own rounds decide.
        var rivals = seeded ? cut.Rivals : Math.Max(cut.Rivals, cut.InitialRivals);
        StageTimes.Lap("post", clock);
        var judged = CutoutJudge.Judge(mask, image, checkEdges: true, rivals: rivals, frameClaim: cut.FrameClaim);
        StageTimes.Lap("judge", clock);
        // The cut held the frame's outermost strip as backdrop (see GrabCut.Run), so an object the
        // frame cuts off stops just short of it. Where the object reaches that strip it runs on to
        // the frame: the strip takes the label of the row or column just inside it.
        if (judged.Accepted) ExtendAcrossHeldStrip(mask, w, h, Math.Max(1, Math.Min(cw, ch) / 100) * step);
        if (judged.Accepted) return new SegmentationResult(new Silhouette(w, h, mask), judged.Reason);
        // A subject with a few rivals (a portrait beside a flag and a model shuttle, two cups) is
        // still a scene worth layering: what stands out is raised over a plate. Many rivals (a
        // crowd, tiles) or a "subject" whose colours the frame is full of is no subject at all.
        if (judged.Rivalled && rivals <= MaxSceneRivals && StandsOut(candidate, w, frame, step) >= MinSceneRarity)
        {
            return new SegmentationResult(null, judged.Reason) { Rejected = SceneLayer(candidate, cut.Preference, seeded || rectangle ? null : salient, cw, ch, step, w, h), Layered = true };
        }
        return new SegmentationResult(null, judged.Reason) { Rejected = judged.Pieces > 0 ? candidate : null, Layered = judged.SubjectFound };
    }

    /// <summary>Rivals up to this share of the subject's area still leave a scene with a subject (beyond it: a crowd, a pattern).</summary>
    private const double MaxSceneRivals = 1.5;

    /// <summary>Share of the subject whose colours must be uncommon along the frame for it to count as standing out.</summary>
    private const double MinSceneRarity = 0.5;

    /// <summary>Share of the mask's pixels whose colours are uncommon along the frame (rarer than 95 % of it).</summary>
    private static double StandsOut(byte[] mask, int w, FrameColours frame, int step)
    {
        int area = 0, rare = 0;
        for (var i = 0; i < mask.Length; i++)
        {
            if (mask[i] == 0) continue;
            area++;
            int x = i % w, y = i / w;
            if (frame.Costs[Math.Min(frame.Height - 1, y / step) * frame.Width + Math.Min(frame.Width - 1, x / step)] > frame.Common) rare++;
        }
        return area == 0 ? 0 : (double)rare / area;
    }

    /// <summary>
    /// What a layered relief raises for a scene: the subject, and the rivals (the pieces the cut's
    /// colour models call object, and with no plain border the first guess's pieces, which the
    /// rivals were counted on), each at least a tenth of the subject's size, with small gaps closed
    /// so each is one smooth layer.
    /// </summary>
    /// <param name="firstGuess">The coarse first guess whose pieces count as rivals, or null.</param>
    private static byte[] SceneLayer(byte[] subject, float[] preference, byte[]? firstGuess, int cw, int ch, int step, int w, int h)
    {
        var n = w * h;
        var layer = new byte[n];
        var area = 0;
        for (var i = 0; i < n; i++)
        {
            layer[i] = preference[i] < 0 ? (byte)1 : (byte)0;
            area += subject[i];
        }
        var r = Math.Max(1, Math.Min(w, h) / 200);
        MaskOps.Erode(layer, w, h, r);
        MaskOps.Dilate(layer, w, h, r);
        if (firstGuess is not null)
        {
            // Its pieces are ragged (rare colours only): closed on the coarse grid first.
            var guess = (byte[])firstGuess.Clone();
            MaskOps.Dilate(guess, cw, ch, 2);
            MaskOps.Erode(guess, cw, ch, 2);
            for (var y = 0; y < h; y++)
            {
                var cy = Math.Min(ch - 1, y / step);
                for (var x = 0; x < w; x++) layer[y * w + x] |= guess[cy * cw + Math.Min(cw - 1, x / step)];
            }
        }
        // Keep pieces a tenth of the subject or more.
        MaskOps.RemovePiecesSmallerThan(layer, w, h, (area + 9) / 10);
        for (var i = 0; i < n; i++) layer[i] |= subject[i];
        MaskOps.Dilate(layer, w, h, 2 * r);
        MaskOps.Erode(layer, w, h, 2 * r);
        MaskOps.FillHolesSmallerThan(layer, w, h, Math.Max(24, n / 500));
        StageTimes.Mask("scene-layer", layer, w, h);
        return layer;
    }

    private static void ExtendAcrossHeldStrip(byte[] mask, int w, int h, int strip)
    {
        if (2 * strip + 2 >= Math.Min(w, h)) return;
        for (var x = 0; x < w; x++)
        {
            var top = mask[strip * w + x];
            var bottom = mask[(h - 1 - strip) * w + x];
            for (var y = 0; y < strip; y++)
            {
                mask[y * w + x] = top;
                mask[(h - 1 - y) * w + x] = bottom;
            }
        }
        for (var y = 0; y < h; y++)
        {
            var left = mask[y * w + strip];
            var right = mask[y * w + w - 1 - strip];
            for (var x = 0; x < strip; x++)
            {
                mask[y * w + x] = left;
                mask[y * w + w - 1 - x] = right;
            }
        }
    }

    /// <summary>
    /// The first guess when the border is too busy for a smooth backdrop model: inside a centre
    /// rectangle, the pixels whose colours are rare along the frame border (a mixture fitted to a
    /// border band); outside it, backdrop. Falls back to the whole rectangle when too little stands out.
    /// </summary>
    /// <param name="rectangle">Set when it fell back to the whole rectangle.</param>
    private static byte[] Salient(RgbaImage image, FrameColours frame, bool fallBackToRectangle, out bool rectangle)
    {
        rectangle = false;
        int w = image.Width, h = image.Height;
        var mask = new byte[w * h];
        int mx = Math.Max(1, w / 12), my = Math.Max(1, h / 12);
        var count = 0;
        for (var y = my; y < h - my; y++)
        {
            for (var x = mx; x < w - mx; x++)
            {
                var i = y * w + x;
                if (frame.Costs[i] > frame.Common) { mask[i] = 1; count++; }
            }
        }
        MaskOps.Open(mask, w, h);
        if (fallBackToRectangle && count < 0.02 * w * h)
        {
            rectangle = true;
            for (var y = my; y < h - my; y++)
            {
                for (var x = mx; x < w - mx; x++) mask[y * w + x] = 1;
            }
        }
        return mask;
    }

    /// <summary>Below this share of the object's area, backdrop left inside its hull is clutter, not a missing part.</summary>
    private const double MaxLeftOut = 0.12;

    /// <summary>
    /// The cut's backdrop mixture can win over part of the object when that part was labelled
    /// backdrop in the first guess: a cup's white rim and crema (the crema the table's colour) go to
    /// the table, and the saucer is left as a crescent. Backdrop that the frame's own colours do not
    /// explain (not even as a shadow), joined to the cut and mostly inside its convex hull, is a
    /// part the cut left out; when it is a sizeable share of the object, it is added back at working
    /// size with what it closes off (the crema inside the rim) and the holes mostly of such colours
    /// (glints the contaminated mixture opened). Clutter the object's hull takes in (a book beside
    /// it) stays a small share: at most 4 % on the composited set, 18 % for the cup.
    /// </summary>
    /// <returns>Whether anything was added.</returns>
    private static bool AddBackLeftOut(byte[] mask, RgbaImage image, FrameColours frame, int step)
    {
        int w = image.Width, h = image.Height;
        int cw = frame.Width, ch = frame.Height, cn = cw * ch;
        var small = new byte[cn];
        var area = 0;
        for (var y = 0; y < ch; y++)
        {
            for (var x = 0; x < cw; x++)
            {
                var count = 0;
                for (var dy = 0; dy < step; dy++)
                {
                    var yy = Math.Min(h - 1, y * step + dy);
                    for (var dx = 0; dx < step; dx++) count += mask[yy * w + Math.Min(w - 1, x * step + dx)];
                }
                if (2 * count < step * step) continue;
                small[y * cw + x] = 1;
                area++;
            }
        }
        if (area == 0) return false;
        var hull = CutoutJudge.HullMask(small, cw, ch);
        var left = new byte[cn];
        for (var i = 0; i < cn; i++)
        {
            if (small[i] == 0 && !frame.ExplainsCell(i)) left[i] = 1;
        }

        // Pieces of it that touch the object, lie mostly inside its hull (the top of a cup's rim
        // may stand above the saucer's hull) and are not specks.
        var region = new byte[cn];
        var seen = new bool[cn];
        var queue = new List<int>();
        var largest = 0;
        for (var i = 0; i < cn; i++)
        {
            if (left[i] == 0 || seen[i]) continue;
            queue.Clear();
            queue.Add(i);
            seen[i] = true;
            var touches = false;
            var inHull = 0;
            for (var q = 0; q < queue.Count; q++)
            {
                var p = queue[q];
                inHull += hull[p];
                int x = p % cw, y = p / cw;
                foreach (var nb in (ReadOnlySpan<int>)[x > 0 ? p - 1 : -1, x < cw - 1 ? p + 1 : -1, y > 0 ? p - cw : -1, y < ch - 1 ? p + cw : -1])
                {
                    if (nb < 0) continue;
                    if (small[nb] != 0) touches = true;
                    if (left[nb] == 0 || seen[nb]) continue;
                    seen[nb] = true;
                    queue.Add(nb);
                }
            }
            if (!touches || inHull < Math.Max(4, cn / 1000) || 2 * inHull < queue.Count) continue;
            largest = Math.Max(largest, inHull);
            foreach (var p in queue) region[p] = 1;
        }
        if (largest < MaxLeftOut * area) return false;

        // At working size, the pixels near those pieces whose own colours the frame does not explain.
        MaskOps.Dilate(region, cw, ch, 1);
        var before = Outside(mask, w, h);
        var added = 0;
        for (var y = 0; y < h; y++)
        {
            var cy = Math.Min(ch - 1, y / step);
            for (var x = 0; x < w; x++)
            {
                var i = y * w + x;
                if (mask[i] != 0 || region[cy * cw + Math.Min(cw - 1, x / step)] == 0 || frame.Explains(image.Pixels, i)) continue;
                mask[i] = 1;
                added++;
            }
        }
        if (added == 0) return false;
        MaskOps.Close(mask, w, h);
        MaskOps.Open(mask, w, h);
        // What the added part closed off from the rest of the backdrop is the inside of that part
        // (a cup's crema within its rim), not a hole: holes the cut found stay as they were.
        var after = Outside(mask, w, h);
        for (var i = 0; i < w * h; i++)
        {
            if (mask[i] == 0 && after[i] == 0 && before[i] != 0) mask[i] = 1;
        }
        // The backdrop mixture that took the part in also opened holes of its colours (the
        // saucer's white glints): holes a quarter of whose pixels the frame does not explain close.
        FillPocketsOfUnexplainedColour(mask, image, frame);
        return true;
    }

    /// <summary>Fills enclosed backdrop pockets at least a quarter of whose pixels the frame's colours do not explain.</summary>
    private static void FillPocketsOfUnexplainedColour(byte[] mask, RgbaImage image, FrameColours frame)
    {
        int w = image.Width, h = image.Height, n = w * h;
        var seen = new bool[n];
        var queue = new List<int>();
        for (var i = 0; i < n; i++)
        {
            if (mask[i] != 0 || seen[i]) continue;
            queue.Clear();
            queue.Add(i);
            seen[i] = true;
            var enclosed = true;
            var unexplained = 0;
            for (var q = 0; q < queue.Count; q++)
            {
                var p = queue[q];
                int x = p % w, y = p / w;
                if (x == 0 || y == 0 || x == w - 1 || y == h - 1) enclosed = false;
                if (enclosed && !frame.Explains(image.Pixels, p)) unexplained++;
                foreach (var nb in (ReadOnlySpan<int>)[x > 0 ? p - 1 : -1, x < w - 1 ? p + 1 : -1, y > 0 ? p - w : -1, y < h - 1 ? p + w : -1])
                {
                    if (nb < 0 || mask[nb] != 0 || seen[nb]) continue;
                    seen[nb] = true;
                    queue.Add(nb);
                }
            }
            if (!enclosed || 4 * unexplained < queue.Count) continue;
            foreach (var p in queue) mask[p] = 1;
        }
    }

    /// <summary>Backdrop pixels joined to the image's border through backdrop (1), as opposed to holes in the object.</summary>
    private static byte[] Outside(byte[] mask, int w, int h)
    {
        var outside = new byte[w * h];
        var queue = new List<int>();
        for (var i = 0; i < w * h; i++)
        {
            int x = i % w, y = i / w;
            if ((x > 0 && y > 0 && x < w - 1 && y < h - 1) || mask[i] != 0 || outside[i] != 0) continue;
            outside[i] = 1;
            queue.Add(i);
        }
        for (var q = 0; q < queue.Count; q++)
        {
            var p = queue[q];
            int x = p % w, y = p / w;
            foreach (var nb in (ReadOnlySpan<int>)[x > 0 ? p - 1 : -1, x < w - 1 ? p + 1 : -1, y > 0 ? p - w : -1, y < h - 1 ? p + w : -1])
            {
                if (nb < 0 || mask[nb] != 0 || outside[nb] != 0) continue;
                outside[nb] = 1;
                queue.Add(nb);
            }
        }
        return outside;
    }

    /// <summary>
    /// The colours seen round the frame, where the backdrop surely is: a mixture fitted to a band
    /// 5 % of the coarse image wide, with each coarse pixel's cost under it. A colour is explained
    /// when it is no rarer than the band's rarest 1 %, or is a band colour darkened (a shadow).
    /// </summary>
    private sealed class FrameColours
    {
        public required int Width { get; init; }
        public required int Height { get; init; }
        public required ColourMixture Model { get; init; }

        /// <summary>Per coarse pixel, -log p under the frame's mixture.</summary>
        public required float[] Costs { get; init; }

        /// <summary>The cost 95 % of the band's own pixels stay under.</summary>
        public required float Common { get; init; }

        /// <summary>The cost 99 % of the band's own pixels stay under.</summary>
        public required float Rare { get; init; }

        /// <summary>The coarse image the mixture was fitted to (RGBA).</summary>
        public required byte[] Pixels { get; init; }

        public static FrameColours Fit(RgbaImage image)
        {
            int w = image.Width, h = image.Height;
            var rgb = new float[w * h * 3];
            var px = image.Pixels;
            for (var i = 0; i < w * h; i++) { rgb[i * 3] = px[i * 4]; rgb[i * 3 + 1] = px[i * 4 + 1]; rgb[i * 3 + 2] = px[i * 4 + 2]; }
            var border = new List<int>();
            var band = Math.Max(2, Math.Min(w, h) / 20);
            for (var y = 0; y < h; y++)
            {
                for (var x = 0; x < w; x++)
                {
                    if (x < band || y < band || x >= w - band || y >= h - band) border.Add(y * w + x);
                }
            }
            var model = ColourMixture.Fit(rgb, [.. border], border.Count, 8);
            var costs = new float[w * h];
            for (var i = 0; i < w * h; i++) costs[i] = (float)model.Cost(rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2]);
            var borderCosts = border.Select(i => costs[i]).Order().ToArray();
            return new FrameColours
            {
                Width = w, Height = h, Model = model, Costs = costs, Pixels = px,
                Common = borderCosts[(int)(0.95 * (borderCosts.Length - 1))],
                Rare = borderCosts[(int)(0.99 * (borderCosts.Length - 1))],
            };
        }

        /// <summary>Whether coarse pixel <paramref name="i"/>'s colour is explained.</summary>
        public bool ExplainsCell(int i) => Costs[i] <= Rare || IsShadow(Pixels[i * 4], Pixels[i * 4 + 1], Pixels[i * 4 + 2]);

        /// <summary>Whether pixel <paramref name="i"/> of an RGBA image (any size) is explained.</summary>
        public bool Explains(byte[] rgba, int i)
        {
            float r = rgba[i * 4], g = rgba[i * 4 + 1], b = rgba[i * 4 + 2];
            return Model.Cost(r, g, b) <= Rare || IsShadow(r, g, b);
        }

        /// <summary>A band colour (bright enough to show a shadow) scaled down to 30–100 % of its brightness, hue kept.</summary>
        private bool IsShadow(double r, double g, double b)
        {
            for (var c = 0; c < Model.Components; c++)
            {
                var (mr, mg, mb) = Model.Mean(c);
                if (Model.Weight(c) <= 0 || mr + mg + mb < 150) continue;
                var dot = mr * mr + mg * mg + mb * mb;
                var alpha = (r * mr + g * mg + b * mb) / dot;
                if (alpha is < 0.3 or > 1.0) continue;
                double er = r - alpha * mr, eg = g - alpha * mg, eb = b - alpha * mb;
                if (Math.Sqrt(er * er + eg * eg + eb * eb) < 8 + 0.05 * Math.Sqrt(dot)) return true;
            }
            return false;
        }
    }

    /// <summary>
    /// The cut's smoothness can seal a hole that shows only backdrop (a mug handle): enclosed
    /// regions of the object whose colours the backdrop's mixture explains clearly better are
    /// opened again, when they are big enough to be real.
    /// </summary>
    private static void ReopenHoles(byte[] mask, float[] preference, int w, int h)
    {
        var n = w * h;
        var minHole = Math.Max(24, n / 2000);
        var candidate = new byte[n];
        for (var i = 0; i < n; i++) candidate[i] = mask[i] != 0 && preference[i] > 2 ? (byte)1 : (byte)0;
        var seen = new bool[n];
        var queue = new List<int>();
        for (var i = 0; i < n; i++)
        {
            if (candidate[i] == 0 || seen[i]) continue;
            queue.Clear();
            queue.Add(i);
            seen[i] = true;
            var touchesOutside = false;
            double sum = 0;
            for (var q = 0; q < queue.Count; q++)
            {
                var p = queue[q];
                sum += preference[p];
                int x = p % w, y = p / w;
                if (x == 0 || y == 0 || x == w - 1 || y == h - 1) touchesOutside = true;
                foreach (var nb in (ReadOnlySpan<int>)[x > 0 ? p - 1 : -1, x < w - 1 ? p + 1 : -1, y > 0 ? p - w : -1, y < h - 1 ? p + w : -1])
                {
                    if (nb < 0) continue;
                    if (mask[nb] == 0) touchesOutside = true;
                    if (candidate[nb] == 0 || seen[nb]) continue;
                    seen[nb] = true;
                    queue.Add(nb);
                }
            }
            if (touchesOutside || queue.Count < minHole || sum / queue.Count < 4) continue;
            foreach (var p in queue) mask[p] = 0;
        }
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

    /// <param name="minHole">Enclosed pockets of backdrop colour at least this big are holes.</param>
    /// <param name="refineOutline">Re-decide the outline's pixels by matting (when no cut follows).</param>
    private static byte[]? FromBackgroundModel(RgbaImage image, int minHole, bool refineOutline)
    {
        int w = image.Width, h = image.Height, n = w * h;
        var radius = Math.Max(w, h) > 700 ? 2 : 1;
        var bclock = System.Diagnostics.Stopwatch.StartNew();
        var smooth = MaskOps.BoxBlurRgb(image.Pixels, w, h, radius);
        StageTimes.Lap("bm blur", bclock);

        // Where colour alone cannot tell object from backdrop (pale on white), outlines still can.
        // The edge map does not depend on the model; both are worked out at once.
        BackgroundModel model = null!;
        byte[] edges = [];
        Parallel.Invoke(() => model = BackgroundModel.FitToBorder(smooth, w, h), () => edges = EdgeMap.Detect(smooth, w, h));
        StageTimes.Lap("bm fit+edges", bclock);
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
        StageTimes.Lap("bm classify", bclock);
        var fill = new EdgeStoppedFill(smooth, w, h, maxStepSquared: (int)(stepTolerance * stepTolerance));
        var background = new byte[n];
        // Seeds are border pixels of unmistakable backdrop colour: a pale object cut off by the frame
        // is background-like in colour, and seeding inside it would fill it from within.
        fill.Grow(BorderPixels(w, h), strictlyBackground, background, allowed: backgroundLike);

        StageTimes.Lap("bm fill", bclock);
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
        StageTimes.Lap("bm pockets", bclock);
        MaskOps.Open(mask, w, h);
        if (refineOutline) OutlineMatting.Refine(mask, image, model);
        StageTimes.Lap("bm matting", bclock);
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

/// <summary>
/// Time per segmentation step, collected only when a benchmark turns it on (the bench's "prof"
/// command), to show what the graph cut costs.
/// </summary>
internal static class StageTimes
{
    public static bool Enabled { get; set; }

    /// <summary>Intermediate masks (first guesses, each round's cut), for the bench's debugging only.</summary>
    public static Action<string, byte[], int, int>? Masks { get; set; }

    public static void Mask(string name, byte[] mask, int w, int h) => Masks?.Invoke(name, mask, w, h);

    public static readonly System.Collections.Concurrent.ConcurrentDictionary<string, List<double>> Times = new();

    public static void Lap(string name, System.Diagnostics.Stopwatch clock)
    {
        if (!Enabled) return;
        var list = Times.GetOrAdd(name, _ => []);
        lock (list) list.Add(clock.Elapsed.TotalMilliseconds);
        clock.Restart();
    }
}
