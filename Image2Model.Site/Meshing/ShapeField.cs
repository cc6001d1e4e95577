namespace Image2Model.Site.Meshing;

/// <summary>
/// The silhouette as continuous fields over its bounding box (plus a margin), in working-image
/// pixel coordinates where pixel (i, j) covers [i, i+1) x [j, j+1):
/// a signed distance to the outline (positive inside) and the inflated height.
/// </summary>
internal sealed class ShapeField
{
    private const int Margin = 3;

    private ShapeField(int x0, int y0, int width, int height, float[] signedDistance, float[] bulge, int area, int bboxW, int bboxH)
    {
        X0 = x0;
        Y0 = y0;
        Width = width;
        Height = height;
        SignedDistance = signedDistance;
        Bulge = bulge;
        Area = area;
        BoxWidth = bboxW;
        BoxHeight = bboxH;
    }

    public int X0 { get; }
    public int Y0 { get; }
    public int Width { get; }
    public int Height { get; }
    public float[] SignedDistance { get; }

    /// <summary>Half-thickness of the inflated solid at each pixel (0 outside).</summary>
    public float[] Bulge { get; }

    public int Area { get; }
    public int BoxWidth { get; }
    public int BoxHeight { get; }

    /// <summary>Outline length in pixels, counted on pixel edges (an overestimate, fine for budgeting).</summary>
    public double Perimeter { get; private set; }

    public static ShapeField Inflate(Silhouette silhouette)
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
        int x0 = minX - Margin, y0 = minY - Margin;
        int w = maxX - minX + 1 + 2 * Margin, h = maxY - minY + 1 + 2 * Margin;
        var local = new byte[w * h];
        var perimeter = 0;
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
        for (var y = 1; y < h; y++)
        {
            for (var x = 1; x < w; x++)
            {
                var v = local[y * w + x];
                if (v != local[y * w + x - 1]) perimeter++;
                if (v != local[(y - 1) * w + x]) perimeter++;
            }
        }

        var toOutside = DistanceTransform.SquaredDistanceTo(local, w, h, 0);
        var toInside = DistanceTransform.SquaredDistanceTo(local, w, h, 1);
        var signed = new float[w * h];
        var balls = new float[w * h];
        for (var i = 0; i < signed.Length; i++)
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
        // Union of inscribed balls: height² = max_q (r(q)² - |p - q|²) = -min_q (|p - q|² - r(q)²).
        DistanceTransform.Transform2D(balls, w, h);
        for (var i = 0; i < balls.Length; i++)
        {
            balls[i] = local[i] != 0 ? MathF.Sqrt(MathF.Max(0f, -balls[i])) : 0f;
        }
        return new ShapeField(x0, y0, w, h, signed, balls, area, maxX - minX + 1, maxY - minY + 1) { Perimeter = perimeter };
    }

    public float SampleSignedDistance(double x, double y) => Sample(SignedDistance, x, y, -Margin);

    public float SampleBulge(double x, double y) => Sample(Bulge, x, y, 0f);

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
