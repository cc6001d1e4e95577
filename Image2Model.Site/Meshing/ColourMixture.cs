using System.Runtime.CompilerServices;

namespace Image2Model.Site.Meshing;

/// <summary>
/// A Gaussian mixture over RGB (full covariances), fitted by hard assignment as in GrabCut:
/// components start from Orchard–Bouman splits (split the widest cluster along its main axis) and
/// are refined by reassigning each colour to its likeliest component.
/// </summary>
internal sealed class ColourMixture
{
    private const double Regularise = 9;

    private readonly int _k;
    private readonly double[] _weight;
    private readonly double[] _mean;
    private readonly double[] _inverse;
    private readonly double[] _logNorm;
    private readonly double[] _logWeight;
    private readonly double[] _shadowConstant;

    private ColourMixture(int k)
    {
        _k = k;
        _weight = new double[k];
        _mean = new double[k * 3];
        _inverse = new double[k * 9];
        _logNorm = new double[k];
        _logWeight = new double[k];
        _shadowConstant = new double[k];
    }

    public int Components => _k;

    public (double R, double G, double B) Mean(int c) => (_mean[c * 3], _mean[c * 3 + 1], _mean[c * 3 + 2]);

    public double Weight(int c) => _weight[c];

    /// <summary>
    /// -log of the shadow density's constant part for component <paramref name="c"/>: its weight,
    /// the brightness range (70 % of the mean's length) and the 2-D chromatic Gaussian's normaliser.
    /// </summary>
    public double ShadowConstant(int c) => _shadowConstant[c];

    /// <summary>Fits <paramref name="k"/> components to the colours (packed RGB floats) at the given indices.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static ColourMixture Fit(float[] rgb, int[] samples, int count, int k)
    {
        var assignment = new int[count];
        SplitInit(rgb, samples, count, k, assignment);
        var model = new ColourMixture(k);
        model.Estimate(rgb, samples, count, assignment);
        for (var round = 0; round < 2; round++)
        {
            for (var s = 0; s < count; s++) assignment[s] = model.Likeliest(rgb, samples[s]);
            model.Estimate(rgb, samples, count, assignment);
        }
        return model;
    }

