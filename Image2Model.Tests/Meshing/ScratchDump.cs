using Image2Model.Site.Meshing;
using SkiaSharp;

namespace Image2Model.Tests.Meshing;

public sealed class ScratchDump
{
    [Fact]
    public void Horse()
    {
        var (alpha, w, h) = TestImages.AlphaMask("horse.png");
        var img = TestImages.Decode(TestImages.Fixture("horse.png"));
        var seg = Segmentation.Find(img);
        var n = 0; var a = 0;
        for (var i = 0; i < alpha.Length; i++) { n += seg.Subject!.Mask[i]; a += alpha[i]; }
        var r = LocalEngine.Convert(TestImages.Fixture("horse.png"), new EngineOptions(10_000));
        var m = MeshFacts.Read(r.Glb);
        var proj = m.ProjectFront(100, 100);
        using (var bb = SKBitmap.Decode(TestImages.Fixture("horse.png")))
        using (var cc = SKCodec.Create(new MemoryStream(TestImages.Fixture("logo.png"))))
            if (bb.Width > 0) throw new Exception($"{bb.ColorType} {bb.AlphaType} {bb.GetPixel(0, 0)} {bb.GetPixel(399, 327)} {bb.GetPixel(200, 5)} ref {TestImages.AlphaMask("horse.png").Mask.Sum(b => b)} codec {cc.Info.ColorType} {cc.Info.AlphaType}");
        var logo = TestImages.Decode(TestImages.Fixture("logo.png"));
        var hist = new int[9];
        for (var i = 3; i < logo.Pixels.Length; i += 4) hist[logo.Pixels[i] / 32]++;
        var hh = new int[9];
        for (var i = 3; i < img.Pixels.Length; i += 4) hh[img.Pixels[i] / 32]++;
        var (la, lw, lh) = TestImages.AlphaMask("logo.png");
        throw new Exception($"logo {string.Join(",", hist)} horse {string.Join(",", hh)} logoref {la.Sum(b => b)} alpha {a} seg {n} of {w}x{h}; size {m.Size()} proj {proj.Count(c => c)}");
    }

    [Fact]
    public void Halo()
    {
        var photo = TestImages.Draw(400, 300, new SKColor(40, 200, 60), c =>
        {
            using var paint = new SKPaint { Color = new SKColor(200, 40, 40), IsAntialias = true };
            c.DrawOval(200, 150, 120, 90, paint);
        }, SKEncodedImageFormat.Jpeg);
        var result = LocalEngine.Convert(photo, new EngineOptions(FaceLimit: 5_000));
        File.WriteAllBytes("/tmp/engine-out/halo.glb", result.Glb);
        var mesh = MeshFacts.Read(result.Glb);
        File.WriteAllBytes("/tmp/engine-out/halo-tex.jpg", mesh.Model.LogicalImages[0].Content.Content.ToArray());
        using var tex = SKBitmap.Decode(mesh.Model.LogicalImages[0].Content.Content.ToArray());
        var sb = new System.Text.StringBuilder($"tex {tex.Width}x{tex.Height} ");
        for (var i = 0; i < mesh.Positions.Length && sb.Length < 1500; i += 37)
        {
            if (Math.Abs(mesh.Positions[i].Z) > 1e-4) continue;
            var uv = mesh.Uvs[i];
            sb.Append($"[{uv.X:F3},{uv.Y:F3} {tex.GetPixel((int)(uv.X * tex.Width), (int)(uv.Y * tex.Height))}] ");
        }
        sb.Append($" corner {tex.GetPixel(0, 0)} centre {tex.GetPixel(tex.Width / 2, tex.Height / 2)}");
        if (tex.Width > 0) throw new Exception(sb.ToString());
        var img = TestImages.Decode(photo);
        var s = Segmentation.Find(img);
        using var bmp = new SKBitmap(img.Width, img.Height, SKColorType.Gray8, SKAlphaType.Opaque);
        for (var i = 0; i < s.Subject!.Mask.Length; i++) bmp.SetPixel(i % img.Width, i / img.Width, s.Subject.Mask[i] != 0 ? SKColors.White : SKColors.Black);
        using var d = bmp.Encode(SKEncodedImageFormat.Png, 90);
        File.WriteAllBytes("/tmp/engine-out/halo-mask.png", d.ToArray());
    }

