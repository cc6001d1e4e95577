namespace Image2Model.Site.Meshing;

/// <summary>
/// Region growing over 4-neighbours that enters only allowed pixels and never crosses a colour step
/// larger than the limit, so a fill through background-coloured pixels stops at the object's edge
/// even where the object's colour resembles the background (a grey object on a white table).
/// </summary>
internal sealed class EdgeStoppedFill(byte[] rgb, int width, int height, int maxStepSquared)
{
    private readonly int[] _queue = new int[width * height];

    /// <summary>Marks in <paramref name="reached"/> every pixel the seeds can reach; optionally lists them.</summary>
    public void Grow(ReadOnlySpan<int> seeds, byte[] allowed, byte[] reached, List<int>? members = null) => Grow(seeds, allowed, reached, allowed, members);

    /// <summary>As <see cref="Grow(ReadOnlySpan{int}, byte[], byte[], List{int}?)"/>, with a stricter test for where a seed may start.</summary>
    public void Grow(ReadOnlySpan<int> seeds, byte[] seedAllowed, byte[] reached, byte[] allowed, List<int>? members = null)
    {
        int head = 0, tail = 0;
        foreach (var s in seeds)
        {
            if (seedAllowed[s] == 0 || allowed[s] == 0 || reached[s] != 0) continue;
            reached[s] = 1;
            _queue[tail++] = s;
        }
        while (head < tail)
        {
            var p = _queue[head++];
            members?.Add(p);
            var y = p / width;
            var x = p - y * width;
            if (x > 0) Visit(p, p - 1, x > 1 ? p - 2 : p - 1);
            if (x < width - 1) Visit(p, p + 1, x < width - 2 ? p + 2 : p + 1);
            if (y > 0) Visit(p, p - width, y > 1 ? p - 2 * width : p - width);
            if (y < height - 1) Visit(p, p + width, y < height - 2 ? p + 2 * width : p + width);
        }

        // The step is measured from "from" to one pixel beyond "to": a blurred edge spreads over
        // pixels, and a two-pixel span catches more of it than of the (smoothed) noise.
        void Visit(int from, int to, int beyond)
        {
            if (reached[to] != 0 || allowed[to] == 0 || Step(from, beyond) >= maxStepSquared) return;
            reached[to] = 1;
            _queue[tail++] = to;
        }
    }

    private int Step(int a, int b)
    {
        int dr = rgb[a * 3] - rgb[b * 3], dg = rgb[a * 3 + 1] - rgb[b * 3 + 1], db = rgb[a * 3 + 2] - rgb[b * 3 + 2];
        return dr * dr + dg * dg + db * db;
    }
}
