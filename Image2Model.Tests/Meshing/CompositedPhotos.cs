using System.Runtime.InteropServices;
using SkiaSharp;

namespace Image2Model.Tests.Meshing;

/// <summary>
/// A realistic test set whose true masks are known: objects (the fixtures with transparency and
/// objects drawn here) composited onto procedurally made photographic backdrops (wood grain, tiles,
/// fabric, concrete, a cluttered shelf, sky, studio gradients), with contact and soft drop
/// shadows, uneven lighting, sensor noise and JPEG artefacts, at varied scales and positions (some
/// touching the frame edge). Everything is deterministic: case i is the same picture on every run.
/// Also "no subject" pictures (a star field, a frame-filling texture, a crowd, fur close up) that
/// must become relief. This file is compiled into the benchmark project too (its `iou` command).
/// </summary>
public static class CompositedPhotos
{
    public sealed record Case(string Name, byte[] Photo, byte[] TrueMask, int Width, int Height);

    public enum Backdrop { Wood, Tiles, Fabric, Concrete, Shelf, Sky, Gradient }

    private static readonly string[] FixtureSubjects = ["apple.png", "rubber_duck.png", "horse.png", "logo.png"];
    private static readonly string[] DrawnSubjects = ["mug", "ball", "bottle", "box"];

    public static IEnumerable<string> Subjects => FixtureSubjects.Concat(DrawnSubjects);

