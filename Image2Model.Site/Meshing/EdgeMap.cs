using System.Runtime.CompilerServices;

namespace Image2Model.Site.Meshing;

/// <summary>
/// Thin, connected object edges (Canny: Sobel gradient, non-maximum suppression, hysteresis) for the
/// low-contrast case the colour test cannot settle: a white or pale object on a near-white backdrop
/// is "background-like" in colour, so only its outline can stop the background fill. Hysteresis lets
/// the faint stretches of an outline (a highlight meeting a white wall) ride on its clear stretches.
/// </summary>
internal static class EdgeMap
{
    /// <summary>Shortest edge chain (pixels) taken as part of an outline.</summary>
    private const int MinChain = 24;

    /// <summary>Median border gradient (grey levels per pixel) above which edges are not used.</summary>
    private const float MaxNoise = 1.5f;

    /// <summary>Pixels either side of an edge over which its total step is measured.</summary>
    private const int SharpSpan = 4;

    /// <summary>
    /// Steepest slope over mean slope across the span: about 1 for a blurred shadow rim, 2.5 or more
    /// for a crisp (lightly smoothed) outline.
    /// </summary>
    private const float MinSharpness = 1.6f;

    /// <summary>
    /// Returns 1 on edge pixels. Thresholds follow the noise: the gradient on the image border (mostly
    /// backdrop) gives its scale, so a noisy or textured backdrop only keeps edges well above it.
    /// </summary>
    /// <param name="rgb">Packed, already smoothed RGB.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static byte[] Detect(byte[] rgb, int w, int h)
    {
        var n = w * h;
        var magnitude = new float[n];
        var direction = new byte[n];
        // Border pixels count too (coordinates clamped): an object cut off by the frame must show
        // its outline right up to the last row, or the background fill slips along that row.
        Parallel.For(0, h, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (y) =>
        {
            int ya = Math.Max(0, y - 1) * w, yc = Math.Min(h - 1, y + 1) * w, yb = y * w;
            for (var x = 0; x < w; x++)
            {
                int xa = Math.Max(0, x - 1), xc = Math.Min(w - 1, x + 1);
                // Colour Canny: per pixel, the channel with the strongest gradient decides.
                int bestGx = 0, bestGy = 0, best = -1;
                for (var c = 0; c < 3; c++)
                {
                    int a = rgb[(ya + xa) * 3 + c], b = rgb[(ya + x) * 3 + c], d = rgb[(ya + xc) * 3 + c];
                    int l = rgb[(yb + xa) * 3 + c], r = rgb[(yb + xc) * 3 + c];
                    int e = rgb[(yc + xa) * 3 + c], f = rgb[(yc + x) * 3 + c], g = rgb[(yc + xc) * 3 + c];
                    var gx = d + 2 * r + g - a - 2 * l - e;
                    var gy = e + 2 * f + g - a - 2 * b - d;
                    var m = gx * gx + gy * gy;
                    if (m > best) { best = m; bestGx = gx; bestGy = gy; }
                }
                // Sobel sums 8 pixel differences' worth; per pixel of distance it is an eighth.
                magnitude[yb + x] = MathF.Sqrt(best) / 8f;
                direction[yb + x] = Quantise(bestGx, bestGy);
            }
        });

        var noise = BorderMedian(magnitude, w, h);
        // On a noisy backdrop an outline faint enough to need this looks like the noise or like a
        // shadow's rim (tested: both then become barriers and the shadow is kept); the colour step
        // test alone does better there. Downsampled phone photos are quiet, well under this.
        if (noise > MaxNoise) return new byte[n];
        // A Rayleigh-distributed noise gradient rarely passes ~4x its median; floors keep clean
        // synthetic backdrops (zero noise) from turning every JPEG ripple into an edge.
        var low = MathF.Max(1.2f, 2.5f * noise);
        var high = MathF.Max(3f, 5f * noise);

        // Non-maximum suppression: keep a pixel only where the gradient peaks across the edge.
        var edges = new byte[n];
        var strong = new List<int>();
        var gate = new object();
        Parallel.For(0, h, () => new List<int>(), [MethodImpl(MethodImplOptions.AggressiveOptimization)] (y, _, local) =>
        {
            for (var x = 0; x < w; x++)
            {
                var i = y * w + x;
                var m = magnitude[i];
                if (m < low) continue;
                var (dx, dy) = direction[i] switch
                {
                    0 => (1, 0),     // gradient along x: compare left and right
                    1 => (1, 1),     // diagonal down-right
                    2 => (0, 1),     // along y
                    _ => (-1, 1),    // diagonal down-left
                };
                if (m < At(x - dx, y - dy) || m <= At(x + dx, y + dy)) continue;
                if (!Sharp(x, y, dx, dy, m)) continue;
                edges[i] = 1;
                if (m >= high) local.Add(i);
            }
            return local;
        }, local => { lock (gate) strong.AddRange(local); });

        // Hysteresis: weak edge pixels survive only when 8-connected to a strong one, and only in
        // chains long enough to be an outline; JPEG ringing beside a crisp edge makes short ones.
        var kept = new byte[n];
        var chain = new List<int>();
        var stack = new Stack<int>();
        foreach (var s in strong)
        {
            if (kept[s] != 0) continue;
            chain.Clear();
            kept[s] = 1;
            stack.Push(s);
            while (stack.Count > 0)
            {
                var p = stack.Pop();
                chain.Add(p);
                int px = p % w, py = p / w;
                for (var dy = -1; dy <= 1; dy++)
                {
                    if (py + dy < 0 || py + dy >= h) continue;
                    for (var dx = -1; dx <= 1; dx++)
                    {
                        if (px + dx < 0 || px + dx >= w) continue;
                        var q = p + dy * w + dx;
                        if (edges[q] == 0 || kept[q] != 0) continue;
                        kept[q] = 1;
                        stack.Push(q);
                    }
                }
            }
            // 2 marks a rejected chain: seen, so not walked again, but no barrier.
            if (chain.Count < MinChain) foreach (var p in chain) kept[p] = 2;
        }
        for (var i = 0; i < n; i++) kept[i] = kept[i] == 1 ? (byte)1 : (byte)0;
        ExtendToFrame(kept, w, h);
        SealEnds(kept, w, h);
        return kept;

        // A soft shadow's rim is a long, even ramp: its steepest slope is about its total step over
        // the span. An object's outline climbs most of its step within a pixel or two.
        bool Sharp(int x, int y, int dx, int dy, float m)
        {
            int xa = Math.Clamp(x - SharpSpan * dx, 0, w - 1), ya = Math.Clamp(y - SharpSpan * dy, 0, h - 1);
            int xb = Math.Clamp(x + SharpSpan * dx, 0, w - 1), yb = Math.Clamp(y + SharpSpan * dy, 0, h - 1);
            int a = (ya * w + xa) * 3, b = (yb * w + xb) * 3;
            var step = 0;
            for (var c = 0; c < 3; c++) step = Math.Max(step, Math.Abs(rgb[a + c] - rgb[b + c]));
            var length = MathF.Sqrt((xb - xa) * (xb - xa) + (yb - ya) * (yb - ya));
            return length > 0 && m * length >= MinSharpness * step;
        }

        // Outside the frame the gradient is taken as zero, so a border pixel can still peak.
        float At(int x, int y) => x < 0 || y < 0 || x >= w || y >= h ? 0f : magnitude[y * w + x];
    }

