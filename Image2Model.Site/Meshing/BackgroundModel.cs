using System.Runtime.CompilerServices;

namespace Image2Model.Site.Meshing;

/// <summary>
/// The background colour as a smooth quadratic surface per channel, fitted to the image border with
/// iterative outlier rejection (the subject or its shadow may touch the border).
/// </summary>
internal sealed class BackgroundModel
{
    private readonly double[][] _coefficients;
    private readonly double _invW;
    private readonly double _invH;

    private BackgroundModel(double[][] coefficients, int w, int h, double sigma, double stepSigma, double inliers)
    {
        _coefficients = coefficients;
        _invW = 1.0 / w;
        _invH = 1.0 / h;
        Sigma = sigma;
        StepSigma = stepSigma;
        InlierFraction = inliers;
    }

    /// <summary>Robust spread of the border around the fitted surface (noise and texture).</summary>
    public double Sigma { get; }

    /// <summary>Robust spread of colour steps across two pixels along the border.</summary>
    public double StepSigma { get; }

    /// <summary>Share of border pixels the surface explains.</summary>
    public double InlierFraction { get; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (double R, double G, double B) Predict(int x, int y)
    {
        double u = (x + 0.5) * _invW, v = (y + 0.5) * _invH;
        return (Eval(_coefficients[0], u, v), Eval(_coefficients[1], u, v), Eval(_coefficients[2], u, v));
    }

    private static double Eval(double[] c, double u, double v) => c[0] + c[1] * u + c[2] * v + c[3] * u * u + c[4] * u * v + c[5] * v * v;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static BackgroundModel FitToBorder(byte[] rgb, int w, int h)
    {
        var band = Math.Max(2, Math.Min(w, h) / 100);
        var samples = new List<int>();
        var stride = Math.Max(1, (2 * (w + h) * band) / 4000);
        var k = 0;
        for (var y = 0; y < h; y++)
        {
            var edgeRow = y < band || y >= h - band;
            for (var x = 0; x < w; x++)
            {
                if (!edgeRow && x >= band && x < w - band) { x = w - band - 1; continue; }
                if (k++ % stride == 0) samples.Add(y * w + x);
            }
        }

        var m = samples.Count;
        var basis = new double[m][];
        for (var s = 0; s < m; s++)
        {
            int x = samples[s] % w, y = samples[s] / w;
            double u = (x + 0.5) / w, v = (y + 0.5) / h;
            basis[s] = [1, u, v, u * u, u * v, v * v];
        }
        var residual = new double[m];
        var inlier = MedianColourInliers(samples, rgb, residual);
        var coefficients = new double[3][];
        double sigma = 0;
        var inliers = m;
        for (var iteration = 0; iteration < 4; iteration++)
        {
            var solved = Solve(basis, samples, rgb, inlier);
            for (var c = 0; c < 3; c++) coefficients[c] = solved[c];
            for (var s = 0; s < m; s++)
            {
                var i = samples[s];
                double sum = 0;
                for (var c = 0; c < 3; c++)
                {
                    var d = rgb[i * 3 + c] - Dot(coefficients[c], basis[s]);
                    sum += d * d;
                }
                residual[s] = Math.Sqrt(sum);
            }
            sigma = 1.4826 * Median(residual, inlier) / Math.Sqrt(3);
            var limit = Math.Max(3 * sigma * Math.Sqrt(3), 12);
            inliers = 0;
            for (var s = 0; s < m; s++)
            {
                inlier[s] = residual[s] < limit;
                if (inlier[s]) inliers++;
            }
            if (inliers < 12) break;
        }

        // Step noise along the border (its pixels run in sequence within each band row).
        var steps = new List<double>();
        for (var x = 2; x < w; x += Math.Max(1, w / 1500))
        {
            steps.Add(StepNorm(rgb, x - 2, x));
            steps.Add(StepNorm(rgb, (h - 1) * w + x - 2, (h - 1) * w + x));
        }
        for (var y = 2; y < h; y += Math.Max(1, h / 1500))
        {
            steps.Add(StepNorm(rgb, (y - 2) * w, y * w));
            steps.Add(StepNorm(rgb, (y - 2) * w + w - 1, y * w + w - 1));
        }
        var stepArray = steps.ToArray();
        var all = new bool[stepArray.Length];
        Array.Fill(all, true);
        var stepSigma = 1.4826 * Median(stepArray, all);
        return new BackgroundModel(coefficients, w, h, sigma, stepSigma, (double)inliers / m);
    }

    /// <summary>
    /// The first guess at which border samples are backdrop: those near the median border colour.
    /// Starting from all samples instead lets an object that runs along a whole side of the frame
    /// (a pale base cut off by the bottom edge) bend the quadratic surface onto itself.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool[] MedianColourInliers(List<int> samples, byte[] rgb, double[] residual)
    {
        var m = samples.Count;
        var median = new double[3];
        var channel = new double[m];
        var all = new bool[m];
        Array.Fill(all, true);
        for (var c = 0; c < 3; c++)
        {
            for (var s = 0; s < m; s++) channel[s] = rgb[samples[s] * 3 + c];
            median[c] = Median(channel, all);
        }
        for (var s = 0; s < m; s++)
        {
            var i = samples[s] * 3;
            double dr = rgb[i] - median[0], dg = rgb[i + 1] - median[1], db = rgb[i + 2] - median[2];
            residual[s] = Math.Sqrt(dr * dr + dg * dg + db * db);
        }
        // Generous: a gradient backdrop spreads far from its median and must still count.
        var limit = Math.Max(3 * 1.4826 * Median(residual, all), 12);
        var inlier = new bool[m];
        for (var s = 0; s < m; s++) inlier[s] = residual[s] < limit;
        return inlier;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double StepNorm(byte[] rgb, int a, int b)
    {
        int dr = rgb[a * 3] - rgb[b * 3], dg = rgb[a * 3 + 1] - rgb[b * 3 + 1], db = rgb[a * 3 + 2] - rgb[b * 3 + 2];
        return Math.Sqrt(dr * dr + dg * dg + db * db);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (var i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Median(double[] values, bool[] use)
    {
        var list = new double[values.Length];
        var count = 0;
        for (var i = 0; i < values.Length; i++)
        {
            if (use[i]) list[count++] = values[i];
        }
        if (count == 0) return 0;
        return Select(list.AsSpan(0, count), count / 2);
    }

    /// <summary>
    /// The k-th smallest value (what sorting and indexing would give) in expected linear time:
    /// Hoare partitioning around the middle element, narrowing to the side that holds k.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Select(Span<double> a, int k)
    {
        int lo = 0, hi = a.Length - 1;
        while (lo < hi)
        {
            var pivot = a[lo + (hi - lo) / 2];
            int i = lo, j = hi;
            while (i <= j)
            {
                while (a[i] < pivot) i++;
                while (a[j] > pivot) j--;
                if (i <= j)
                {
                    (a[i], a[j]) = (a[j], a[i]);
                    i++;
                    j--;
                }
            }
            // Now a[lo..j] <= pivot <= a[i..hi], and everything strictly between j and i equals the pivot.
            if (k <= j) hi = j;
            else if (k >= i) lo = i;
            else return a[k];
        }
        return a[k];
    }

    /// <summary>
    /// Least squares for the three channels at once: they share the normal matrix, so one 6x9
    /// augmented system is eliminated (Gauss-Jordan with partial pivoting).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double[][] Solve(double[][] basis, List<int> samples, byte[] rgb, bool[] use)
    {
        const int n = 6;
        const int columns = n + 3;
        var a = new double[n, columns];
        // Accumulated in a flat buffer (the same sums in the same order, without 2-D indexing).
        Span<double> sums = stackalloc double[n * columns];
        sums.Clear();
        for (var s = 0; s < basis.Length; s++)
        {
            if (!use[s]) continue;
            var f = basis[s].AsSpan(0, n);
            var i0 = samples[s] * 3;
            double r = rgb[i0], g = rgb[i0 + 1], b = rgb[i0 + 2];
            for (var i = 0; i < n; i++)
            {
                var fi = f[i];
                var row = sums.Slice(i * columns, columns);
                for (var j = i; j < n; j++) row[j] += fi * f[j];
                row[n] += fi * r;
                row[n + 1] += fi * g;
                row[n + 2] += fi * b;
            }
        }
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < columns; j++) a[i, j] = sums[i * columns + j];
        }
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < i; j++) a[i, j] = a[j, i];
            a[i, i] += 1e-6;
        }
        for (var col = 0; col < n; col++)
        {
            var pivot = col;
            for (var r = col + 1; r < n; r++)
            {
                if (Math.Abs(a[r, col]) > Math.Abs(a[pivot, col])) pivot = r;
            }
            if (pivot != col)
            {
                for (var j = 0; j < columns; j++) (a[col, j], a[pivot, j]) = (a[pivot, j], a[col, j]);
            }
            var d = a[col, col];
            if (Math.Abs(d) < 1e-12) continue;
            for (var r = 0; r < n; r++)
            {
                if (r == col) continue;
                var factor = a[r, col] / d;
                if (factor == 0) continue;
                for (var j = col; j < columns; j++) a[r, j] -= factor * a[col, j];
            }
        }
        var result = new double[3][];
        for (var c = 0; c < 3; c++)
        {
            result[c] = new double[n];
            for (var i = 0; i < n; i++) result[c][i] = Math.Abs(a[i, i]) < 1e-12 ? 0 : a[i, n + c] / a[i, i];
        }
        return result;
    }
}
