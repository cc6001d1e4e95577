using Image2Model.Site.Meshing;
using Image2Model.Tests.Infrastructure;
using SkiaSharp;

namespace Image2Model.Tests.Meshing;

/// <summary>The fixture photos and the synthetic pictures the stories are told with.</summary>
public static class TestImages
{
    public static IEnumerable<string> AllImageFixtures() =>
        Directory.GetFiles(Fixtures.Directory).Select(Path.GetFileName).Where(n => n is not null && n != "truncated.jpg" && (n.EndsWith(".png") || n.EndsWith(".jpg"))).Order()!;

    public enum Backdrop { Plain, Gradient, NoisyWithShadow }

    /// <summary>The original alpha of an RGBA fixture as a 0/1 mask.</summary>
    internal static (byte[] Mask, int Width, int Height) AlphaMask(string fixture)
    {
        using var bitmap = LoadRgba(fixture);
        var mask = new byte[bitmap.Width * bitmap.Height];
        for (var y = 0; y < bitmap.Height; y++)
        {
            for (var x = 0; x < bitmap.Width; x++) mask[y * bitmap.Width + x] = bitmap.GetPixel(x, y).Alpha >= 128 ? (byte)1 : (byte)0;
        }
        return (mask, bitmap.Width, bitmap.Height);
    }

    internal static SKBitmap LoadRgba(string fixture) => CompositedPhotos.LoadRgba(Fixtures.Read(fixture));

    /// <summary>An RGBA fixture photographed on a backdrop: plain, a gradient, or noisy with a soft drop shadow.</summary>
    public static byte[] Composite(string fixture, Backdrop backdrop, SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        using var subject = LoadRgba(fixture);
        using var subjectImage = SKImage.FromBitmap(subject);
        int w = subject.Width, h = subject.Height;
        using var surface = SKSurface.Create(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        switch (backdrop)
        {
            case Backdrop.Plain:
                canvas.Clear(new SKColor(236, 236, 232));
                break;
            case Backdrop.Gradient:
                using (var paint = new SKPaint())
                {
                    paint.Shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(w, h),
                        [new SKColor(250, 250, 255), new SKColor(150, 170, 200)], SKShaderTileMode.Clamp);
                    canvas.DrawRect(0, 0, w, h, paint);
                }
                break;
            case Backdrop.NoisyWithShadow:
                canvas.Clear(new SKColor(215, 210, 200));
                using (var shadow = new SKPaint())
                {
                    shadow.ColorFilter = SKColorFilter.CreateBlendMode(new SKColor(0, 0, 0, 110), SKBlendMode.SrcIn);
                    // An image filter, not a mask filter: Skia ignores mask filters when drawing images, which would leave the shadow hard-edged.
                    shadow.ImageFilter = SKImageFilter.CreateBlur(Math.Max(w, h) / 60f, Math.Max(w, h) / 60f);
                    canvas.DrawImage(subjectImage, w / 40f, h / 30f, SKSamplingOptions.Default, shadow);
                }
                break;
        }
        canvas.DrawImage(subjectImage, 0, 0, SKSamplingOptions.Default);
        using var image = surface.Snapshot();
        using var bitmap = SKBitmap.FromImage(image);
        if (backdrop == Backdrop.NoisyWithShadow) AddNoise(bitmap, sigma: 10, seed: 7);
        using var data = bitmap.Encode(format, 95);
        return data.ToArray();
    }

    /// <summary>
    /// The fixture made pale (grey, lifted towards white: a white mug, a plaster figure) on a
    /// near-white backdrop with a faint soft shadow and a little sensor noise: the low-contrast case.
    /// </summary>
    public static byte[] LightComposite(string fixture)
    {
        using var subject = LoadRgba(fixture);
        int w = subject.Width, h = subject.Height;
        using var surface = SKSurface.Create(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        canvas.Clear(new SKColor(246, 245, 242));
        using var subjectImage = SKImage.FromBitmap(subject);
        using (var shadow = new SKPaint())
        {
            // An image filter, not a mask filter: Skia ignores mask filters when drawing an RGBA
            // image, which would leave a hard-edged shadow.
            shadow.ColorFilter = SKColorFilter.CreateBlendMode(new SKColor(60, 50, 40, 45), SKBlendMode.SrcIn);
            shadow.ImageFilter = SKImageFilter.CreateBlur(Math.Max(w, h) / 50f, Math.Max(w, h) / 50f);
            canvas.DrawImage(subjectImage, w / 40f, h / 30f, SKSamplingOptions.Default, shadow);
        }
        using (var pale = new SKPaint())
        {
            // Luminance only, compressed into the top of the range: v' = 0.3 * luma + 165 (of 255).
            const float k = 0.3f, lift = 165f / 255f;
            pale.ColorFilter = SKColorFilter.CreateColorMatrix(
            [
                0.2126f * k, 0.7152f * k, 0.0722f * k, 0, lift,
                0.2126f * k, 0.7152f * k, 0.0722f * k, 0, lift,
                0.2126f * k, 0.7152f * k, 0.0722f * k, 0, lift,
                0, 0, 0, 1, 0,
            ]);
            canvas.DrawImage(subjectImage, 0, 0, SKSamplingOptions.Default, pale);
        }
        using var image = surface.Snapshot();
        using var bitmap = SKBitmap.FromImage(image);
        AddNoise(bitmap, sigma: 2, seed: 11);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 95);
        return data.ToArray();
    }

    private static void AddNoise(SKBitmap bitmap, double sigma, int seed)
    {
        var random = new Random(seed);
        for (var y = 0; y < bitmap.Height; y++)
        {
            for (var x = 0; x < bitmap.Width; x++)
            {
                var c = bitmap.GetPixel(x, y);
                bitmap.SetPixel(x, y, new SKColor(Noisy(c.Red), Noisy(c.Green), Noisy(c.Blue), 255));
            }
        }

        byte Noisy(byte v)
        {
            var gaussian = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            return (byte)Math.Clamp(v + gaussian * sigma, 0, 255);
        }
    }

    /// <summary>A picture drawn with Skia on an opaque backdrop, encoded as PNG or JPEG.</summary>
    public static byte[] Draw(int w, int h, SKColor backdrop, Action<SKCanvas> draw, SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        using var surface = SKSurface.Create(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Premul));
        surface.Canvas.Clear(backdrop);
        draw(surface.Canvas);
        using var image = surface.Snapshot();
        using var data = image.Encode(format, 92);
        return data.ToArray();
    }

    /// <summary>A ring (think mug handle): the hole in the middle must stay a hole.</summary>
    public static byte[] Ring() => Draw(320, 240, new SKColor(245, 245, 245), c =>
    {
        using var paint = new SKPaint { Color = new SKColor(30, 90, 200), IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = 40 };
        c.DrawCircle(160, 120, 75, paint);
    });

    public static double IoU(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        int both = 0, either = 0;
        for (var i = 0; i < a.Length; i++)
        {
            if (a[i] != 0 && b[i] != 0) both++;
            if (a[i] != 0 || b[i] != 0) either++;
        }
        return either == 0 ? 1 : (double)both / either;
    }

    /// <summary>Decodes for segmentation the way the engine does.</summary>
    internal static RgbaImage Decode(byte[] bytes) => ImageDecoding.Decode(bytes, 4096);
}
