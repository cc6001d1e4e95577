using System.Buffers;
using System.Runtime.CompilerServices;

namespace Image2Model.Site.Meshing;

/// <summary>Binary mask clean-up and small image filters used by segmentation.</summary>
internal static class MaskOps
{
    /// <summary>Separable box blur of the RGB channels of an RGBA image; returns packed RGB.</summary>
    public static byte[] BoxBlurRgb(byte[] rgba, int w, int h, int radius) => BoxBlurRgb(rgba, 4, w, h, radius, new byte[w * h * 3]);

    /// <summary>
    /// Separable box blur of the first three channels of an image with <paramref name="channels"/>
    /// (3 or 4) bytes a pixel, into <paramref name="result"/> (packed RGB, at least w x h x 3 bytes).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static byte[] BoxBlurRgb(byte[] source, int channels, int w, int h, int radius, byte[] result)
    {
        var n = w * h;
        var horizontal = ArrayPool<ushort>.Shared.Rent(n * 3);
        try
        {
            BoxBlurRgb(source, channels, w, h, radius, result, horizontal);
        }
        finally
        {
            ArrayPool<ushort>.Shared.Return(horizontal);
        }
        return result;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BoxBlurRgb(byte[] rgba, int channels, int w, int h, int radius, byte[] result, ushort[] horizontal)
    {
        var window = 2 * radius + 1;
        Parallel.For(0, h, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (y) =>
        {
            var row = y * w;
            for (var c = 0; c < 3; c++)
            {
                var sum = 0;
                for (var k = -radius; k <= radius; k++) sum += rgba[(row + Math.Clamp(k, 0, w - 1)) * channels + c];
                for (var x = 0; x < w; x++)
                {
                    horizontal[(row + x) * 3 + c] = (ushort)sum;
                    sum += rgba[(row + Math.Min(x + radius + 1, w - 1)) * channels + c] - rgba[(row + Math.Max(x - radius, 0)) * channels + c];
                }
            }
        });
        var area = window * window;
        // Vertical pass row by row (running column sums kept for a block of columns), not column by
        // column: the strided walk down each column missed the cache on every pixel.
        var blocks = Math.Max(1, Math.Min(Environment.ProcessorCount * 2, w / 64));
        Parallel.For(0, blocks, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (block) =>
        {
            int from = (int)((long)w * block / blocks), to = (int)((long)w * (block + 1) / blocks);
            int c0 = from * 3, c1 = to * 3, span = c1 - c0;
            var sums = new int[span];
            for (var k = -radius; k <= radius; k++)
            {
                var row = horizontal.AsSpan(Math.Clamp(k, 0, h - 1) * w * 3 + c0, span);
                for (var i = 0; i < span; i++) sums[i] += row[i];
            }
            for (var y = 0; y < h; y++)
            {
                var output = result.AsSpan(y * w * 3 + c0, span);
                var add = horizontal.AsSpan(Math.Min(y + radius + 1, h - 1) * w * 3 + c0, span);
                var remove = horizontal.AsSpan(Math.Max(y - radius, 0) * w * 3 + c0, span);
                for (var i = 0; i < span; i++)
                {
                    output[i] = (byte)((sums[i] + area / 2) / area);
                    sums[i] += add[i] - remove[i];
                }
            }
        });
    }

    /// <summary>Labels 4-connected regions whose pixels equal <paramref name="value"/>; returns labels (0 = other) and sizes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (int[] Labels, List<int> Sizes, List<bool> TouchesBorder) Label(byte[] mask, int w, int h, byte value)
    {
        var n = w * h;
        // Pooled: megabyte arrays fresh from the heap cost page faults and collections.
        var labels = ArrayPool<int>.Shared.Rent(n);
        Array.Clear(labels, 0, n);
        var sizes = new List<int> { 0 };
        var border = new List<bool> { false };
        var queue = ArrayPool<int>.Shared.Rent(n);
        for (var i = 0; i < n; i++)
        {
            if (mask[i] != value || labels[i] != 0) continue;
            var label = sizes.Count;
            int head = 0, tail = 0;
            queue[tail++] = i;
            labels[i] = label;
            var touches = false;
            while (head < tail)
            {
                var p = queue[head++];
                var y = p / w;
                var x = p - y * w;
                if (x == 0 || y == 0 || x == w - 1 || y == h - 1) touches = true;
                if (x > 0 && mask[p - 1] == value && labels[p - 1] == 0) { labels[p - 1] = label; queue[tail++] = p - 1; }
                if (x < w - 1 && mask[p + 1] == value && labels[p + 1] == 0) { labels[p + 1] = label; queue[tail++] = p + 1; }
                if (y > 0 && mask[p - w] == value && labels[p - w] == 0) { labels[p - w] = label; queue[tail++] = p - w; }
                if (y < h - 1 && mask[p + w] == value && labels[p + w] == 0) { labels[p + w] = label; queue[tail++] = p + w; }
            }
            sizes.Add(tail);
            border.Add(touches);
        }
        ArrayPool<int>.Shared.Return(queue);
        return (labels, sizes, border);
    }

    /// <summary>
    /// Keeps the biggest object region and any region at least a fifth its size (a logo cut in two
    /// halves is still one object); drops specks. Returns the pixels kept.
    /// </summary>
    public static int KeepMainComponents(byte[] mask, int w, int h) => KeepMainComponents(mask, w, h, out _);

    /// <inheritdoc cref="KeepMainComponents(byte[], int, int)"/>
    /// <param name="pieces">How many regions were kept.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int KeepMainComponents(byte[] mask, int w, int h, out int pieces)
    {
        var (labels, sizes, _) = Label(mask, w, h, 1);
        pieces = 0;
        var largest = 0;
        for (var l = 1; l < sizes.Count; l++) largest = Math.Max(largest, sizes[l]);
        for (var l = 1; l < sizes.Count; l++)
        {
            if (sizes[l] * 5 >= largest) pieces++;
        }
        var kept = 0;
        for (var i = 0; i < mask.Length; i++)
        {
            var keep = labels[i] != 0 && sizes[labels[i]] * 5 >= largest;
            mask[i] = keep ? (byte)1 : (byte)0;
            if (keep) kept++;
        }
        ArrayPool<int>.Shared.Return(labels);
        return kept;
    }



    /// <summary>Fills enclosed background pockets smaller than <paramref name="minArea"/> (speckle, not real holes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FillHolesSmallerThan(byte[] mask, int w, int h, int minArea)
    {
        var (labels, sizes, border) = Label(mask, w, h, 0);
        for (var i = 0; i < mask.Length; i++)
        {
            var l = labels[i];
            if (l != 0 && !border[l] && sizes[l] < minArea) mask[i] = 1;
        }
        ArrayPool<int>.Shared.Return(labels);
    }

    /// <summary>Clears the object pieces (4-connected) smaller than <paramref name="minArea"/> pixels.</summary>
    public static void RemovePiecesSmallerThan(byte[] mask, int w, int h, int minArea)
    {
        var (labels, sizes, _) = Label(mask, w, h, 1);
        for (var i = 0; i < mask.Length; i++)
        {
            var l = labels[i];
            if (l != 0 && sizes[l] < minArea) mask[i] = 0;
        }
        ArrayPool<int>.Shared.Return(labels);
    }

    /// <summary>3x3 opening: removes specks and thin spurs.</summary>
    public static void Open(byte[] mask, int w, int h)
    {
        Erode(mask, w, h, 1);
        Dilate(mask, w, h, 1);
    }

    /// <summary>3x3 closing: bridges one-pixel cracks.</summary>
    public static void Close(byte[] mask, int w, int h)
    {
        Dilate(mask, w, h, 1);
        Erode(mask, w, h, 1);
    }

    /// <summary>Erosion by a (2r+1)-pixel square; outside the image counts as background.</summary>
    public static void Erode(byte[] mask, int w, int h, int radius) => SquareFilter(mask, w, h, radius, keep: 1);

    /// <summary>Dilation by a (2r+1)-pixel square.</summary>
    public static void Dilate(byte[] mask, int w, int h, int radius) => SquareFilter(mask, w, h, radius, keep: 0);

    /// <summary>
    /// A pixel keeps value <paramref name="keep"/> only if its whole square window has it; otherwise it
    /// flips. Separable, with running counts, so the cost does not grow with the radius.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SquareFilter(byte[] mask, int w, int h, int radius, byte keep)
    {
        // Pass 1: per row, does the horizontal window hold any pixel that is not "keep"?
        var rows = new byte[mask.Length];
        var outsideIsOther = keep == 1;
        Parallel.For(0, h, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (y) =>
        {
            var row = y * w;
            var others = 0;
            for (var x = -radius; x < radius; x++) others += Other(x, row);
            for (var x = 0; x < w; x++)
            {
                others += Other(x + radius, row);
                rows[row + x] = others > 0 ? (byte)1 : (byte)0;
                others -= Other(x - radius, row);
            }
        });
        // Pass 2, row by row with a running count per column (a block of columns per thread).
        var outside = outsideIsOther ? 1 : 0;
        var blocks = Math.Max(1, Math.Min(Environment.ProcessorCount * 2, w / 64));
        Parallel.For(0, blocks, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (block) =>
        {
            int from = (int)((long)w * block / blocks), to = (int)((long)w * (block + 1) / blocks), span = to - from;
            var others = new int[span];
            for (var y = -radius; y < radius; y++) Add(others, y, from, +1);
            for (var y = 0; y < h; y++)
            {
                Add(others, y + radius, from, +1);
                var output = mask.AsSpan(y * w + from, span);
                for (var i = 0; i < span; i++) output[i] = others[i] > 0 ? (byte)(1 - keep) : keep;
                Add(others, y - radius, from, -1);
            }
        });

        void Add(int[] others, int y, int from, int sign)
        {
            if (y < 0 || y >= h)
            {
                if (outside != 0) for (var i = 0; i < others.Length; i++) others[i] += sign;
                return;
            }
            var row = rows.AsSpan(y * w + from, others.Length);
            for (var i = 0; i < others.Length; i++) others[i] += sign * row[i];
        }

        int Other(int x, int row) => x < 0 || x >= w ? (outsideIsOther ? 1 : 0) : mask[row + x] != keep ? 1 : 0;
    }
}
