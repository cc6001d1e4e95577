namespace Image2Model.Site.Meshing;

/// <summary>
/// Checks a proposed cut-out before it is turned into a free-standing model: a star field, a
/// frame-filling texture or a crowd still "segments", but into something nobody photographed.
/// Each test gives the plain reason a user sees when the engine makes a relief instead.
/// </summary>
internal static class CutoutJudge
{
    /// <summary>Share of the object's area allowed in pieces too small to keep (specks, stars).</summary>
    private const double MaxScattered = 0.2;

    private const int MaxPieces = 4;

    /// <summary>Rival pieces may add up to this share of the subject's area.</summary>
    private const double MaxRivals = 0.6;

    /// <summary>Share of the frame's perimeter the object may cover (a mug cut off at the bottom covers ~10 %).</summary>
    public const double MaxFrameContact = 0.3;

    /// <summary>Outline contrast over the picture's typical contrast below which the outline is made up.</summary>
    private const double MinEdgeSupport = 1.6;

    private const double MinSolidity = 0.25;

    public const double MinCoverage = 0.015;
    public const double MaxCoverage = 0.85;

    /// <param name="SubjectFound">Rejected only because the subject runs off the frame: it exists, it just cannot stand free.</param>
    /// <param name="Rivalled">Rejected because separate pieces stood out almost as much as the subject.</param>
    public sealed record Verdict(bool Accepted, string Reason, int Pieces, bool SubjectFound = false, bool Rivalled = false);

    /// <param name="mask">The cut-out (1 = object); the kept pieces are left in it.</param>
    /// <param name="checkEdges">False for real transparency, whose outline is exact by definition.</param>
    /// <param name="rivals">Area of separate pieces that stood out almost as much, as a share of the object's.</param>
    /// <param name="frameClaim">Share of the frame's edge whose colours look like the object's.</param>
    public static Verdict Judge(byte[] mask, RgbaImage image, bool checkEdges, double rivals = 0, double frameClaim = 0)
    {
        int w = image.Width, h = image.Height, n = w * h;
        var total = 0;
        for (var i = 0; i < n; i++) total += mask[i];
        if (total < MinCoverage * n) return new(false, "no clear subject: nothing stands out from the background", 0);

        var kept = MaskOps.KeepMainComponents(mask, w, h, out var pieces);
        if (total - kept > MaxScattered * total) return new(false, "no single subject: the picture breaks up into many small specks", pieces);
        if (rivals > MaxRivals) return new(false, "no single subject: several separate things stand out equally", pieces, Rivalled: true);
        if (pieces > MaxPieces) return new(false, $"no single subject: the outline falls apart into {pieces} pieces", pieces);
        if (kept > MaxCoverage * n) return new(false, "no clear subject: it fills the whole picture", pieces);
        if (kept < MinCoverage * n) return new(false, "no clear subject: what stands out is too small", pieces);

        var contact = Math.Max(FrameContact(mask, w, h), frameClaim);
        if (contact > MaxFrameContact)
        {
            // Still a real subject if its outline is clearly an edge in the picture.
            var real = !checkEdges || EdgeSupport(mask, image) >= 2 * MinEdgeSupport;
            return new(false, "no free-standing subject: it runs off the edges of the picture", pieces, real);
        }

        if (Solidity(mask, w, h, kept) < MinSolidity) return new(false, "no solid subject: the outline is too ragged", pieces);

        if (checkEdges)
        {
            var support = EdgeSupport(mask, image);
            if (support < MinEdgeSupport) return new(false, "no clear subject: its outline does not follow edges in the picture", pieces);
        }
        return new(true, pieces > 1 ? $"cut-out in {pieces} pieces" : "cut-out", pieces);
    }

    /// <summary>
    /// Share of a ring just inside the frame that is object. The ring sits past the band the
    /// graph cut holds as backdrop, so "touching the frame" means reaching that band.
    /// </summary>
    private static double FrameContact(byte[] mask, int w, int h)
    {
        var d = Math.Min(Math.Max(1, Math.Min(w, h) / 100) + 2, Math.Min(w, h) / 2 - 1);
        if (d < 0) return 0;
        var touching = 0;
        for (var x = d; x < w - d; x++) touching += mask[d * w + x] + mask[(h - 1 - d) * w + x];
        for (var y = d; y < h - d; y++) touching += mask[y * w + d] + mask[y * w + w - 1 - d];
        return touching / (2.0 * Math.Max(1, w + h - 4 * d));
    }

