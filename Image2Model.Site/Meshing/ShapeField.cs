using System.Runtime.CompilerServices;

namespace Image2Model.Site.Meshing;

/// <summary>
/// The silhouette as continuous fields over its bounding box (plus a margin), in working-image
/// pixel coordinates where pixel (i, j) covers [i, i+1) x [j, j+1):
/// a signed distance to the outline (positive inside) and the inflated height.
/// </summary>
/// <summary>How the silhouette is given depth.</summary>
internal enum Profile
{
    /// <summary>A rounded solid whose thickness follows its overall size, capped: flat-ish front, rounded rim.</summary>
    Inflated,

    /// <summary>A coin or badge: thin, flat on both faces, with a rounded edge (flat graphics, logos).</summary>
    Badge,
}

internal sealed class ShapeField
{
    private readonly Lazy<float[]> _bulge;

    private ShapeField(int x0, int y0, int width, int height, float[] signedDistance, Func<float[]> bulge, int area, int boxX0, int boxY0, int boxW, int boxH)
    {
        X0 = x0;
        Y0 = y0;
        Width = width;
        Height = height;
        SignedDistance = signedDistance;
        _bulge = new Lazy<float[]>(bulge);
        Area = area;
        BoxX0 = boxX0;
        BoxY0 = boxY0;
        BoxWidth = boxW;
        BoxHeight = boxH;
    }

    /// <summary>The silhouette's bounding box (whole working pixels).</summary>
    public int BoxX0 { get; }
    public int BoxY0 { get; }

    public int X0 { get; }
    public int Y0 { get; }
    public int Width { get; }
    public int Height { get; }
    public float[] SignedDistance { get; }

    /// <summary>Half-thickness of the inflated solid at each pixel (0 outside).</summary>
    /// <remarks>Worked out on first use (by the mesher, while the texture bakes from the signed distance).</remarks>
    public float[] Bulge => _bulge.Value;

    public int Area { get; }

    /// <summary>The most half-thickness the profile allows (working pixels).</summary>
    public float Cap { get; private init; } = float.MaxValue;
    public int BoxWidth { get; }
    public int BoxHeight { get; }