    [Fact]
    public void Dump()
    {
        var dir = "/tmp/engine-out";
        Directory.CreateDirectory(dir);
        foreach (var f in TestImages.AllImageFixtures())
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var r = LocalEngine.Convert(TestImages.Fixture(f), new EngineOptions(10_000));
            File.WriteAllBytes(Path.Combine(dir, Path.GetFileNameWithoutExtension(f) + ".glb"), r.Glb);
            File.AppendAllText(Path.Combine(dir, "log.txt"), $"{f} {r.Mode} {r.Triangles} {sw.ElapsedMilliseconds}ms\n");
        }
        foreach (var f in new[] { "logo.png", "apple.png", "rubber_duck.png" })
        foreach (var b in Enum.GetValues<TestImages.Backdrop>())
        {
            var bytes = TestImages.Composite(f, b);
            File.WriteAllBytes(Path.Combine(dir, $"{f}-{b}.png"), bytes);
            var img = TestImages.Decode(bytes);
            var s = Segmentation.Find(img);
            if (s.Subject is null) continue;
            using var bmp = new SKBitmap(img.Width, img.Height, SKColorType.Gray8, SKAlphaType.Opaque);
            for (var i = 0; i < s.Subject.Mask.Length; i++) bmp.SetPixel(i % img.Width, i / img.Width, s.Subject.Mask[i] != 0 ? SKColors.White : SKColors.Black);
            using var d = bmp.Encode(SKEncodedImageFormat.Png, 90);
            File.WriteAllBytes(Path.Combine(dir, $"{f}-{b}-mask.png"), d.ToArray());
            File.WriteAllBytes(Path.Combine(dir, $"{f}-{b}.glb"), LocalEngine.Convert(bytes, new EngineOptions(10_000)).Glb);
        }
    }
}
public sealed class ScratchLogo
{
    [Fact]
    public void LogoIoU()
    {
        var (alpha, w, h) = TestImages.AlphaMask("logo.png");
        var seg = Segmentation.Find(TestImages.Decode(TestImages.Fixture("logo.png")));
        throw new Exception($"seg IoU {TestImages.IoU(seg.Subject!.Mask, alpha):F3} ref {alpha.Sum(b => b)} seg {seg.Subject.Mask.Sum(b => b)}");
    }
}
public sealed class ScratchProfile
{
    [Fact]
    public void Profile()
    {
        using var duck = SKImage.FromEncodedData(Path.Combine(TestImages.FixtureDir, "rubber_duck.png"));
        using var surface = SKSurface.Create(new SKImageInfo(1632, 1224, SKColorType.Rgba8888, SKAlphaType.Premul));
        surface.Canvas.Clear(new SKColor(240, 238, 235));
        surface.Canvas.DrawImage(duck, SKRect.Create(200, 150, 1100, 850), new SKSamplingOptions(SKCubicResampler.Mitchell));
        using var snap = surface.Snapshot();
        var jpeg = snap.Encode(SKEncodedImageFormat.Jpeg, 90).ToArray();
        var best = new Dictionary<string, double>();
        for (var run = 0; run < 25; run++)
        {
            var w = System.Diagnostics.Stopwatch.StartNew();
            void Lap(string s) { best[s] = Math.Min(best.GetValueOrDefault(s, 1e9), w.Elapsed.TotalMilliseconds); w.Restart(); }
            var photo = ImageDecoding.Decode(jpeg, 2048); Lap("decode");
            var working = photo.Downsample(3); Lap("scale");
            var seg = Segmentation.Find(working); Lap("segment");
            MaskOps.BoxBlurRgb(working.Pixels, working.Width, working.Height, 1); Lap("blur");
            var mm = (byte[])seg.Subject!.Mask.Clone(); Lap("x");
            MaskOps.Erode(mm, working.Width, working.Height, 1); Lap("erode");
            MaskOps.FillHolesSmallerThan(mm, working.Width, working.Height, 100); Lap("fillholes");
            MaskOps.KeepMainComponents(mm, working.Width, working.Height); Lap("keepmain");
            var field = ShapeField.Inflate(seg.Subject!, 4); Lap("inflate");
            var mesh = CutoutMesher.Build(field, 10_000, 1f); Lap("mesh");
            var tex = TextureBaker.Bake(photo, 3, working.Width, working.Height, field, 2048); Lap("texture");
            var glb = GlbWriter.Write(mesh, tex, 1f); Lap("glb");
        }
        throw new Exception(string.Join(" | ", best.Select(kv => $"{kv.Key} {kv.Value:F1}")));
    }
}
public sealed class ScratchMask
{
    [Fact]
    public void LogoMask()
    {
        var img = TestImages.Decode(TestImages.Fixture("logo.png"));
        var s = Segmentation.Find(img);
        using var bmp = new SKBitmap(img.Width, img.Height, SKColorType.Gray8, SKAlphaType.Opaque);
        for (var i = 0; i < s.Subject!.Mask.Length; i++) bmp.SetPixel(i % img.Width, i / img.Width, s.Subject.Mask[i] != 0 ? SKColors.White : SKColors.Black);
        using var sub = new SKBitmap();
        bmp.ExtractSubset(sub, SKRectI.Create(300, 120, 200, 120));
        using var big = sub.Resize(new SKImageInfo(800, 480), SKSamplingOptions.Default);
        using var d = big.Encode(SKEncodedImageFormat.Png, 90);
        File.WriteAllBytes("/tmp/engine-out/logo-mask-zoom.png", d.ToArray());
    }
}
