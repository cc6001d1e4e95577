using System.Numerics;

namespace Image2Model.Site.Meshing;

/// <summary>
/// The fallback when a photo has no clear subject: a closed slab the shape of the picture whose
/// front surface rises with the smoothed brightness, like a lithophane seen from the front.
/// </summary>
internal static class ReliefMesher
{
    public static TriangleMesh Build(RgbaImage image, int triangleBudget)
    {
        int w = image.Width, h = image.Height;
        var longest = Math.Max(w, h);
        var luminance = SmoothedLuminance(image, Math.Max(1, longest / 128));

        // Columns a and rows b: 2ab front triangles, and for P = 2(a + b) rim points,
        // 2P side triangles and P back triangles.
        int cols = 1, rows = 1;
        for (var a = 1; ; a++)
        {
            var b = Math.Max(1, (int)Math.Round(a * (double)h / w));
            if (Math.Max(a, b) > 2048) break;
            var total = 2L * a * b + 6L * (a + b);
            if (total > triangleBudget) break;
            cols = a;
            rows = b;
        }

        var baseThickness = 0.03f * longest;
        var amplitude = 0.06f * longest;
        var mesh = new TriangleMesh();
        var front = new int[(cols + 1) * (rows + 1)];
        for (var j = 0; j <= rows; j++)
        {
            for (var i = 0; i <= cols; i++)
            {
                var x = (float)i * w / cols;
                var y = (float)j * h / rows;
                var l = luminance[Math.Min(h - 1, (int)y) * w + Math.Min(w - 1, (int)x)];
                front[j * (cols + 1) + i] = mesh.AddVertex(new Vector3(x, y, baseThickness + amplitude * l));
            }
        }
        for (var j = 0; j < rows; j++)
        {
            for (var i = 0; i < cols; i++)
            {
                int tl = front[j * (cols + 1) + i], tr = tl + 1, bl = front[(j + 1) * (cols + 1) + i], br = bl + 1;
                mesh.AddTriangle(tl, bl, br);
                mesh.AddTriangle(tl, br, tr);
            }
        }

        // The rim, clockwise on screen: top left to right, right side down, bottom back, left side up.
        var rim = new List<int>();
        for (var i = 0; i < cols; i++) rim.Add(front[i]);
        for (var j = 0; j < rows; j++) rim.Add(front[j * (cols + 1) + cols]);
        for (var i = cols; i > 0; i--) rim.Add(front[rows * (cols + 1) + i]);
        for (var j = rows; j > 0; j--) rim.Add(front[j * (cols + 1)]);

        var backRim = new int[rim.Count];
        for (var k = 0; k < rim.Count; k++)
        {
            var p = mesh.Positions[rim[k]];
            backRim[k] = mesh.AddVertex(p with { Z = 0 });
        }
        var centre = mesh.AddVertex(new Vector3(w * 0.5f, h * 0.5f, 0));
        var bottomEdges = new List<(int, int)>();
        for (var k = 0; k < rim.Count; k++)
        {
            var next = (k + 1) % rim.Count;
            mesh.AddTriangle(rim[k], rim[next], backRim[next]);
            mesh.AddTriangle(rim[k], backRim[next], backRim[k]);
            mesh.AddTriangle(centre, backRim[k], backRim[next]);
            bottomEdges.Add((backRim[k], backRim[next]));
        }
        var missing = triangleBudget / 2 * 2 - mesh.TriangleCount;
        mesh.SplitEdges(bottomEdges, missing / 2, (a, b) => (a + b) * 0.5f);
        return mesh;
    }

    /// <summary>Brightness blurred twice with a box (close to a Gaussian), stretched to [0, 1].</summary>
    private static float[] SmoothedLuminance(RgbaImage image, int radius)
    {
        int w = image.Width, h = image.Height;
        var rgb = MaskOps.BoxBlurRgb(image.Pixels, w, h, radius);
        var rgba = new byte[w * h * 4];
        for (var i = 0; i < w * h; i++)
        {
            rgba[i * 4] = rgb[i * 3];
            rgba[i * 4 + 1] = rgb[i * 3 + 1];
            rgba[i * 4 + 2] = rgb[i * 3 + 2];
        }
        rgb = MaskOps.BoxBlurRgb(rgba, w, h, radius);
        var lum = new float[w * h];
        float min = float.MaxValue, max = float.MinValue;
        for (var i = 0; i < lum.Length; i++)
        {
            var l = 0.2126f * rgb[i * 3] + 0.7152f * rgb[i * 3 + 1] + 0.0722f * rgb[i * 3 + 2];
            lum[i] = l;
            min = MathF.Min(min, l);
            max = MathF.Max(max, l);
        }
        var range = MathF.Max(1f, max - min);
        for (var i = 0; i < lum.Length; i++) lum[i] = (lum[i] - min) / range;
        return lum;
    }
}