    /// <summary>Case <paramref name="index"/> of the set; subjects and backdrops cycle, the rest is drawn from a seeded generator.</summary>
    /// <param name="readFixture">Reads a fixture file by name.</param>
    public static Case Make(int index, Func<string, byte[]> readFixture)
    {
        var random = new Random(1000 + index * 7919);
        var subjects = Subjects.ToArray();
        var subjectName = subjects[index % subjects.Length];
        var backdrop = (Backdrop)((index / subjects.Length + index) % 7);
        var portrait = random.NextDouble() < 0.3;
        int w = portrait ? 360 : 480, h = portrait ? 480 : 360;

        using var subject = subjectName.EndsWith(".png", StringComparison.Ordinal) ? LoadRgba(readFixture(subjectName)) : Draw(subjectName, random);
        var (sx0, sy0, sx1, sy1) = OpaqueBox(subject);
        double bw = sx1 - sx0, bh = sy1 - sy0;
        var fill = 0.35 + 0.45 * random.NextDouble();
        var scale = fill * Math.Min(w / bw, h / bh);
        double ow = bw * scale, oh = bh * scale;
        // Mostly inside the frame; one in five is cut off by an edge (the bottom, or a side).
        double ox, oy;
        var edge = random.NextDouble() < 0.2 ? random.Next(3) : -1;
        ox = (w - ow) * (0.1 + 0.8 * random.NextDouble());
        oy = (h - oh) * (0.15 + 0.75 * random.NextDouble());
        if (edge == 0) oy = h - oh * (0.85 + 0.1 * random.NextDouble());
        if (edge == 1) ox = -ow * (0.05 + 0.1 * random.NextDouble());
        if (edge == 2) ox = w - ow * (0.85 + 0.1 * random.NextDouble());

        // The object layer, placed and lit.
        var layer = new byte[w * h * 4];
        using (var placed = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Premul)))
        {
            using (var canvas = new SKCanvas(placed))
            {
                canvas.Clear(SKColors.Transparent);
                using var image = SKImage.FromBitmap(subject);
                canvas.DrawImage(image, new SKRect(sx0, sy0, sx1, sy1), new SKRect((float)ox, (float)oy, (float)(ox + ow), (float)(oy + oh)), new SKSamplingOptions(SKCubicResampler.Mitchell));
            }
            Marshal.Copy(placed.GetPixels(), layer, 0, layer.Length);
        }
        for (var i = 0; i < w * h; i++)
        {
            var a = layer[i * 4 + 3];
            if (a is 0 or 255) continue;
            for (var c = 0; c < 3; c++) layer[i * 4 + c] = (byte)Math.Min(255, layer[i * 4 + c] * 255 / a);
        }
        var mask = new byte[w * h];
        for (var i = 0; i < w * h; i++) mask[i] = layer[i * 4 + 3] >= 128 ? (byte)1 : (byte)0;

        var scene = Backdrops.Make(backdrop, w, h, random);
        ShadeUnder(scene, layer, w, h, ox, oy, ow, oh, random);

        // Key light from one side over everything, stronger on the object (it faces the light).
        var lightAngle = random.NextDouble() * Math.PI * 2;
        var lightStrength = 0.1 + 0.2 * random.NextDouble();
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                var i = y * w + x;
                var along = ((x - w / 2.0) * Math.Cos(lightAngle) + (y - h / 2.0) * Math.Sin(lightAngle)) / Math.Max(w, h);
                var light = 1 + lightStrength * along * 2;
                var a = layer[i * 4 + 3] / 255.0;
                for (var c = 0; c < 3; c++)
                {
                    var v = scene[i * 3 + c] * (1 - a) + layer[i * 4 + c] * a * (1 + 0.5 * lightStrength * along);
                    scene[i * 3 + c] = (float)(v * light);
                }
            }
        }
        var sigma = 1.5 + 4 * random.NextDouble();
        for (var i = 0; i < scene.Length; i++) scene[i] += (float)(Gaussian(random) * sigma);

        var quality = 70 + random.Next(25);
        var name = $"{index:D3}-{Path.GetFileNameWithoutExtension(subjectName)}-on-{backdrop.ToString().ToLowerInvariant()}{(edge >= 0 ? "-edge" : "")}";
        return new Case(name, EncodeJpeg(scene, w, h, quality), mask, w, h);
    }

    /// <summary>Pictures with no single free-standing subject; each must become a relief.</summary>
    public static IEnumerable<(string Name, byte[] Photo)> NoSubject()
    {
        yield return ("star-field", EncodeJpeg(StarField(480, 360, new Random(1)), 480, 360, 85));
        yield return ("wood-filling-the-frame", EncodeJpeg(Backdrops.Make(Backdrop.Wood, 480, 360, new Random(2)), 480, 360, 85));
        yield return ("tiles-filling-the-frame", EncodeJpeg(Backdrops.Make(Backdrop.Tiles, 480, 360, new Random(3)), 480, 360, 85));
        yield return ("crowd", EncodeJpeg(Crowd(480, 360, new Random(4)), 480, 360, 85));
        yield return ("fur-close-up", EncodeJpeg(Fur(480, 360, new Random(5)), 480, 360, 85));
    }

    /// <summary>
    /// The fixture as an RGBA subject. logo.png and horse.png are stored RGBA but (nearly) opaque on
    /// white, so their "original alpha" is made here: white connected to the border becomes transparent.
    /// </summary>
    public static SKBitmap LoadRgba(byte[] file)
    {
        using var codec = SKCodec.Create(new MemoryStream(file));
        var bitmap = SKBitmap.Decode(codec, new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        int w = bitmap.Width, h = bitmap.Height;
        var pixels = new SKColor[w * h];
        var transparent = 0;
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = bitmap.GetPixel(i % w, i / w);
            if (pixels[i].Alpha < 128) transparent++;
        }
        if (transparent > pixels.Length / 100) return bitmap;
        var queue = new Queue<int>();
        var seen = new bool[w * h];
        for (var i = 0; i < pixels.Length; i++)
        {
            int x = i % w, y = i / w;
            if ((x == 0 || y == 0 || x == w - 1 || y == h - 1) && IsWhite(pixels[i])) { seen[i] = true; queue.Enqueue(i); }
        }
        while (queue.TryDequeue(out var p))
        {
            bitmap.SetPixel(p % w, p / w, SKColors.Transparent);
            int x = p % w, y = p / w;
            foreach (var q in new[] { x > 0 ? p - 1 : -1, x < w - 1 ? p + 1 : -1, y > 0 ? p - w : -1, y < h - 1 ? p + w : -1 })
            {
                if (q >= 0 && !seen[q] && IsWhite(pixels[q])) { seen[q] = true; queue.Enqueue(q); }
            }
        }
        return bitmap;

        // Anti-aliased edge pixels count as background once they are more than about half white.
        static bool IsWhite(SKColor c) => Math.Min(c.Red, Math.Min(c.Green, c.Blue)) >= 160;
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static (int X0, int Y0, int X1, int Y1) OpaqueBox(SKBitmap bitmap)
    {
        int x0 = bitmap.Width, y0 = bitmap.Height, x1 = 0, y1 = 0;
        for (var y = 0; y < bitmap.Height; y++)
        {
            for (var x = 0; x < bitmap.Width; x++)
            {
                if (bitmap.GetPixel(x, y).Alpha < 128) continue;
                x0 = Math.Min(x0, x); y0 = Math.Min(y0, y); x1 = Math.Max(x1, x + 1); y1 = Math.Max(y1, y + 1);
            }
        }
        return (x0, y0, x1, y1);
    }

    /// <summary>A contact shadow (a dark, soft ellipse under the object's foot) and a soft drop shadow of its shape.</summary>
    private static void ShadeUnder(float[] scene, byte[] layer, int w, int h, double ox, double oy, double ow, double oh, Random random)
    {
        var shadow = new float[w * h];
        var dropX = (int)((random.NextDouble() - 0.3) * ow * 0.12);
        var dropY = (int)(oh * (0.02 + 0.05 * random.NextDouble()));
        var dropStrength = 0.25 + 0.3 * random.NextDouble();
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                int sx = x - dropX, sy = y - dropY;
                if (sx < 0 || sy < 0 || sx >= w || sy >= h) continue;
                shadow[y * w + x] = (float)(layer[(sy * w + sx) * 4 + 3] / 255.0 * dropStrength);
            }
        }
        Blur(shadow, w, h, Math.Max(2, (int)(Math.Max(ow, oh) / 25)));
        double cx = ox + ow / 2, cy = oy + oh * 0.97, rx = ow * 0.45, ry = Math.Max(4, oh * 0.06);
        var contactStrength = 0.35 + 0.3 * random.NextDouble();
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                double dx = (x - cx) / rx, dy = (y - cy) / ry;
                var r2 = dx * dx + dy * dy;
                if (r2 > 4) continue;
                var contact = contactStrength * Math.Exp(-r2 * 1.5);
                var i = y * w + x;
                shadow[i] = (float)(1 - (1 - shadow[i]) * (1 - contact));
            }
        }
        // A shadow only darkens the backdrop: its hue and grain stay.
        for (var i = 0; i < w * h; i++)
        {
            var keep = 1 - Math.Min(0.75f, shadow[i]);
            scene[i * 3] *= keep;
            scene[i * 3 + 1] *= keep;
            scene[i * 3 + 2] *= keep;
        }
    }

    internal static void Blur(float[] values, int w, int h, int radius) =>
        Image2Model.Site.Meshing.ReliefMesher.BlurInPlace(values, w, h, radius, passes: 3);

    private static byte[] EncodeJpeg(float[] rgb, int w, int h, int quality)
    {
        var rgba = new byte[w * h * 4];
        for (var i = 0; i < w * h; i++)
        {
            for (var c = 0; c < 3; c++) rgba[i * 4 + c] = (byte)Math.Clamp(rgb[i * 3 + c] + 0.5f, 0, 255);
            rgba[i * 4 + 3] = 255;
        }
        using var bitmap = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque));
        Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, quality);
        return data.ToArray();
    }

    /// <summary>Objects drawn with shading: a mug with a handle (a real hole), a ball, a bottle, a box.</summary>
    private static SKBitmap Draw(string name, Random random)
    {
        var bitmap = new SKBitmap(new SKImageInfo(400, 400, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.Transparent);
        var hue = (float)(random.NextDouble() * 360);
        var colour = SKColor.FromHsv(hue, 40 + (float)random.NextDouble() * 50, 45 + (float)random.NextDouble() * 50);
        SKColor Shade(float k) => new((byte)Math.Clamp(colour.Red * k, 0, 255), (byte)Math.Clamp(colour.Green * k, 0, 255), (byte)Math.Clamp(colour.Blue * k, 0, 255));
        using var paint = new SKPaint { IsAntialias = true };
        switch (name)
        {
            case "mug":
                using (var handle = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = 26, Color = Shade(0.8f) })
                {
                    canvas.DrawOval(new SKRect(250, 130, 350, 280), handle);
                }
                paint.Shader = SKShader.CreateLinearGradient(new SKPoint(80, 0), new SKPoint(290, 0), [Shade(0.55f), Shade(1.15f), Shade(0.9f), Shade(0.5f)], [0, 0.35f, 0.7f, 1], SKShaderTileMode.Clamp);
                canvas.DrawRoundRect(new SKRect(80, 80, 290, 340), 16, 16, paint);
                paint.Shader = null;
                paint.Color = Shade(0.4f);
                canvas.DrawOval(new SKRect(84, 70, 286, 100), paint);
                break;
            case "ball":
                paint.Shader = SKShader.CreateRadialGradient(new SKPoint(160, 150), 220, [Shade(1.3f), Shade(0.9f), Shade(0.35f)], [0, 0.5f, 1], SKShaderTileMode.Clamp);
                canvas.DrawCircle(200, 200, 170, paint);
                break;
            case "bottle":
                paint.Shader = SKShader.CreateLinearGradient(new SKPoint(120, 0), new SKPoint(280, 0), [Shade(0.5f), Shade(1.2f), Shade(0.7f), Shade(0.45f)], [0, 0.3f, 0.6f, 1], SKShaderTileMode.Clamp);
                using (var path = SKPath.ParseSvgPathData("M175 20 L225 20 L225 110 C225 140 280 150 280 190 L280 370 Q280 390 260 390 L140 390 Q120 390 120 370 L120 190 C120 150 175 140 175 110 Z"))
                {
                    canvas.DrawPath(path, paint);
                }
                paint.Shader = null;
                paint.Color = new SKColor(240, 235, 220);
                canvas.DrawRect(new SKRect(122, 230, 278, 320), paint);
                break;
            default:
                foreach (var (svg, k) in new[] { ("M60 120 L200 60 L340 120 L200 180 Z", 1.2f), ("M60 120 L200 180 L200 360 L60 300 Z", 0.85f), ("M200 180 L340 120 L340 300 L200 360 Z", 0.6f) })
                {
                    using var face = SKPath.ParseSvgPathData(svg);
                    paint.Color = Shade(k);
                    canvas.DrawPath(face, paint);
                }
                break;
        }
        return bitmap;
    }

    private static float[] StarField(int w, int h, Random random)
    {
        var sky = new float[w * h * 3];
        for (var i = 0; i < w * h; i++) { sky[i * 3] = 6; sky[i * 3 + 1] = 8; sky[i * 3 + 2] = 18; }
        for (var s = 0; s < 260; s++)
        {
            double cx = random.NextDouble() * w, cy = random.NextDouble() * h;
            var radius = 0.6 + 2.2 * Math.Pow(random.NextDouble(), 3);
            var brightness = 120 + 135 * random.NextDouble();
            for (var y = (int)(cy - 4 * radius); y <= cy + 4 * radius; y++)
            {
                for (var x = (int)(cx - 4 * radius); x <= cx + 4 * radius; x++)
                {
                    if (x < 0 || y < 0 || x >= w || y >= h) continue;
                    var d2 = ((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (radius * radius);
                    var v = (float)(brightness * Math.Exp(-d2));
                    for (var c = 0; c < 3; c++) sky[(y * w + x) * 3 + c] += v;
                }
            }
        }
        return sky;
    }

    /// <summary>Heads and shoulders packed to the frame's edges, in many skin and clothing tones.</summary>
    private static float[] Crowd(int w, int h, Random random)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(new SKColor(90, 85, 80));
            using var paint = new SKPaint { IsAntialias = true };
            for (var row = 0; row < 4; row++)
            {
                for (var k = 0; k < 12; k++)
                {
                    var x = (float)((k + random.NextDouble()) * w / 10 - 30);
                    var y = (float)(h * (0.15 + row * 0.25) + random.NextDouble() * 20);
                    paint.Color = SKColor.FromHsv((float)(random.NextDouble() * 360), 30 + (float)random.NextDouble() * 60, 20 + (float)random.NextDouble() * 70);
                    canvas.DrawOval(new SKRect(x - 40, y + 25, x + 40, y + 120), paint);
                    paint.Color = SKColor.FromHsv(20 + (float)random.NextDouble() * 20, 30 + (float)random.NextDouble() * 40, 30 + (float)random.NextDouble() * 60);
                    canvas.DrawOval(new SKRect(x - 17, y - 22, x + 17, y + 22), paint);
                    paint.Color = SKColor.FromHsv(30, 50, 10 + (float)random.NextDouble() * 30);
                    canvas.DrawOval(new SKRect(x - 18, y - 25, x + 18, y - 5), paint);
                }
            }
        }
        return ToFloats(bitmap, random, 4);
    }

    /// <summary>Thousands of short, curved, overlapping hairs in browns, lit unevenly.</summary>
    private static float[] Fur(int w, int h, Random random)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(new SKColor(110, 75, 40));
            using var paint = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeCap = SKStrokeCap.Round };
            for (var s = 0; s < 9000; s++)
            {
                float x = (float)(random.NextDouble() * (w + 40) - 20), y = (float)(random.NextDouble() * (h + 40) - 20);
                var angle = 0.9 + 0.4 * Math.Sin(x / 60.0) + 0.3 * random.NextDouble();
                var length = 12 + 18 * random.NextDouble();
                paint.StrokeWidth = 1 + (float)random.NextDouble() * 1.5f;
                var tone = (float)random.NextDouble();
                paint.Color = new SKColor((byte)(60 + 150 * tone), (byte)(35 + 100 * tone), (byte)(15 + 50 * tone));
                canvas.DrawLine(x, y, (float)(x + Math.Cos(angle) * length), (float)(y + Math.Sin(angle) * length), paint);
            }
        }
        return ToFloats(bitmap, random, 3);
    }

    private static float[] ToFloats(SKBitmap bitmap, Random random, double sigma)
    {
        int w = bitmap.Width, h = bitmap.Height;
        var bytes = new byte[w * h * 4];
        Marshal.Copy(bitmap.GetPixels(), bytes, 0, bytes.Length);
        var rgb = new float[w * h * 3];
        for (var i = 0; i < w * h; i++)
        {
            for (var c = 0; c < 3; c++) rgb[i * 3 + c] = bytes[i * 4 + c] + (float)(Gaussian(random) * sigma);
        }
        return rgb;
    }

    /// <summary>Photographic-looking surfaces, made from value noise.</summary>
    internal static class Backdrops
    {
        public static float[] Make(Backdrop kind, int w, int h, Random random)
        {
            var rgb = new float[w * h * 3];
            var seed = random.Next();
            var hueShift = random.NextDouble();
            for (var y = 0; y < h; y++)
            {
                for (var x = 0; x < w; x++)
                {
                    var (r, g, b) = kind switch
                    {
                        Backdrop.Wood => Wood(x, y, seed, hueShift),
                        Backdrop.Tiles => Tiles(x, y, seed, hueShift),
                        Backdrop.Fabric => Fabric(x, y, seed, hueShift),
                        Backdrop.Concrete => Concrete(x, y, seed),
                        Backdrop.Shelf => Shelf(x, y, w, h, seed),
                        Backdrop.Sky => Sky(x, y, h, seed),
                        _ => Studio(x, y, w, h, hueShift),
                    };
                    var i = (y * w + x) * 3;
                    rgb[i] = (float)r;
                    rgb[i + 1] = (float)g;
                    rgb[i + 2] = (float)b;
                }
            }
            if (kind == Backdrop.Shelf) Defocus(rgb, w, h);
            return rgb;
        }

        /// <summary>The shelf stands well behind the object: a lens focused on the object blurs it a little.</summary>
        private static void Defocus(float[] rgb, int w, int h)
        {
            var channel = new float[w * h];
            for (var c = 0; c < 3; c++)
            {
                for (var i = 0; i < w * h; i++) channel[i] = rgb[i * 3 + c];
                Blur(channel, w, h, 2);
                for (var i = 0; i < w * h; i++) rgb[i * 3 + c] = channel[i];
            }
        }

        private static (double, double, double) Wood(int x, int y, int seed, double shift)
        {
            // Long grain along x, warped by low-frequency noise, with fine fibres.
            var warp = 18 * Noise(x / 90.0, y / 30.0, seed);
            var ring = 0.5 + 0.5 * Math.Sin((y + warp) / 5.5);
            var fibre = Noise(x / 40.0, y / 1.5, seed + 1);
            var t = 0.6 * ring + 0.4 * fibre;
            var baseTone = 0.75 + 0.4 * shift;
            return (baseTone * (150 + 70 * t), baseTone * (95 + 50 * t), baseTone * (55 + 30 * t));
        }

        private static (double, double, double) Tiles(int x, int y, int seed, double shift)
        {
            const int size = 64;
            int tx = x / size, ty = y / size;
            int lx = x % size, ly = y % size;
            if (lx < 3 || ly < 3) return (150, 148, 140);
            var variation = Hash(tx, ty, seed) * 30 - 15;
            var speck = 12 * Noise(x / 3.0, y / 3.0, seed + 5);
            var tone = 200 + variation + speck - 30 * shift;
            return (tone, tone * 0.96, tone * 0.9);
        }

        private static (double, double, double) Fabric(int x, int y, int seed, double shift)
        {
            var weave = 0.5 + 0.25 * Math.Sin(x * 1.9) * Math.Sin(y * 1.9) + 0.25 * ((x + y) % 4 < 2 ? 1 : -1) * 0.3;
            var slub = Noise(x / 25.0, y / 4.0, seed);
            var t = 0.7 * weave + 0.3 * slub;
            var hue = shift * 360;
            var colour = SKColor.FromHsv((float)hue, 35, 60);
            return (colour.Red * (0.8 + 0.4 * t), colour.Green * (0.8 + 0.4 * t), colour.Blue * (0.8 + 0.4 * t));
        }

        private static (double, double, double) Concrete(int x, int y, int seed)
        {
            var t = 0.5 * Noise(x / 60.0, y / 60.0, seed) + 0.3 * Noise(x / 12.0, y / 12.0, seed + 1) + 0.2 * Noise(x / 2.0, y / 2.0, seed + 2);
            var pit = Hash(x, y, seed + 3) < 0.01 ? -50 : 0;
            var tone = 130 + 60 * t + pit;
            return (tone, tone * 0.98, tone * 0.95);
        }

        private static (double, double, double) Shelf(int x, int y, int w, int h, int seed)
        {
            // Books and boxes on a shelf behind, a plank in front.
            var plank = h * 0.62;
            if (y > plank)
            {
                var grain = Noise(x / 80.0, y / 3.0, seed);
                return (170 + 40 * grain, 130 + 30 * grain, 90 + 20 * grain);
            }
            var book = (int)((x + 37 * Noise(0, y / 400.0, seed)) / (18 + 20 * Hash(x / 30, 0, seed)));
            var top = plank - h * (0.25 + 0.3 * Hash(book, 1, seed));
            if (y < top) return (70, 62, 55);
            var colour = SKColor.FromHsv((float)(Hash(book, 2, seed) * 360), 30 + (float)Hash(book, 3, seed) * 50, 30 + (float)Hash(book, 4, seed) * 50);
            var spine = 1 - 0.2 * Math.Abs(Math.Sin(x / 6.0));
            return (colour.Red * spine, colour.Green * spine, colour.Blue * spine);
        }

        private static (double, double, double) Sky(int x, int y, int h, int seed)
        {
            var t = (double)y / h;
            var cloud = Math.Max(0, Noise(x / 110.0, y / 50.0, seed) * 1.6 - 0.7) + 0.3 * Math.Max(0, Noise(x / 30.0, y / 20.0, seed + 1) - 0.5);
            double r = 70 + 90 * t, g = 120 + 80 * t, b = 200 + 40 * t;
            cloud = Math.Min(1, cloud);
            return (r + (245 - r) * cloud, g + (245 - g) * cloud, b + (250 - b) * cloud);
        }

        private static (double, double, double) Studio(int x, int y, int w, int h, double shift)
        {
            var t = (0.3 * x / w + 0.7 * y / h);
            var hue = (float)(shift * 360);
            var top = SKColor.FromHsv(hue, 8, 95);
            var bottom = SKColor.FromHsv(hue, 25, 65);
            return (top.Red + (bottom.Red - top.Red) * t, top.Green + (bottom.Green - top.Green) * t, top.Blue + (bottom.Blue - top.Blue) * t);
        }

        private static double Hash(int x, int y, int seed)
        {
            unchecked
            {
                var n = (uint)(x * 374761393 + y * 668265263 + seed * 982451653);
                n = (n ^ (n >> 13)) * 1274126177;
                n ^= n >> 16;
                return n / (double)uint.MaxValue;
            }
        }

        /// <summary>Smooth value noise in [0, 1].</summary>
        private static double Noise(double x, double y, int seed)
        {
            int x0 = (int)Math.Floor(x), y0 = (int)Math.Floor(y);
            double fx = x - x0, fy = y - y0;
            fx = fx * fx * (3 - 2 * fx);
            fy = fy * fy * (3 - 2 * fy);
            var a = Hash(x0, y0, seed) + (Hash(x0 + 1, y0, seed) - Hash(x0, y0, seed)) * fx;
            var b = Hash(x0, y0 + 1, seed) + (Hash(x0 + 1, y0 + 1, seed) - Hash(x0, y0 + 1, seed)) * fx;
            return a + (b - a) * fy;
        }
    }
}
