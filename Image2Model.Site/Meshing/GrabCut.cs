using System.Runtime.CompilerServices;

namespace Image2Model.Site.Meshing;

/// <summary>
/// Iterated colour-model graph cut (Rother, Kolmogorov and Blake, "GrabCut", 2004): colour
/// mixtures for the object and the backdrop, a contrast-sensitive smoothness term between
/// 8-neighbours, and a minimum cut (<see cref="GridMaxFlow"/>), repeated as the mixtures are refitted
/// to the new labels. The rounds run on a half-size grid; the outline is then re-cut at full working
/// size in a narrow band around it.
/// </summary>
/// <remarks>
/// The backdrop's mixture has an extra "shadow" part: any backdrop colour scaled darker (same hue
/// and chromaticity, 30–100 % of its brightness) is explained as backdrop, so cast and contact
/// shadows, and the wood grain inside them, stay backdrop instead of becoming part of the object.
/// Where the edges nearby are out of focus (<see cref="DefocusMap"/>), being object costs more:
/// a busy backdrop behind the object is usually blurred by the lens, the object's outline is not.
/// </remarks>
internal static class GrabCut
{
    private const int Components = 5;

    private const double Gamma = 50;
    private const double Scale = 64;
    private const double ShadowShare = 0.25;
    private const double HardCost = 1000;

    /// <summary>Coarse cells within this distance of the other label are re-cut at working size.</summary>
    private const int BandCells = 1;

    /// <summary>Share of the frame's inner ring a cut must cover before a part clear of the frame is tried alone.</summary>
    private const double PeelContact = CutoutJudge.MaxFrameContact;

    /// <summary>Nats an object pixel costs where all edges nearby are out of focus.</summary>
    private const double DefocusWeight = 5;

    /// <summary>The cut and the per-pixel preference it was made from (positive: backdrop likelier), at the image's size.</summary>
    /// <param name="Rivals">Area (share of the kept object's) of the separate pieces dropped for standing out less, at most over the rounds.</param>
    /// <param name="FrameClaim">Share of the frame's outermost band whose colours the object's mixture explains clearly better (held as backdrop or not).</param>
    public sealed record Result(byte[] Mask, float[] Preference, double Rivals = 0, double FrameClaim = 0)
    {
        /// <summary>Like <see cref="Rivals"/>, for the pieces of the first guess.</summary>
        public double InitialRivals { get; init; }
    }

    /// <param name="initial">First guess, 1 = object, at the image's size.</param>
    /// <param name="borderPrior">Extra cost, in nats, for object pixels on the frame's outermost rows and columns.</param>
    /// <remarks>
    /// The frame's outermost rows and columns (1 % of the shorter side) are held as backdrop: a
    /// piece of backdrop that reaches the frame (the lower sky, a tile, a table top) can otherwise
    /// be won over by the object's mixture, and the long seam along the frame it would need makes
    /// the cut pay for it. An object cut off by the frame loses only that thin strip; the judge
    /// looks just inside it to see that the object runs off the frame.
    /// </remarks>
    /// <summary>
    /// The rounds run on a grid of about 200 pixels along the longer side (every <c>step</c>-th
    /// pixel's block); the band re-cut then restores full working detail along the outline.
    /// </summary>
    public static int CoarseStep(int w, int h) => Math.Clamp((int)Math.Round(Math.Max(w, h) / 200.0), 1, Math.Max(1, Math.Min(w, h) / 60));