    /// <summary>The convex hull of the mask, filled (pixel centres inside or on the hull).</summary>
    internal static byte[] HullMask(byte[] mask, int w, int h)
    {
        var hull = Hull(mask, w, h);
        var filled = new byte[w * h];
        if (hull.Count < 3) return filled;
        for (var y = 0; y < h; y++)
        {
            var cy = y + 0.5;
            double lo = double.MaxValue, hi = double.MinValue;
            for (var k = 0; k < hull.Count; k++)
            {
                var (a, b) = (hull[k], hull[(k + 1) % hull.Count]);
                if ((a.Y <= cy && b.Y >= cy) || (b.Y <= cy && a.Y >= cy))
                {
                    var x = a.Y == b.Y ? Math.Min(a.X, b.X) : a.X + (cy - a.Y) * (b.X - a.X) / (b.Y - a.Y);
                    var x2 = a.Y == b.Y ? Math.Max(a.X, b.X) : x;
                    lo = Math.Min(lo, x);
                    hi = Math.Max(hi, x2);
                }
            }
            if (lo > hi) continue;
            for (var x = Math.Max(0, (int)Math.Ceiling(lo - 0.5)); x < w && x + 0.5 <= hi; x++) filled[y * w + x] = 1;
        }
        return filled;
    }

    /// <summary>Area over the area of the convex hull (monotone chain over each row's end pixels).</summary>
    private static double Solidity(byte[] mask, int w, int h, int area)
    {
        var hull = Hull(mask, w, h);
        if (hull.Count < 3) return 1;
        double twice = 0;
        for (var i = 0; i < hull.Count; i++)
        {
            var (a, b) = (hull[i], hull[(i + 1) % hull.Count]);
            twice += a.X * b.Y - b.X * a.Y;
        }
        var hullArea = Math.Abs(twice) / 2;
        return hullArea <= 0 ? 1 : area / hullArea;
    }

    /// <summary>The convex hull of the mask's pixel squares (monotone chain over each row's end pixels), counter-clockwise.</summary>
    private static List<(long X, long Y)> Hull(byte[] mask, int w, int h)
    {
        var points = new List<(long X, long Y)>();
        for (var y = 0; y < h; y++)
        {
            int first = -1, last = -1;
            for (var x = 0; x < w; x++)
            {
                if (mask[y * w + x] == 0) continue;
                if (first < 0) first = x;
                last = x;
            }
            if (first < 0) continue;
            points.Add((first, y)); points.Add((last + 1, y)); points.Add((first, y + 1)); points.Add((last + 1, y + 1));
        }
        if (points.Count < 3) return points;
        points.Sort();
        var hull = new List<(long X, long Y)>();
        for (var pass = 0; pass < 2; pass++)
        {
            var start = hull.Count;
            foreach (var p in pass == 0 ? points : Enumerable.Reverse(points))
            {
                while (hull.Count >= start + 2 && Cross(hull[^2], hull[^1], p) <= 0) hull.RemoveAt(hull.Count - 1);
                hull.Add(p);
            }
            hull.RemoveAt(hull.Count - 1);
        }
        return hull;

        static long Cross((long X, long Y) o, (long X, long Y) a, (long X, long Y) b) => (a.X - o.X) * (b.Y - o.Y) - (a.Y - o.Y) * (b.X - o.X);
    }

    /// <summary>
    /// Mean colour step across the outline (object pixel to the backdrop pixel two steps out) over
    /// the mean step between pixels two apart anywhere in the picture. A real object's outline is
    /// where the picture changes most; a cut through a texture is as busy as the texture.
    /// </summary>
    private static double EdgeSupport(byte[] mask, RgbaImage image)
    {
        int w = image.Width, h = image.Height;
        var px = image.Pixels;
        double outline = 0, everywhere = 0;
        long outlineCount = 0, everywhereCount = 0;
        for (var y = 2; y < h - 2; y++)
        {
            for (var x = 2; x < w - 2; x++)
            {
                var i = y * w + x;
                if (((x ^ y) & 3) == 0)
                {
                    everywhere += Step(px, i - 2, i + 2) + Step(px, i - 2 * w, i + 2 * w);
                    everywhereCount += 2;
                }
                if (mask[i] == 0) continue;
                if (mask[i + 1] == 0) { outline += Step(px, i - 1, i + 2); outlineCount++; }
                if (mask[i - 1] == 0) { outline += Step(px, i + 1, i - 2); outlineCount++; }
                if (mask[i + w] == 0) { outline += Step(px, i - w, i + 2 * w); outlineCount++; }
                if (mask[i - w] == 0) { outline += Step(px, i + w, i - 2 * w); outlineCount++; }
            }
        }
        if (outlineCount == 0 || everywhereCount == 0) return double.PositiveInfinity;
        var typical = everywhere / everywhereCount;
        return outline / outlineCount / Math.Max(typical, 2);
    }

    private static double Step(byte[] px, int a, int b)
    {
        int dr = px[a * 4] - px[b * 4], dg = px[a * 4 + 1] - px[b * 4 + 1], db = px[a * 4 + 2] - px[b * 4 + 2];
        return Math.Sqrt(dr * dr + dg * dg + db * db);
    }
}
