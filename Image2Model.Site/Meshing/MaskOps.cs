namespace Image2Model.Site.Meshing;

/// <summary>Binary mask clean-up and small image filters used by segmentation.</summary>
internal static class MaskOps
{
    /// <summary>Separable box blur of the RGB channels of an RGBA image; returns packed RGB.</summary>
    public static byte[] BoxBlurRgb(byte[] rgba, int w, int h, int radius)
    {
        var n = w * h;
        var horizontal = new ushort[n * 3];
        var result = new byte[n * 3];
        var window = 2 * radius + 1;
        Parallel.For(0, h, y =>
        {
            var row = y * w;
            for (var c = 0; c < 3; c++)
            {
                var sum = 0;
                for (var k = -radius; k <= radius; k++) sum += rgba[(row + Math.Clamp(k, 0, w - 1)) * 4 + c];
                for (var x = 0; x < w; x++)
                {
                    horizontal[(row + x) * 3 + c] = (ushort)sum;
                    sum += rgba[(row + Math.Min(x + radius + 1, w - 1)) * 4 + c] - rgba[(row + Math.Max(x - radius, 0)) * 4 + c];
                }
            }
        });
        var area = window * window;
        Parallel.For(0, w, x =>
        {
            for (var c = 0; c < 3; c++)
            {
                var sum = 0;
                for (var k = -radius; k <= radius; k++) sum += horizontal[(Math.Clamp(k, 0, h - 1) * w + x) * 3 + c];
                for (var y = 0; y < h; y++)
                {
                    result[(y * w + x) * 3 + c] = (byte)((sum + area / 2) / area);
                    sum += horizontal[(Math.Min(y + radius + 1, h - 1) * w + x) * 3 + c] - horizontal[(Math.Max(y - radius, 0) * w + x) * 3 + c];
                }
            }
        });
        return result;
    }

    /// <summary>Labels 4-connected regions whose pixels equal <paramref name="value"/>; returns labels (0 = other) and sizes.</summary>
    private static (int[] Labels, List<int> Sizes, List<bool> TouchesBorder) Label(byte[] mask, int w, int h, byte value)
    {
        var labels = new int[w * h];
        var sizes = new List<int> { 0 };
        var border = new List<bool> { false };
        var queue = new int[w * h];
        for (var i = 0; i < labels.Length; i++)
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
                int x = p % w, y = p / w;
                if (x == 0 || y == 0 || x == w - 1 || y == h - 1) touches = true;
                if (x > 0 && mask[p - 1] == value && labels[p - 1] == 0) { labels[p - 1] = label; queue[tail++] = p - 1; }
                if (x < w - 1 && mask[p + 1] == value && labels[p + 1] == 0) { labels[p + 1] = label; queue[tail++] = p + 1; }
                if (y > 0 && mask[p - w] == value && labels[p - w] == 0) { labels[p - w] = label; queue[tail++] = p - w; }
                if (y < h - 1 && mask[p + w] == value && labels[p + w] == 0) { labels[p + w] = label; queue[tail++] = p + w; }
            }
            sizes.Add(tail);
            border.Add(touches);
        }
        return (labels, sizes, border);
    }

    /// <summary>
    /// Keeps the biggest object region and any region at least a fifth its size (a logo cut in two
    /// halves is still one object); drops specks. Returns the pixels kept.
    /// </summary>
    public static int KeepMainComponents(byte[] mask, int w, int h)
    {
        var (labels, sizes, _) = Label(mask, w, h, 1);
        var largest = 0;
        for (var l = 1; l < sizes.Count; l++) largest = Math.Max(largest, sizes[l]);
        var kept = 0;
        for (var i = 0; i < mask.Length; i++)
        {
            var keep = labels[i] != 0 && sizes[labels[i]] * 5 >= largest;
            mask[i] = keep ? (byte)1 : (byte)0;
            if (keep) kept++;
        }
        return kept;
    }

    public static void Erode(byte[] mask, int w, int h) => Filter3x3(mask, w, h, erode: true);

    public static void Dilate(byte[] mask, int w, int h) => Filter3x3(mask, w, h, erode: false);

    /// <summary>Fills enclosed background pockets smaller than <paramref name="minArea"/> (speckle, not real holes).</summary>
    public static void FillHolesSmallerThan(byte[] mask, int w, int h, int minArea)
    {
        var (labels, sizes, border) = Label(mask, w, h, 0);
        for (var i = 0; i < mask.Length; i++)
        {
            var l = labels[i];
            if (l != 0 && !border[l] && sizes[l] < minArea) mask[i] = 1;
        }
    }

    /// <summary>3x3 opening: removes specks and thin spurs.</summary>
    public static void Open(byte[] mask, int w, int h)
    {
        Filter3x3(mask, w, h, erode: true);
        Filter3x3(mask, w, h, erode: false);
    }

    /// <summary>3x3 closing: bridges one-pixel cracks.</summary>
    public static void Close(byte[] mask, int w, int h)
    {
        Filter3x3(mask, w, h, erode: false);
        Filter3x3(mask, w, h, erode: true);
    }

    private static void Filter3x3(byte[] mask, int w, int h, bool erode)
    {
        var copy = (byte[])mask.Clone();
        var target = erode ? (byte)0 : (byte)1;
        Parallel.For(0, h, y =>
        {
            for (var x = 0; x < w; x++)
            {
                var i = y * w + x;
                if (copy[i] == target) continue;
                var hit = false;
                for (var dy = -1; dy <= 1 && !hit; dy++)
                {
                    var yy = y + dy;
                    if (yy < 0 || yy >= h) { hit = erode; continue; }
                    for (var dx = -1; dx <= 1; dx++)
                    {
                        var xx = x + dx;
                        if (xx < 0 || xx >= w) { if (erode) hit = true; continue; }
                        if (copy[yy * w + xx] == target) { hit = true; break; }
                    }
                }
                if (hit) mask[i] = target;
            }
        });
    }
}
