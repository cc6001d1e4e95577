using System.Runtime.CompilerServices;

namespace Image2Model.Site.Meshing;

/// <summary>
/// Where the picture is out of focus. A lens focused on the object blurs whatever stands behind
/// it (a shelf of books, clouds, a room), while the object's own outline stays crisp; colour alone
/// cannot tell a book as colourful as the object from the object, focus can.
/// </summary>
/// <remarks>
/// The edge blur is estimated as in Zhuo and Sim, "Defocus map estimation from a single image"
/// (2011): blur the picture once more by a known amount and compare gradients. At a crisp edge the
/// extra blur lowers the gradient a lot; at an edge already blurred it changes it little. Both
/// gradients are taken from a lightly smoothed copy so that sensor noise does not pass for detail.
/// Flat regions (a mug's body, a studio sweep) carry no evidence either way.
/// </remarks>
internal static class DefocusMap
{
    /// <summary>Gradient (levels per pixel, after smoothing) an edge needs to be judged at all.</summary>
    private const int MinGradient = 5;

    /// <summary>Gradient ratio above which an edge is crisp (edge blur σ below ~1.3 px) and below which it is soft (σ above ~2 px).</summary>
    private const double CrispRatio = 1.45;
    private const double SoftRatio = 1.22;

    /// <summary>
    /// Per cell of the <paramref name="step"/>-downsampled grid (<paramref name="cw"/> x <paramref name="ch"/>):
    /// 0 where nothing is known or edges nearby are crisp, up to 1 where the edges nearby are all soft.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float[] SoftEdgeShare(RgbaImage image, int step, int cw, int ch, int reach)
    {
        int w = image.Width, h = image.Height;
        // Pooled: two working-size images on every conversion.
        var once = System.Buffers.ArrayPool<byte>.Shared.Rent(w * h * 3);
        var twice = System.Buffers.ArrayPool<byte>.Shared.Rent(w * h * 3);
        try
        {
            MaskOps.BoxBlurRgb(image.Pixels, 4, w, h, 1, once);
            MaskOps.BoxBlurRgb(once, 3, w, h, 2, twice);
            return SoftEdgeShare(once, twice, w, h, step, cw, ch, reach);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(once);
            System.Buffers.ArrayPool<byte>.Shared.Return(twice);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float[] SoftEdgeShare(byte[] once, byte[] twice, int w, int h, int step, int cw, int ch, int reach)
    {
        var soft = new int[cw * ch];
        var crisp = new int[cw * ch];
        Parallel.For(0, ch, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (cy) =>
        {
            for (var y = Math.Max(1, cy * step); y < Math.Min(h - 1, (cy + 1) * step); y++)
            {
                for (var x = 1; x < Math.Min(w - 1, cw * step); x++)
                {
                    var i = y * w + x;
                    var g2 = Gradient(twice, i, w);
                    if (g2 < MinGradient * MinGradient) continue;
                    var g1 = Gradient(once, i, w);
                    var ratio2 = g1 / g2;
                    var c = cy * cw + Math.Min(cw - 1, x / step);
                    if (ratio2 > CrispRatio * CrispRatio) crisp[c]++;
                    else if (ratio2 < SoftRatio * SoftRatio) soft[c]++;
                }
            }
        });
        var softSum = BoxSum(soft, cw, ch, reach);
        var crispSum = BoxSum(crisp, cw, ch, reach);
        // The face of a blurred book or cloud has no edges of its own: its focus is that of the
        // edges around it (Zhuo and Sim propagate the sparse estimate into such regions). Where
        // nothing is known nearby, the evidence is gathered from three times as far.
        var wideSoft = BoxSum(soft, cw, ch, 3 * reach);
        var wideCrisp = BoxSum(crisp, cw, ch, 3 * reach);
        var share = new float[cw * ch];
        // A few soft pixels are not evidence; a crisp outline nearby cancels soft ones (a soft shadow beside the object).
        var enough = step * step * 2;
        for (var i = 0; i < share.Length; i++)
        {
            // From afar, any crisp edge in reach (an object's outline, a label's border) is taken to
            // bound the flat region; only regions ringed by soft edges alone borrow their blur.
            var local = softSum[i] + crispSum[i] >= enough;
            var (sc, cc) = local ? (softSum[i], crispSum[i]) : (wideSoft[i], wideCrisp[i]);
            var s = local ? sc - 2 * cc : (cc > 0 ? 0 : sc);
            share[i] = s <= 0 ? 0 : (float)Math.Min(1, s / (double)(sc + cc + enough));
        }
        return share;
    }

    /// <summary>Squared length of the colour gradient (central differences), from packed RGB bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Gradient(byte[] rgb, int i, int w)
    {
        double sum = 0;
        for (var c = 0; c < 3; c++)
        {
            double gx = (rgb[(i + 1) * 3 + c] - rgb[(i - 1) * 3 + c]) * 0.5;
            double gy = (rgb[(i + w) * 3 + c] - rgb[(i - w) * 3 + c]) * 0.5;
            sum += gx * gx + gy * gy;
        }
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int[] BoxSum(int[] values, int w, int h, int r)
    {
        // Running sums (integers: the same totals as summing each window afresh).
        var rows = new int[values.Length];
        for (var y = 0; y < h; y++)
        {
            var row = values.AsSpan(y * w, w);
            var output = rows.AsSpan(y * w, w);
            var s = 0;
            for (var k = 0; k <= Math.Min(w - 1, r); k++) s += row[k];
            for (var x = 0; x < w; x++)
            {
                output[x] = s;
                if (x + r + 1 < w) s += row[x + r + 1];
                if (x - r >= 0) s -= row[x - r];
            }
        }
        var result = new int[values.Length];
        var sums = new int[w];
        for (var k = 0; k <= Math.Min(h - 1, r); k++)
        {
            var row = rows.AsSpan(k * w, w);
            for (var x = 0; x < w; x++) sums[x] += row[x];
        }
        for (var y = 0; y < h; y++)
        {
            sums.CopyTo(result.AsSpan(y * w, w));
            if (y + r + 1 < h)
            {
                var add = rows.AsSpan((y + r + 1) * w, w);
                for (var x = 0; x < w; x++) sums[x] += add[x];
            }
            if (y - r >= 0)
            {
                var remove = rows.AsSpan((y - r) * w, w);
                for (var x = 0; x < w; x++) sums[x] -= remove[x];
            }
        }
        return result;
    }
}
