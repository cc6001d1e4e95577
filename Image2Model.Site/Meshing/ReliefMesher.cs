using System.Numerics;

namespace Image2Model.Site.Meshing;

/// <summary>
/// The fallback when a photo has no clear subject: a closed slab the shape of the picture whose
/// front surface rises with the smoothed brightness, like a lithophane seen from the front, and
/// with how far the colour stands apart from the picture's border, so a dark thing on a light
/// wall rises rather than sinks.
/// </summary>
internal static class ReliefMesher
{
    /// <param name="subject">
    /// A subject that was found but cannot stand free (it runs off the frame): it is raised over a
    /// thin plate as a layer of its own, whatever its brightness, so a dark subject never sinks.
    /// </param>
    public static TriangleMesh Build(RgbaImage image, int triangleBudget, byte[]? subject = null)
    {
        int w = image.Width, h = image.Height;
        var longest = Math.Max(w, h);
        var luminance = Height(image, Math.Max(1, longest / 128));
        float[]? layer = null;
        if (subject is not null)
        {
            // A softened edge, so the layer's side is a slope the grid can follow.
            layer = new float[w * h];
            for (var i = 0; i < layer.Length; i++) layer[i] = subject[i];
            BlurInPlace(layer, w, h, Math.Max(1, longest / 160), passes: 2);
        }

        // Columns a and rows b: 2ab front triangles, and for P = 2(a + b) rim points,
        // 2P side triangles, 2P for the thin wall where the back's texture begins, and P back triangles.
        int cols = 1, rows = 1;
        for (var a = 1; ; a++)
        {
            var b = Math.Max(1, (int)Math.Round(a * (double)h / w));
            if (Math.Max(a, b) > 2048) break;
            var total = 2L * a * b + 10L * (a + b);
            if (total > triangleBudget) break;
            cols = a;
            rows = b;
        }

        var baseThickness = 0.03f * longest;
        var amplitude = layer is null ? 0.06f * longest : 0.015f * longest;
        var raise = 0.07f * longest;
        var mesh = new TriangleMesh();
        var front = new int[(cols + 1) * (rows + 1)];
        for (var j = 0; j <= rows; j++)
        {
            for (var i = 0; i <= cols; i++)
            {
                var x = (float)i * w / cols;
                var y = (float)j * h / rows;
                var p = Math.Min(h - 1, (int)y) * w + Math.Min(w - 1, (int)x);
                var z = baseThickness + amplitude * luminance[p] + (layer is null ? 0 : raise * layer[p]);
                front[j * (cols + 1) + i] = mesh.AddVertex(new Vector3(x, y, z));
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

        // The sides carry the picture's edge down to a hair above the base, where the back's own
        // texture takes over (one vertex cannot show both).
        var sideRim = new int[rim.Count];
        var backRim = new int[rim.Count];
        for (var k = 0; k < rim.Count; k++)
        {
            var p = mesh.Positions[rim[k]];
            sideRim[k] = mesh.AddVertex(p with { Z = CutoutMesher.BackRimDrop });
            backRim[k] = mesh.AddVertex(p with { Z = 0 }, onBack: true);
        }
        var centre = mesh.AddVertex(new Vector3(w * 0.5f, h * 0.5f, 0), onBack: true);
        var bottomEdges = new List<(int, int)>();
        for (var k = 0; k < rim.Count; k++)
        {
            var next = (k + 1) % rim.Count;
            mesh.AddTriangle(rim[k], rim[next], sideRim[next]);
            mesh.AddTriangle(rim[k], sideRim[next], sideRim[k]);
            mesh.AddTriangle(sideRim[k], sideRim[next], backRim[next]);
            mesh.AddTriangle(sideRim[k], backRim[next], backRim[k]);
            mesh.AddTriangle(centre, backRim[k], backRim[next]);
            bottomEdges.Add((backRim[k], backRim[next]));
        }
        var missing = triangleBudget / 2 * 2 - mesh.TriangleCount;
        mesh.SplitEdges(bottomEdges, missing / 2, (a, b) => (a + b) * 0.5f);
        return mesh;
    }

    /// <summary>How high full brightness alone lifts the front, as a share of what standing apart from the border does.</summary>
    private const float BrightnessShare = 0.6f;

    /// <summary>Repeated box blur (two passes look like a tent, three close to a Gaussian), clamped at the edges.</summary>
    internal static void BlurInPlace(float[] values, int w, int h, int radius, int passes)
    {
        var temp = new float[values.Length];
        for (var pass = 0; pass < passes; pass++)
        {
            for (var y = 0; y < h; y++)
            {
                float sum = 0;
                for (var k = -radius; k <= radius; k++) sum += values[y * w + Math.Clamp(k, 0, w - 1)];
                for (var x = 0; x < w; x++)
                {
                    temp[y * w + x] = sum / (2 * radius + 1);
                    sum += values[y * w + Math.Min(w - 1, x + radius + 1)] - values[y * w + Math.Max(0, x - radius)];
                }
            }
            for (var x = 0; x < w; x++)
            {
                float sum = 0;
                for (var k = -radius; k <= radius; k++) sum += temp[Math.Clamp(k, 0, h - 1) * w + x];
                for (var y = 0; y < h; y++)
                {
                    values[y * w + x] = sum / (2 * radius + 1);
                    sum += temp[Math.Min(h - 1, y + radius + 1) * w + x] - temp[Math.Max(0, y - radius) * w + x];
                }
            }
        }
    }

    /// <summary>
    /// The front's height in [0, 1] from the picture blurred twice with a box (close to a Gaussian):
    /// the larger of the brightness (scaled down, stretched to [0, 1]) and the distance from the
    /// border's median colour (stretched to [0, 1]). The backdrop sits low, whatever stands out of
    /// it high, dark or bright; bright parts of the backdrop in between.
    /// </summary>
    private static float[] Height(RgbaImage image, int radius)
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

        // The border's colour: the median of each channel over a frame 3 % of the picture wide.
        var frame = Math.Max(1, Math.Min(w, h) * 3 / 100);
        var channels = new[] { new List<byte>(), new List<byte>(), new List<byte>() };
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                if (x >= frame && x < w - frame && y >= frame && y < h - frame) continue;
                for (var ch = 0; ch < 3; ch++) channels[ch].Add(rgb[(y * w + x) * 3 + ch]);
            }
        }
        var border = channels.Select(c => { c.Sort(); return (float)c[c.Count / 2]; }).ToArray();
        var apart = new float[w * h];
        var far = 1f;
        for (var i = 0; i < apart.Length; i++)
        {
            float dr = rgb[i * 3] - border[0], dg = rgb[i * 3 + 1] - border[1], db = rgb[i * 3 + 2] - border[2];
            apart[i] = MathF.Sqrt(dr * dr + dg * dg + db * db);
            far = MathF.Max(far, apart[i]);
        }
        // Below this the picture is one colour throughout: the brightness relief alone.
        var distinct = far >= 24f;
        for (var i = 0; i < lum.Length; i++) lum[i] = distinct ? MathF.Max(BrightnessShare * lum[i], apart[i] / far) : lum[i];
        return lum;
    }
}
