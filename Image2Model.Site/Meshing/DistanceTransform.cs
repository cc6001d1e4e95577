using System.Runtime.CompilerServices;

namespace Image2Model.Site.Meshing;

/// <summary>
/// Exact squared Euclidean distance transforms (Felzenszwalb and Huttenlocher's lower envelope of
/// parabolas). The same routine computes the "union of inscribed balls" height, because that is
/// a min-plus convolution of the negated squared radii with the squared distance.
/// </summary>
internal static class DistanceTransform
{
    private const float Infinity = 1e20f;

    /// <summary>Squared distance from every pixel to the nearest pixel whose mask value is <paramref name="featureValue"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float[] SquaredDistanceTo(ReadOnlySpan<byte> mask, int width, int height, byte featureValue)
    {
        // Along columns a binary mask needs no parabolas: the distance to the nearest feature above
        // and below, by two running scans in row order (cache friendly). Same values as the envelope.
        const int none = 1 << 29;
        var steps = new int[width * height];
        for (var y = 0; y < height; y++)
        {
            var row = y * width;
            for (var x = 0; x < width; x++)
            {
                var i = row + x;
                steps[i] = mask[i] == featureValue ? 0 : y > 0 ? Math.Min(none, steps[i - width] + 1) : none;
            }
        }
        var f = new float[width * height];
        for (var y = height - 1; y >= 0; y--)
        {
            var row = y * width;
            for (var x = 0; x < width; x++)
            {
                var i = row + x;
                var d = steps[i];
                if (y < height - 1 && steps[i + width] + 1 < d) steps[i] = d = steps[i + width] + 1;
                f[i] = d >= none ? Infinity : (float)((double)d * d);
            }
        }
        Rows(f, width, height);
        return f;
    }

    /// <summary>
    /// In place: f(p) := min_q (|p - q|² + f(q)). Columns then rows, each in parallel.
    /// Values at or above 1e20 stand for "no parabola here".
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Transform2D(float[] f, int width, int height)
    {
        Parallel.For(0, Chunks(width), [MethodImpl(MethodImplOptions.AggressiveOptimization)] (chunk) =>
        {
            var (from, to) = ChunkRange(chunk, width);
            // Columns are gathered a cache line's worth at a time: one strided pass per group, not per column.
            const int group = 16;
            var columns = new float[group * height];
            var buffers = new EnvelopeBuffers(height);
            for (var x0 = from; x0 < to; x0 += group)
            {
                var count = Math.Min(group, to - x0);
                for (var y = 0; y < height; y++)
                {
                    var row = y * width + x0;
                    for (var k = 0; k < count; k++) columns[k * height + y] = f[row + k];
                }
                for (var k = 0; k < count; k++) Transform1D(columns.AsSpan(k * height, height), buffers);
                for (var y = 0; y < height; y++)
                {
                    var row = y * width + x0;
                    for (var k = 0; k < count; k++) f[row + k] = columns[k * height + y];
                }
            }
        });
        Rows(f, width, height);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows(float[] f, int width, int height)
    {
        Parallel.For(0, Chunks(height), [MethodImpl(MethodImplOptions.AggressiveOptimization)] (chunk) =>
        {
            var (from, to) = ChunkRange(chunk, height);
            var buffers = new EnvelopeBuffers(width);
            for (var y = from; y < to; y++)
            {
                Transform1D(f.AsSpan(y * width, width), buffers);
            }
        });
    }

    private static int Chunks(int n) => Math.Max(1, Math.Min(Environment.ProcessorCount * 4, n / 32));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (int From, int To) ChunkRange(int chunk, int n)
    {
        var chunks = Chunks(n);
        return ((int)((long)n * chunk / chunks), (int)((long)n * (chunk + 1) / chunks));
    }

    private sealed class EnvelopeBuffers(int n)
    {
        public readonly int[] V = new int[n];
        public readonly float[] Z = new float[n + 1];
        public readonly float[] D = new float[n];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transform1D(Span<float> f, EnvelopeBuffers b)
    {
        var n = f.Length;
        var v = b.V;
        var z = b.Z;
        var k = -1;
        for (var q = 0; q < n; q++)
        {
            var fq = f[q];
            if (fq >= Infinity) continue;
            if (k < 0)
            {
                k = 0;
                v[0] = q;
                z[0] = float.NegativeInfinity;
                z[1] = float.PositiveInfinity;
                continue;
            }
            float s;
            while (true)
            {
                var p = v[k];
                s = (float)(((fq + (double)q * q) - (f[p] + (double)p * p)) / (2.0 * (q - p)));
                if (s <= z[k] && k > 0)
                {
                    k--;
                    continue;
                }
                break;
            }
            if (s <= z[k])
            {
                // k == 0 and the new parabola dominates everywhere.
                v[0] = q;
                z[0] = float.NegativeInfinity;
                z[1] = float.PositiveInfinity;
                continue;
            }
            k++;
            v[k] = q;
            z[k] = s;
            z[k + 1] = float.PositiveInfinity;
        }
        if (k < 0) return;
        var d = b.D;
        var j = 0;
        for (var q = 0; q < n; q++)
        {
            while (z[j + 1] < q) j++;
            var p = v[j];
            d[q] = (float)((double)(q - p) * (q - p) + f[p]);
        }
        d.AsSpan(0, n).CopyTo(f);
    }
}