    /// <param name="coarseImage">The image box-downsampled by <see cref="CoarseStep"/> (the image itself when that is 1).</param>
    /// <param name="initial">First guess, 1 = object, at the coarse image's size.</param>
    /// <param name="retry">Another first guess (coarse), tried when the cut runs off several sides of the frame and no part of it stands clear.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Result Run(RgbaImage image, RgbaImage coarseImage, byte[] initial, int rounds, double borderPrior, byte[]? retry = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // The working-size buffers are pooled (megabytes each, every conversion): returned at the end.
        var rented = new List<Array>();
        try
        {
            return Run(image, coarseImage, initial, rounds, borderPrior, retry, rented, clock);
        }
        finally
        {
            foreach (var array in rented)
            {
                switch (array)
                {
                    case float[] f: System.Buffers.ArrayPool<float>.Shared.Return(f); break;
                    case int[] i: System.Buffers.ArrayPool<int>.Shared.Return(i); break;
                    case bool[] b: System.Buffers.ArrayPool<bool>.Shared.Return(b); break;
                }
            }
        }
    }

    private static T[] Rent<T>(List<Array> rented, int length)
    {
        var array = System.Buffers.ArrayPool<T>.Shared.Rent(length);
        rented.Add(array);
        return array;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Result Run(RgbaImage image, RgbaImage coarseImage, byte[] initial, int rounds, double borderPrior, byte[]? retry, List<Array> rented, System.Diagnostics.Stopwatch clock)
    {
        int w = image.Width, h = image.Height;
        int cw = coarseImage.Width, ch = coarseImage.Height;
        var factor = w / cw;
        var full = Colours(image.Pixels, w, h, Rent<float>(rented, w * h * 3));
        var coarse = coarseImage == image ? full : Colours(coarseImage.Pixels, cw, ch, new float[cw * ch * 3]);
        var labels = (byte[])initial.Clone();

        ColourMixture fg = null!, bg = null!;
        var beta = Beta(coarse, cw, ch);
        var edges = EdgeWeights(coarse, cw, ch, beta, null, new int[cw * ch * 4]);
        var unary = new float[cw * ch * 2];
        var soft = DefocusMap.SoftEdgeShare(image, factor, cw, ch, reach: 5);
        if (StageTimes.Masks is not null) StageTimes.Mask("soft", [.. soft.Select(v => (byte)(v > 0.3 ? 1 : 0))], cw, ch);
        StageTimes.Lap("gc setup", clock);
        var hard = HardBackground(cw, ch);
        var frame = FrameModel(coarse, cw, ch);
        // The first guess is rough, so its pieces are not counted as rivals; after that, the most
        // seen in any round (once dropped, a rival piece never comes back to be counted).
        StageTimes.Lap("gc frame", clock);
        StageTimes.Mask("coarse-initial", labels, cw, ch);
        var initialRivals = SelectPieces(labels, cw, ch, coarse, frame);
        StageTimes.Mask("coarse-selected", labels, cw, ch);
        double rivals = 0;
        void Rounds(int count)
        {
            for (var round = 0; round < count; round++)
            {
                if (!FitModels(coarse, labels, out fg, out bg)) break;
                StageTimes.Lap("gc fit", clock);
                Unaries(coarse, cw, ch, fg, bg, borderPrior, hard, null, unary, soft, cw, 1);
                StageTimes.Lap("gc unary", clock);
                var changed = Cut(cw, ch, unary, edges, labels, band: null);
                StageTimes.Mask($"round{round}", labels, cw, ch);
                StageTimes.Lap("gc cut", clock);
                rivals = Math.Max(rivals, SelectPieces(labels, cw, ch, coarse, frame));
                StageTimes.Lap("gc pieces", clock);
                if (changed < cw * ch / 2000) break;
            }
        }
        Rounds(rounds);
        // A cut that runs along the frame on several sides, so far that the judge would turn it down,
        // has usually taken in backdrop (the lower sky, a table top) along with the object. If a
        // compact part of it stands clear of the frame, that part is tried alone (else the other
        // first guess); the new cut is kept if it runs off fewer sides.
        var (sides, contact) = SidesReached(labels, cw, ch);
        if (fg is not null && sides >= 2 && contact > PeelContact && (Peel(labels, cw, ch) ?? retry) is { } peeled)
        {
            var kept = (labels, fg, bg, (float[])unary.Clone(), rivals);
            labels = (byte[])peeled.Clone();
            StageTimes.Mask("peel-start", labels, cw, ch);
            Rounds(2);
            if (fg is null || bg is null || SidesReached(labels, cw, ch).Sides >= sides) (labels, fg, bg, unary, rivals) = kept;
            else StageTimes.Mask("peeled", labels, cw, ch);
        }
        if (fg is null || bg is null) return new Result(Upscale(initial, cw, ch, w, h, factor), new float[w * h]);

        // Full-size labels: the coarse result scaled up, then the outline re-cut in a band.
        var mask = new byte[w * h];
        var preference = new float[w * h];
        // Which coarse column each column falls in (no division per pixel).
        var cellOf = Rent<int>(rented, w);
        for (var x = 0; x < w; x++) cellOf[x] = Math.Min(cw - 1, x / factor);
        Parallel.For(0, h, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (y) =>
        {
            var row = Math.Min(ch - 1, y / factor) * cw;
            for (var x = 0; x < w; x++)
            {
                var c = row + cellOf[x];
                mask[y * w + x] = labels[c];
                preference[y * w + x] = unary[c * 2] - unary[c * 2 + 1];
            }
        });
        if (factor > 1)
        {
            // The band: the coarse cells on either side of the coarse outline, and their neighbours
            // (the coarse outline can be a cell off). Worked out on the coarse grid, then scaled up.
            var coarseBand = new bool[cw * ch];
            for (var y = 0; y < ch; y++)
            {
                for (var x = 0; x < cw; x++)
                {
                    var l = labels[y * cw + x];
                    var edge = false;
                    for (var dy = -BandCells; dy <= BandCells && !edge; dy++)
                    {
                        var yy = y + dy;
                        if (yy < 0 || yy >= ch) continue;
                        for (var dx = -BandCells; dx <= BandCells; dx++)
                        {
                            var xx = x + dx;
                            if (xx >= 0 && xx < cw && labels[yy * cw + xx] != l) { edge = true; break; }
                        }
                    }
                    coarseBand[y * cw + x] = edge;
                }
            }
            // Pooled and not cleared: every entry is written below.
            var band = Rent<bool>(rented, w * h);
            var fullHard = Rent<bool>(rented, w * h);
            Parallel.For(0, h, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (y) =>
            {
                var row = Math.Min(ch - 1, y / factor) * cw;
                for (var x = 0; x < w; x++)
                {
                    var c = row + cellOf[x];
                    band[y * w + x] = coarseBand[c];
                    fullHard[y * w + x] = hard[c];
                }
            });
            // Only the band is re-cut, so only its unaries are needed at full size (and only they
            // are written and read: the pooled array is not cleared).
            var fullUnary = Rent<float>(rented, w * h * 2);
            Unaries(full, w, h, fg, bg, borderPrior, fullHard, band, fullUnary, soft, cw, factor);
            for (var i = 0; i < w * h; i++)
            {
                if (band[i]) preference[i] = fullUnary[i * 2] - fullUnary[i * 2 + 1];
            }
            StageTimes.Lap("gc band unary", clock);
            // The band's contrast scale is the coarse grid's (a full-size pass costs more than the cut).
            // Pooled and not cleared: the cut reads only the weights of band pixels and of pixels
            // next to the band, which EdgeWeights writes (every neighbour inside the image).
            var fullEdges = EdgeWeights(full, w, h, beta, band, Rent<int>(rented, w * h * 4));
            Cut(w, h, fullUnary, fullEdges, mask, band);
            StageTimes.Lap("gc band cut", clock);
        }
        var claim = FrameClaim(coarse, cw, ch, fg, bg, soft, labels);
        StageTimes.Lap("gc claim", clock);
        return new Result(mask, preference, rivals, claim) { InitialRivals = initialRivals };
    }

    /// <summary>
    /// How many sides of the frame the object reaches (more than 5 % of the side, just inside the
    /// held band), and the share of that ring it covers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static (int Sides, double Contact) SidesReached(byte[] labels, int w, int h)
    {
        var d = Math.Max(1, Math.Min(w, h) / 100) + 1;
        if (2 * d >= Math.Min(w, h)) return (0, 0);
        int top = 0, bottom = 0, left = 0, right = 0;
        for (var x = d; x < w - d; x++) { top += labels[d * w + x]; bottom += labels[(h - 1 - d) * w + x]; }
        for (var y = d; y < h - d; y++) { left += labels[y * w + d]; right += labels[y * w + w - 1 - d]; }
        var sides = 0;
        foreach (var (count, length) in new[] { (top, w), (bottom, w), (left, h), (right, h) })
        {
            if (count > 0.05 * (length - 2 * d)) sides++;
        }
        return (sides, (top + bottom + left + right) / (2.0 * (w + h - 4 * d)));
    }

    /// <summary>
    /// The largest part of the object that an opening separates from the frame and that keeps
    /// clear of it, grown back to the object's own pixels; null when there is none worth trying.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static byte[]? Peel(byte[] labels, int w, int h)
    {
        var r = Math.Max(2, Math.Min(w, h) / 40);
        var opened = (byte[])labels.Clone();
        MaskOps.Erode(opened, w, h, r);
        MaskOps.Dilate(opened, w, h, r);
        var d = Math.Max(1, Math.Min(w, h) / 100) + 1;
        var piece = new int[w * h];
        var queue = new int[w * h];
        int best = 0, bestSize = 0, next = 0, total = 0;
        foreach (var v in labels) total += v;
        for (var i = 0; i < w * h; i++)
        {
            if (opened[i] == 0 || piece[i] != 0) continue;
            var id = ++next;
            int head = 0, tail = 0;
            queue[tail++] = i;
            piece[i] = id;
            var reaches = false;
            while (head < tail)
            {
                var p = queue[head++];
                int x = p % w, y = p / w;
                if (x <= d || y <= d || x >= w - 1 - d || y >= h - 1 - d) reaches = true;
                if (x > 0 && opened[p - 1] != 0 && piece[p - 1] == 0) { piece[p - 1] = id; queue[tail++] = p - 1; }
                if (x < w - 1 && opened[p + 1] != 0 && piece[p + 1] == 0) { piece[p + 1] = id; queue[tail++] = p + 1; }
                if (y > 0 && opened[p - w] != 0 && piece[p - w] == 0) { piece[p - w] = id; queue[tail++] = p - w; }
                if (y < h - 1 && opened[p + w] != 0 && piece[p + w] == 0) { piece[p + w] = id; queue[tail++] = p + w; }
            }
            if (!reaches && tail > bestSize) { best = id; bestSize = tail; }
        }
        // Specks are not a subject; a part that is nearly all of the cut changes nothing.
        if (best == 0 || bestSize < 0.1 * total || bestSize > 0.9 * total) return null;
        var peeled = new byte[w * h];
        for (var i = 0; i < w * h; i++) peeled[i] = piece[i] == best ? (byte)1 : (byte)0;
        MaskOps.Dilate(peeled, w, h, r + 1);
        for (var i = 0; i < w * h; i++) peeled[i] &= labels[i];
        return peeled;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static byte[] Upscale(byte[] labels, int cw, int ch, int w, int h, int factor)
    {
        var mask = new byte[w * h];
        var cellOf = new int[w];
        for (var x = 0; x < w; x++) cellOf[x] = Math.Min(cw - 1, x / factor);
        for (var y = 0; y < h; y++)
        {
            var row = Math.Min(ch - 1, y / factor) * cw;
            for (var x = 0; x < w; x++) mask[y * w + x] = labels[row + cellOf[x]];
        }
        return mask;
    }

    /// <summary>A colour mixture of the frame's outer band: what the backdrop looks like where it is surely seen.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ColourMixture FrameModel(float[] rgb, int w, int h)
    {
        var band = Math.Max(2, Math.Min(w, h) / 20);
        var samples = new List<int>();
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                if (x < band || y < band || x >= w - band || y >= h - band) samples.Add(y * w + x);
            }
        }
        return ColourMixture.Fit(rgb, [.. samples], samples.Count, 8);
    }

    /// <summary>
    /// Keeps the one piece that stands out most from the frame's colours (mean rarity under the
    /// frame's mixture, weighted by the square root of its size), and the pieces near it at least a
    /// fifth its size (the two halves of a logo). Separate pieces of backdrop the object's mixture
    /// has won over (a cloud, a tile, a book behind) would otherwise feed its mixture every round.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double SelectPieces(byte[] labels, int w, int h, float[] rgb, ColourMixture frame)
    {
        var n = w * h;
        var piece = new int[n];
        var sizes = new List<int> { 0 };
        var boxes = new List<(int X0, int Y0, int X1, int Y1)> { default };
        var rarity = new List<double> { 0 };
        var queue = new int[n];
        for (var i = 0; i < n; i++)
        {
            if (labels[i] == 0 || piece[i] != 0) continue;
            var id = sizes.Count;
            int head = 0, tail = 0;
            queue[tail++] = i;
            piece[i] = id;
            int x0 = w, y0 = h, x1 = 0, y1 = 0;
            double sum = 0;
            while (head < tail)
            {
                var p = queue[head++];
                int x = p % w, y = p / w;
                x0 = Math.Min(x0, x); x1 = Math.Max(x1, x); y0 = Math.Min(y0, y); y1 = Math.Max(y1, y);
                if ((head & 3) == 0) sum += frame.Cost(rgb[p * 3], rgb[p * 3 + 1], rgb[p * 3 + 2]);
                if (x > 0 && labels[p - 1] != 0 && piece[p - 1] == 0) { piece[p - 1] = id; queue[tail++] = p - 1; }
                if (x < w - 1 && labels[p + 1] != 0 && piece[p + 1] == 0) { piece[p + 1] = id; queue[tail++] = p + 1; }
                if (y > 0 && labels[p - w] != 0 && piece[p - w] == 0) { piece[p - w] = id; queue[tail++] = p - w; }
                if (y < h - 1 && labels[p + w] != 0 && piece[p + w] == 0) { piece[p + w] = id; queue[tail++] = p + w; }
            }
            sizes.Add(tail);
            boxes.Add((x0, y0, x1, y1));
            rarity.Add(sum / Math.Max(1, tail / 4));
        }
        if (sizes.Count <= 2) return 0;
        var best = 1;
        var bestScore = double.NegativeInfinity;
        for (var id = 1; id < sizes.Count; id++)
        {
            if (sizes[id] < n / 500) continue;
            var score = rarity[id] * Math.Sqrt(sizes[id]);
            if (score > bestScore) { bestScore = score; best = id; }
        }
        var keep = new bool[sizes.Count];
        keep[best] = true;
        var b = boxes[best];
        var near = 0.05 * Math.Sqrt((double)w * w + (double)h * h);
        for (var id = 1; id < sizes.Count; id++)
        {
            if (id == best || sizes[id] * 5 < sizes[best]) continue;
            var o = boxes[id];
            var gapX = Math.Max(0, Math.Max(o.X0 - b.X1, b.X0 - o.X1));
            var gapY = Math.Max(0, Math.Max(o.Y0 - b.Y1, b.Y0 - o.Y1));
            if (Math.Sqrt(gapX * gapX + gapY * gapY) <= near) keep[id] = true;
        }
        int kept = 0, dropped = 0;
        for (var id = 1; id < sizes.Count; id++)
        {
            // Specks do not rival anything; pieces that could be a subject of their own do.
            if (keep[id]) kept += sizes[id];
            else if (sizes[id] * 10 >= sizes[best]) dropped += sizes[id];
        }
        for (var i = 0; i < n; i++)
        {
            if (labels[i] != 0 && !keep[piece[i]]) labels[i] = 0;
        }
        return (double)dropped / Math.Max(1, kept);
    }

    /// <summary>
    /// How much of the frame's edge looks like the object: a portrait's shoulders or a cat's fur
    /// reach the frame, and holding the frame band as backdrop must not hide that from the judge.
    /// </summary>
    /// <remarks>
    /// Only the frame next to the object counts: the object runs off the frame where it reaches it,
    /// not where a far stretch of table merely shares a colour with it.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double FrameClaim(float[] rgb, int w, int h, ColourMixture fg, ColourMixture bg, float[] soft, byte[] labels)
    {
        var near = (byte[])labels.Clone();
        MaskOps.Dilate(near, w, h, Math.Max(2, Math.Min(w, h) / 30));
        var band = Math.Max(1, Math.Min(w, h) / 100);
        int claimed = 0, total = 0;
        var seen = StageTimes.Masks is null ? null : new byte[w * h];
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                if (x >= band && y >= band && x < w - band && y < h - band) continue;
                var i = y * w + x;
                total++;
                // Out-of-focus stretches of the frame are backdrop seen behind the object, whatever their colour.
                if (near[i] != 0 && fg.Cost(rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2]) + DefocusWeight * soft[i] < bg.Cost(rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2]) - 1)
                {
                    claimed++;
                    if (seen is not null) seen[i] = 1;
                }
            }
        }
        if (seen is not null) StageTimes.Mask("claimed", seen, w, h);
        return total == 0 ? 0 : (double)claimed / total;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool[] HardBackground(int w, int h)
    {
        var hard = new bool[w * h];
        var band = Math.Max(1, Math.Min(w, h) / 100);
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                var i = y * w + x;
                if (x < band || y < band || x >= w - band || y >= h - band) hard[i] = true;
            }
        }
        return hard;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float[] Colours(byte[] rgba, int w, int h, float[] rgb)
    {
        Parallel.For(0, h, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (y) =>
        {
            for (int i = y * w, end = i + w; i < end; i++)
            {
                rgb[i * 3] = rgba[i * 4];
                rgb[i * 3 + 1] = rgba[i * 4 + 1];
                rgb[i * 3 + 2] = rgba[i * 4 + 2];
            }
        });
        return rgb;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool FitModels(float[] rgb, byte[] labels, out ColourMixture fg, out ColourMixture bg)
    {
        var n = labels.Length;
        int fgCount = 0, bgCount = 0;
        for (var i = 0; i < n; i++)
        {
            if (labels[i] != 0) fgCount++;
            else bgCount++;
        }
        fg = null!;
        bg = null!;
        if (fgCount < 20 || bgCount < 20) return false;
        // Fitting on at most ~20k samples per side costs little and changes nothing visible.
        // The two fits are independent (and single-threaded): one on each core.
        ColourMixture? first = null, second = null;
        Parallel.Invoke(
            () => first = ColourMixture.Fit(rgb, Sample(labels, 1, fgCount), Math.Min(fgCount, 20_000), Components),
            () => second = ColourMixture.Fit(rgb, Sample(labels, 0, bgCount), Math.Min(bgCount, 20_000), Components));
        fg = first!;
        bg = second!;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int[] Sample(byte[] labels, byte value, int count)
    {
        var step = Math.Max(1, count / 20_000);
        var samples = new int[Math.Min(count, 20_000)];
        var k = 0;
        var seen = 0;
        for (var i = 0; i < labels.Length && k < samples.Length; i++)
        {
            if (labels[i] != value) continue;
            if (seen++ % step == 0) samples[k++] = i;
        }
        return k == samples.Length ? samples : samples[..k];
    }

    /// <summary>Per pixel: [cost as object, cost as backdrop], in nats.</summary>
    /// <param name="soft">Per coarse cell, the share of soft (out-of-focus) edges nearby: evidence of backdrop.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Unaries(float[] rgb, int w, int h, ColourMixture fg, ColourMixture bg, double borderPrior, bool[] hard, bool[]? only, float[] unary, float[] soft, int softWidth, int factor)
    {
        // Shadow parts only for backdrop components bright enough to show a shadow.
        var shadowable = new List<ShadowPart>();
        for (var c = 0; c < bg.Components; c++)
        {
            var (r, g, b) = bg.Mean(c);
            if (bg.Weight(c) > 0 && r + g + b > 150) shadowable.Add(new ShadowPart(bg, c));
        }
        var parts = shadowable.ToArray();
        var band = Math.Max(1, Math.Min(w, h) / 100);
        var softColumn = new int[w];
        for (var x = 0; x < w; x++) softColumn[x] = Math.Min(softWidth - 1, x / factor);
        var softRows = soft.Length / softWidth;
        Parallel.For(0, h, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (y) =>
        {
            var softRow = Math.Min(softRows - 1, y / factor) * softWidth;
            for (var x = 0; x < w; x++)
            {
                var i = y * w + x;
                if (only is not null && !only[i]) continue;
                float r = rgb[i * 3], g = rgb[i * 3 + 1], b = rgb[i * 3 + 2];
                var costFg = fg.Cost(r, g, b);
                var costBg = bg.Cost(r, g, b);
                var shadow = ShadowCost(parts, r, g, b);
                if (shadow < 50)
                {
                    // -log((1 - s) e^-bg + s e^-shadow)
                    var lo = Math.Min(costBg, shadow);
                    costBg = lo - Math.Log((1 - ShadowShare) * Math.Exp(lo - costBg) + ShadowShare * Math.Exp(lo - shadow));
                }
                if (x < band || y < band || x >= w - band || y >= h - band) costFg += borderPrior;
                costFg += DefocusWeight * soft[softRow + softColumn[x]];
                if (hard[i]) costFg = HardCost;
                unary[i * 2] = (float)costFg;
                unary[i * 2 + 1] = (float)costBg;
            }
        });
    }

    /// <summary>
    /// -log density of "a backdrop colour darkened": chromatic residual from the darkened mean as a
    /// 2-D Gaussian, brightness uniform over 30–100 % of the mean's.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double ShadowCost(ShadowPart[] parts, double r, double g, double b)
    {
        var best = 50.0;
        foreach (var part in parts)
        {
            var alpha = (r * part.R + g * part.G + b * part.B) / part.Dot;
            if (alpha is < 0.3 or > 1.02) continue;
            double er = r - alpha * part.R, eg = g - alpha * part.G, eb = b - alpha * part.B;
            var residual2 = er * er + eg * eg + eb * eb;
            var cost = part.Constant + residual2 / part.Spread;
            if (cost < best) best = cost;
        }
        return best;
    }

    /// <summary>
    /// A backdrop component's shadow term, worked out once per pass rather than per pixel (the
    /// same arithmetic). The spread is taken at a typical shadow depth so the normalising terms stay constant.
    /// </summary>
    private readonly struct ShadowPart
    {
        public ShadowPart(ColourMixture bg, int c)
        {
            (R, G, B) = bg.Mean(c);
            Dot = R * R + G * G + B * B;
            var sigma = 5 + 0.02 * Math.Sqrt(Dot);
            Spread = 2 * sigma * sigma;
            Constant = bg.ShadowConstant(c);
        }

        public double R { get; }
        public double G { get; }
        public double B { get; }
        public double Dot { get; }
        public double Spread { get; }
        public double Constant { get; }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Beta(float[] rgb, int w, int h)
    {
        double sum = 0;
        long count = 0;
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                var i = y * w + x;
                if (x + 1 < w) { sum += Diff2(rgb, i, i + 1); count++; }
                if (y + 1 < h) { sum += Diff2(rgb, i, i + w); count++; }
            }
        }
        return sum <= 0 ? 0 : count / (2 * sum);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Diff2(float[] rgb, int a, int b)
    {
        double dr = rgb[a * 3] - rgb[b * 3], dg = rgb[a * 3 + 1] - rgb[b * 3 + 1], db = rgb[a * 3 + 2] - rgb[b * 3 + 2];
        return dr * dr + dg * dg + db * db;
    }

    /// <summary>Weights to the right, down-left, down and down-right neighbours (the other four are their mirrors).</summary>
    /// <param name="weights">w x h x 4 entries; those of pixels not computed (away from the band) are left as they are.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int[] EdgeWeights(float[] rgb, int w, int h, double beta, bool[]? only, int[] weights)
    {
        var diagonal = Gamma / Math.Sqrt(2);
        Parallel.For(0, h, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (y) =>
        {
            for (var x = 0; x < w; x++)
            {
                var i = y * w + x;
                // Edges leaving the band are needed too (they pull band pixels towards fixed labels).
                if (only is not null && !only[i] && !NearBand(only, w, h, x, y)) continue;
                var o = i * 4;
                if (x + 1 < w) weights[o] = (int)(Scale * Gamma * Math.Exp(-beta * Diff2(rgb, i, i + 1)));
                if (y + 1 < h)
                {
                    if (x > 0) weights[o + 1] = (int)(Scale * diagonal * Math.Exp(-beta * Diff2(rgb, i, i + w - 1)));
                    weights[o + 2] = (int)(Scale * Gamma * Math.Exp(-beta * Diff2(rgb, i, i + w)));
                    if (x + 1 < w) weights[o + 3] = (int)(Scale * diagonal * Math.Exp(-beta * Diff2(rgb, i, i + w + 1)));
                }
            }
        });
        return weights;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool NearBand(bool[] band, int w, int h, int x, int y)
    {
        for (var dy = 0; dy <= 1; dy++)
        {
            for (var dx = -1; dx <= 1; dx++)
            {
                int nx = x + dx, ny = y + dy;
                if (nx >= 0 && nx < w && ny < h && band[ny * w + nx]) return true;
            }
        }
        return false;
    }

    private static readonly (int Dx, int Dy)[] Forward = [(1, 0), (-1, 1), (0, 1), (1, 1)];

    /// <summary>One minimum cut; updates <paramref name="labels"/> (inside the band only, when given) and returns how many changed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Cut(int w, int h, float[] unary, int[] edges, byte[] labels, bool[]? band)
    {
        using var graph = new GridMaxFlow(w, h);
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                var i = y * w + x;
                if (band is not null && !band[i]) continue;
                var source = unary[i * 2 + 1] * Scale;
                var sink = unary[i * 2] * Scale;
                for (var k = 0; k < 4; k++)
                {
                    var (dx, dy) = Forward[k];
                    int nx = x + dx, ny = y + dy;
                    var weight = edges[i * 4 + k];
                    if (nx < 0 || nx >= w || ny >= h || weight == 0) continue;
                    var j = ny * w + nx;
                    if (band is null || band[j]) graph.SetEdge(x, y, GridMaxFlow.Direction(dx, dy), weight);
                    else if (labels[j] != 0) source += weight;
                    else sink += weight;
                }
                // The backward neighbours outside the band pull the same way.
                if (band is not null)
                {
                    for (var k = 0; k < 4; k++)
                    {
                        var (dx, dy) = Forward[k];
                        int px = x - dx, py = y - dy;
                        if (px < 0 || px >= w || py < 0) continue;
                        var j = py * w + px;
                        if (band[j]) continue;
                        var weight = edges[j * 4 + k];
                        if (labels[j] != 0) source += weight;
                        else sink += weight;
                    }
                }
                graph.SetTerminal(x, y, (int)source, (int)sink);
            }
        }
        graph.Solve();
        var changed = 0;
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                var i = y * w + x;
                if (band is not null && !band[i]) continue;
                var label = graph.IsSource(x, y) ? (byte)1 : (byte)0;
                if (label != labels[i]) changed++;
                labels[i] = label;
            }
        }
        return changed;
    }
}