    /// <summary>
    /// Where an object runs off the frame its outline meets the border at a glancing angle, and the
    /// border row, with no row beyond it, shows only a slow ramp there: suppression finds no edge and
    /// a fill would slip along the border into the object. The first inner row's edges are carried
    /// out to the frame (at worst a one-pixel sliver of backdrop is kept, which opening removes).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ExtendToFrame(byte[] edges, int w, int h)
    {
        if (w < 2 || h < 2) return;
        for (var x = 0; x < w; x++)
        {
            edges[x] |= edges[w + x];
            edges[(h - 1) * w + x] |= edges[(h - 2) * w + x];
        }
        for (var y = 0; y < h; y++)
        {
            edges[y * w] |= edges[y * w + 1];
            edges[y * w + w - 1] |= edges[y * w + w - 2];
        }
    }

    /// <summary>
    /// Canny breaks outlines where two edges meet (a body meeting its base): suppression keeps only
    /// one of them near the junction. A fill leaks through a one-pixel break, so every loose end gets
    /// a small square of barrier around it; elsewhere the edge stays one pixel thin and in place.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SealEnds(byte[] edges, int w, int h)
    {
        const int radius = 2;
        var ends = new List<int>();
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                if (edges[y * w + x] == 0) continue;
                var neighbours = 0;
                for (var dy = -1; dy <= 1; dy++)
                {
                    for (var dx = -1; dx <= 1; dx++)
                    {
                        int xx = x + dx, yy = y + dy;
                        if ((dx != 0 || dy != 0) && xx >= 0 && yy >= 0 && xx < w && yy < h && edges[yy * w + xx] != 0) neighbours++;
                    }
                }
                if (neighbours <= 1) ends.Add(y * w + x);
            }
        }
        foreach (var p in ends)
        {
            int x = p % w, y = p / w;
            for (var yy = Math.Max(0, y - radius); yy <= Math.Min(h - 1, y + radius); yy++)
            {
                for (var xx = Math.Max(0, x - radius); xx <= Math.Min(w - 1, x + radius); xx++) edges[yy * w + xx] = 1;
            }
        }
    }

    /// <summary>0: mostly horizontal gradient, 1: down-right, 2: vertical, 3: down-left (image y down).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte Quantise(int gx, int gy)
    {
        // tan(22.5°) ≈ 0.4142 ≈ 53/128, in integers.
        int ax = Math.Abs(gx), ay = Math.Abs(gy);
        if (ay * 128 <= ax * 53) return 0;
        if (ax * 128 <= ay * 53) return 2;
        return (gx > 0) == (gy > 0) ? (byte)1 : (byte)3;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float BorderMedian(float[] magnitude, int w, int h)
    {
        var band = Math.Max(2, Math.Min(w, h) / 100);
        var values = new List<float>();
        for (var y = 0; y < h; y++)
        {
            var edgeRow = y < band || y >= h - band;
            for (var x = 0; x < w; x++)
            {
                if (!edgeRow && x >= band && x < w - band) { x = w - band - 1; continue; }
                values.Add(magnitude[y * w + x]);
            }
        }
        if (values.Count == 0) return 0;
        values.Sort();
        return values[values.Count / 2];
    }
}