    /// <summary>-log p(colour) under the mixture.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double Cost(float r, float g, float b)
    {
        var best = double.NegativeInfinity;
        Span<double> logs = stackalloc double[_k];
        for (var c = 0; c < _k; c++)
        {
            logs[c] = _weight[c] > 0 ? _logWeight[c] + LogDensity(c, r, g, b) : double.NegativeInfinity;
            if (logs[c] > best) best = logs[c];
        }
        if (best < -50) return 50;
        // Components far below the best add nothing visible; skipping them saves the exponentials.
        double sum = 0;
        for (var c = 0; c < _k; c++)
        {
            var d = logs[c] - best;
            if (d > -12) sum += Math.Exp(d);
        }
        return Math.Min(50, -(best + Math.Log(sum)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double LogDensity(int c, double r, double g, double b)
    {
        double dr = r - _mean[c * 3], dg = g - _mean[c * 3 + 1], db = b - _mean[c * 3 + 2];
        var m = _inverse.AsSpan(c * 9, 9);
        var q = dr * (m[0] * dr + m[1] * dg + m[2] * db) + dg * (m[3] * dr + m[4] * dg + m[5] * db) + db * (m[6] * dr + m[7] * dg + m[8] * db);
        return _logNorm[c] - 0.5 * q;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int Likeliest(float[] rgb, int i)
    {
        var best = 0;
        var bestLog = double.NegativeInfinity;
        for (var c = 0; c < _k; c++)
        {
            if (_weight[c] <= 0) continue;
            var l = LogDensity(c, rgb[i * 3], rgb[i * 3 + 1], rgb[i * 3 + 2]);
            if (l > bestLog) { bestLog = l; best = c; }
        }
        return best;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Estimate(float[] rgb, int[] samples, int count, int[] assignment)
    {
        var sums = new double[_k * 10];
        for (var s = 0; s < count; s++)
        {
            var i = samples[s] * 3;
            double r = rgb[i], g = rgb[i + 1], b = rgb[i + 2];
            var o = assignment[s] * 10;
            sums[o] += 1;
            sums[o + 1] += r; sums[o + 2] += g; sums[o + 3] += b;
            sums[o + 4] += r * r; sums[o + 5] += r * g; sums[o + 6] += r * b;
            sums[o + 7] += g * g; sums[o + 8] += g * b; sums[o + 9] += b * b;
        }
        for (var c = 0; c < _k; c++)
        {
            var o = c * 10;
            var n = sums[o];
            if (n < 1)
            {
                _weight[c] = 0;
                continue;
            }
            _weight[c] = n / Math.Max(1, count);
            _logWeight[c] = Math.Log(_weight[c]);
            double mr = sums[o + 1] / n, mg = sums[o + 2] / n, mb = sums[o + 3] / n;
            _mean[c * 3] = mr; _mean[c * 3 + 1] = mg; _mean[c * 3 + 2] = mb;
            // Regularised so a flat-colour component (clip art, a blank wall) stays a proper density.
            var a = sums[o + 4] / n - mr * mr + Regularise;
            var bxy = sums[o + 5] / n - mr * mg;
            var cxz = sums[o + 6] / n - mr * mb;
            var d = sums[o + 7] / n - mg * mg + Regularise;
            var e = sums[o + 8] / n - mg * mb;
            var f = sums[o + 9] / n - mb * mb + Regularise;
            var det = a * (d * f - e * e) - bxy * (bxy * f - e * cxz) + cxz * (bxy * e - d * cxz);
            det = Math.Max(det, 1e-6);
            var inv = _inverse.AsSpan(c * 9, 9);
            inv[0] = (d * f - e * e) / det;
            inv[1] = (cxz * e - bxy * f) / det;
            inv[2] = (bxy * e - cxz * d) / det;
            inv[3] = inv[1];
            inv[4] = (a * f - cxz * cxz) / det;
            inv[5] = (bxy * cxz - a * e) / det;
            inv[6] = inv[2];
            inv[7] = inv[5];
            inv[8] = (a * d - bxy * bxy) / det;
            _logNorm[c] = -0.5 * (3 * Math.Log(2 * Math.PI) + Math.Log(det));
            var length = Math.Max(1, Math.Sqrt(mr * mr + mg * mg + mb * mb));
            var sigma = 5 + 0.02 * length;
            _shadowConstant[c] = -_logWeight[c] + Math.Log(0.7 * length) + Math.Log(2 * Math.PI * sigma * sigma);
        }
    }

    /// <summary>Orchard–Bouman: repeatedly split the cluster with the largest spread along its main axis.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SplitInit(float[] rgb, int[] samples, int count, int k, int[] assignment)
    {
        Array.Clear(assignment, 0, count);
        Span<double> axis = stackalloc double[3];
        var clusters = 1;
        var splitAt = new double[k];
        var axes = new double[k * 3];
        while (clusters < k)
        {
            // Find the cluster with the largest variance along its principal axis.
            var best = -1;
            var bestSpread = 0.0;
            for (var c = 0; c < clusters; c++)
            {
                var (spread, mean) = Principal(rgb, samples, count, assignment, c, axis);
                if (spread > bestSpread)
                {
                    bestSpread = spread;
                    best = c;
                    splitAt[c] = mean;
                    axes[c * 3] = axis[0]; axes[c * 3 + 1] = axis[1]; axes[c * 3 + 2] = axis[2];
                }
            }
            if (best < 0 || bestSpread < 1) break;
            for (var s = 0; s < count; s++)
            {
                if (assignment[s] != best) continue;
                var i = samples[s] * 3;
                var projection = rgb[i] * axes[best * 3] + rgb[i + 1] * axes[best * 3 + 1] + rgb[i + 2] * axes[best * 3 + 2];
                if (projection > splitAt[best]) assignment[s] = clusters;
            }
            clusters++;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (double Spread, double MeanProjection) Principal(float[] rgb, int[] samples, int count, int[] assignment, int cluster, Span<double> axis)
    {
        double n = 0, sr = 0, sg = 0, sb = 0, rr = 0, rg = 0, rb = 0, gg = 0, gb = 0, bb = 0;
        for (var s = 0; s < count; s++)
        {
            if (assignment[s] != cluster) continue;
            var i = samples[s] * 3;
            double r = rgb[i], g = rgb[i + 1], b = rgb[i + 2];
            n++; sr += r; sg += g; sb += b;
            rr += r * r; rg += r * g; rb += r * b; gg += g * g; gb += g * b; bb += b * b;
        }
        if (n < 2) return (0, 0);
        double mr = sr / n, mg = sg / n, mb = sb / n;
        double[] m =
        [
            rr / n - mr * mr, rg / n - mr * mg, rb / n - mr * mb,
            rg / n - mr * mg, gg / n - mg * mg, gb / n - mg * mb,
            rb / n - mr * mb, gb / n - mg * mb, bb / n - mb * mb,
        ];
        double x = 1, y = 1, z = 1, lambda = 0;
        for (var iteration = 0; iteration < 30; iteration++)
        {
            var nx = m[0] * x + m[1] * y + m[2] * z;
            var ny = m[3] * x + m[4] * y + m[5] * z;
            var nz = m[6] * x + m[7] * y + m[8] * z;
            var length = Math.Sqrt(nx * nx + ny * ny + nz * nz);
            if (length < 1e-12) return (0, 0);
            lambda = length;
            x = nx / length; y = ny / length; z = nz / length;
        }
        axis[0] = x; axis[1] = y; axis[2] = z;
        return (lambda * n, mr * x + mg * y + mb * z);
    }
}