    /// <summary>Pixel count and outline length (counted on pixel edges; an overestimate, fine for budgeting).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (int Area, int Perimeter) Measure(Silhouette silhouette)
    {
        int w = silhouette.Width, h = silhouette.Height;
        var mask = silhouette.Mask;
        int area = 0, perimeter = 0;
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                var v = mask[y * w + x];
                area += v;
                if (x > 0 && v != mask[y * w + x - 1]) perimeter++;
                if (y > 0 && v != mask[(y - 1) * w + x]) perimeter++;
            }
        }
        return (area, perimeter);
    }

    /// <param name="closeGapsNarrowerThan">
    /// The mesh's grid spacing (pixels). Gaps, holes and notches narrower than one and a half
    /// spacings are widened to at least that: a grid coarser than a gap would bridge it here and
    /// there, fusing two pieces or sealing a hole, so the face limit would change the topology.
    /// The silhouette's pieces and holes are decided at image resolution; the grid only follows.
    /// </param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static ShapeField Inflate(Silhouette silhouette, double closeGapsNarrowerThan = 0, Profile profile = Profile.Inflated)
    {
        int sw = silhouette.Width, sh = silhouette.Height;
        var mask = silhouette.Mask;
        int minX = sw, minY = sh, maxX = -1, maxY = -1, area = 0;
        for (var y = 0; y < sh; y++)
        {
            for (var x = 0; x < sw; x++)
            {
                if (mask[y * sw + x] == 0) continue;
                area++;
                if (x < minX) minX = x;
                if (x > maxX) maxX = x;
                if (y < minY) minY = y;
                if (y > maxY) maxY = y;
            }
        }
        var radius = 0.75 * closeGapsNarrowerThan;
        var margin = 3 + (int)Math.Ceiling(radius);
        int x0 = minX - margin, y0 = minY - margin;
        int w = maxX - minX + 1 + 2 * margin, h = maxY - minY + 1 + 2 * margin;
        var local = new byte[w * h];
        for (var y = 0; y < h; y++)
        {
            var sy = y + y0;
            if (sy < 0 || sy >= sh) continue;
            for (var x = 0; x < w; x++)
            {
                var sx = x + x0;
                if (sx < 0 || sx >= sw) continue;
                local[y * w + x] = mask[sy * sw + sx];
            }
        }
        if (radius >= 1) WidenGaps(local, w, h, (float)(radius * radius));

        float[] toOutside = [], toInside = [];
        Parallel.Invoke(
            () => toOutside = DistanceTransform.SquaredDistanceTo(local, w, h, 0),
            () => toInside = DistanceTransform.SquaredDistanceTo(local, w, h, 1));
        var signed = new float[w * h];
        var balls = new float[w * h];
        Parallel.For(0, h, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (y) =>
        {
            for (int i = y * w, end = i + w; i < end; i++)
            {
                if (local[i] != 0)
                {
                    var d = MathF.Sqrt(toOutside[i]) - 0.5f;
                    signed[i] = d;
                    // Each inside pixel is the centre of a ball touching the outline; store -r².
                    balls[i] = -d * d;
                }
                else
                {
                    signed[i] = -(MathF.Sqrt(toInside[i]) - 0.5f);
                    balls[i] = 1e20f;
                }
            }
        });
        // Union of inscribed balls: height² = max_q (r(q)² - |p - q|²) = -min_q (|p - q|² - r(q)²).
        var capped = profile == Profile.Badge ? 0.05f * MathF.Sqrt(area) : 0.2f * MathF.Sqrt(area);
        return new ShapeField(x0, y0, w, h, signed, () =>
        {
            DistanceTransform.Transform2D(balls, w, h);
            // Thickness follows the object's size (the square root of its area), not its width:
            // a disc would otherwise be as deep as it is wide, a guitar as deep as its body.
            var size = MathF.Sqrt(area);
            var cap = profile == Profile.Badge ? 0.05f * size : 0.2f * size;
            Parallel.For(0, h, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (y) =>
            {
                for (int i = y * w, end = i + w; i < end; i++)
                {
                    if (local[i] == 0)
                    {
                        balls[i] = 0f;
                        continue;
                    }
                    if (profile == Profile.Badge)
                    {
                        // Quarter-ellipse edge one cap wide, then flat.
                        var t = MathF.Min(1f, MathF.Max(0f, signed[i]) / cap);
                        balls[i] = cap * MathF.Sqrt(1 - (1 - t) * (1 - t));
                        continue;
                    }
                    // Union of inscribed balls (round where the shape is narrow), softly capped:
                    // b / (1 + (b / cap)^4)^(1/4) is b where b << cap and levels off at the cap.
                    var b = MathF.Sqrt(MathF.Max(0f, -balls[i]));
                    var r = b / cap;
                    balls[i] = b / MathF.Sqrt(MathF.Sqrt(1 + r * r * r * r));
                }
            });
            return balls;
        }, area, minX, minY, maxX - minX + 1, maxY - minY + 1) { Cap = capped };
    }

    /// <summary>
    /// Finds the background a closing with a disc of radius² <paramref name="r2"/> would fill (narrow
    /// gaps, small holes, tight notches) and removes the object within that radius of it, so each
    /// such gap becomes at least two radii wide. Exact through distance transforms.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WidenGaps(byte[] mask, int w, int h, float r2)
    {
        var toInside = DistanceTransform.SquaredDistanceTo(mask, w, h, 1);
        var dilated = new byte[mask.Length];
        for (var i = 0; i < mask.Length; i++) dilated[i] = toInside[i] <= r2 ? (byte)1 : (byte)0;
        var toOutside = DistanceTransform.SquaredDistanceTo(dilated, w, h, 0);
        var gap = new byte[mask.Length];
        var any = false;
        for (var i = 0; i < mask.Length; i++)
        {
            // Filled by the closing but not object: a gap narrower than the grid can resolve.
            if (mask[i] == 0 && toOutside[i] > r2)
            {
                gap[i] = 1;
                any = true;
            }
        }
        if (!any) return;
        var toGap = DistanceTransform.SquaredDistanceTo(gap, w, h, 1);
        for (var i = 0; i < mask.Length; i++)
        {
            if (toGap[i] <= r2) mask[i] = 0;
        }
    }

    public float SampleSignedDistance(double x, double y) => Sample(SignedDistance, x, y, -3f);

    public float SampleBulge(double x, double y) => Sample(Bulge, x, y, 0f);

    /// <summary>
    /// One axis of <see cref="SampleSignedDistance"/>'s bilinear lookup: the cell index (-1 when
    /// the coordinate is outside the field) and the weight, for sampling many points on a grid.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (int Index, float T) SampleAxis(double coordinate, bool horizontal)
    {
        var f = coordinate - (horizontal ? X0 : Y0) - 0.5;
        var size = horizontal ? Width : Height;
        if (f < 0 || f > size - 1) return (-1, 0f);
        var i = Math.Min((int)f, size - 2);
        return (i, (float)(f - i));
    }

    /// <summary>The signed distance at a point given by <see cref="SampleAxis"/> (both indices valid).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float SignedDistanceAt(int ix, int iy, float tx, float ty)
    {
        var field = SignedDistance;
        var i = iy * Width + ix;
        var top = field[i] + (field[i + 1] - field[i]) * tx;
        var bottom = field[i + Width] + (field[i + Width + 1] - field[i + Width]) * tx;
        return top + (bottom - top) * ty;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private float Sample(float[] field, double x, double y, float outside)
    {
        var fx = x - X0 - 0.5;
        var fy = y - Y0 - 0.5;
        if (fx < 0 || fy < 0 || fx > Width - 1 || fy > Height - 1) return outside;
        var ix = Math.Min((int)fx, Width - 2);
        var iy = Math.Min((int)fy, Height - 2);
        var tx = (float)(fx - ix);
        var ty = (float)(fy - iy);
        var i = iy * Width + ix;
        var top = field[i] + (field[i + 1] - field[i]) * tx;
        var bottom = field[i + Width] + (field[i + Width + 1] - field[i + Width]) * tx;
        return top + (bottom - top) * ty;
    }
}
