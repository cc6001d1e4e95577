using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using Image2Model.Site.Meshing;
using SkiaSharp;

namespace Image2Model.Bench;

public static class Program
{
    public static int Main(string[] args)
    {
        // "peak": one 12 MP conversion in a fresh process, reporting the process's peak memory
        // (native Skia buffers included), which BenchmarkDotNet's MemoryDiagnoser cannot see.
        if (args is ["peak", ..])
        {
            var photo = Photos.Jpeg(Photos.TwelveMegapixels);
            var watch = Stopwatch.StartNew();
            var result = LocalEngine.Convert(photo, new EngineOptions(FaceLimit: 50_000));
            watch.Stop();
            using var self = Process.GetCurrentProcess();
            self.Refresh();
            Console.WriteLine($"12 MP @50k: {result.Mode}, {result.Triangles} triangles, {watch.ElapsedMilliseconds} ms (cold), " +
                              $"peak working set {self.PeakWorkingSet64 / 1048576.0:F0} MiB, managed allocated {GC.GetTotalAllocatedBytes() / 1048576.0:F0} MiB");
            return 0;
        }
        // "stages": median time of each pipeline stage on the 2 MP photo, to see where time goes.
        if (args is ["stages", ..])
        {
            var input = args.Length > 1 && File.Exists(args[1]) ? File.ReadAllBytes(args[1])
                : Photos.Jpeg(args.Length > 1 && args[1] == "12" ? Photos.TwelveMegapixels : Photos.TwoMegapixels);
            Stages.Run(input, args.Length > 1 && args[1] == "12" ? 50_000 : 10_000);
            return 0;
        }
        // "iou": the composited photo set (the tests' CompositedPhotos, full size): IoU per image and its distribution.
        if (args is ["iou", ..])
        {
            CompositedSet.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 96, args.Contains("--save") ? "composited" : null);
            return 0;
        }
        // "prof": the segmentation's steps on the 2 MP photo (what the graph cut costs), 15 runs.
        if (args is ["prof", ..])
        {
            var twelve = args.Length > 1 && args[1] == "12";
            var jpeg = Photos.Jpeg(twelve ? Photos.TwelveMegapixels : Photos.TwoMegapixels);
            var options = new EngineOptions(FaceLimit: twelve ? 50_000 : 10_000);
            LocalEngine.Convert(jpeg, options);
            LocalEngine.Convert(jpeg, options);
            // CPU time per conversion is what the load on a shared machine disturbs least.
            using var self = Process.GetCurrentProcess();
            var cpuBefore = self.TotalProcessorTime;
            int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            var walls = new List<double>();
            for (var run = 0; run < 15; run++)
            {
                var watch = Stopwatch.StartNew();
                LocalEngine.Convert(jpeg, options);
                walls.Add(watch.Elapsed.TotalMilliseconds);
            }
            self.Refresh();
            var cpu = (self.TotalProcessorTime - cpuBefore).TotalMilliseconds / 15;
            walls.Sort();
            Console.WriteLine($"{(twelve ? "12" : "2")} MP -> GLB: wall min {walls[0]:F1} ms, median {walls[7]:F1} ms; CPU {cpu:F1} ms per conversion (load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]})");
            Console.WriteLine($"per conversion: {(GC.GetTotalAllocatedBytes(precise: true) - allocated) / 15 / 1048576.0:F1} MiB allocated; collections in 15: gen0 {GC.CollectionCount(0) - gen0}, gen1 {GC.CollectionCount(1) - gen1}, gen2 {GC.CollectionCount(2) - gen2}");
            StageTimes.Enabled = true;
            for (var run = 0; run < 15; run++) LocalEngine.Convert(jpeg, options);
            foreach (var (name, list) in StageTimes.Times) Console.WriteLine($"{name,-16} median {list.Order().ElementAt(list.Count / 2),7:F1} ms  min {list.Min(),7:F1} ms  max {list.Max(),7:F1}  sum/run {list.Sum() / 15,7:F1}  x{list.Count / 15.0:F1}");
            return 0;
        }
        // "loop N": N conversions of the 2 MP photo back to back, for a profiler (dotnet-trace) to sample.
        if (args is ["loop", ..])
        {
            var jpeg = Photos.Jpeg(Photos.TwoMegapixels);
            var count = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 200;
            for (var run = 0; run < count; run++) LocalEngine.Convert(jpeg, new EngineOptions(FaceLimit: 10_000));
            return 0;
        }
        // "dump DIR": the GLB of every fixture (auto and 10k faces), of the 2 MP and 12 MP photos and of
        // 12 composited cases, written to DIR, so two builds' outputs can be compared byte for byte.
        if (args is ["dump", var into, ..])
        {
            Directory.CreateDirectory(into);
            var inputs = new List<(string Name, byte[] Bytes, int? Faces)>();
            foreach (var file in Directory.GetFiles(Photos.FixtureDirectory()).Order())
            {
                inputs.Add((Path.GetFileNameWithoutExtension(file) + "-auto", File.ReadAllBytes(file), null));
                inputs.Add((Path.GetFileNameWithoutExtension(file) + "-10k", File.ReadAllBytes(file), 10_000));
            }
            inputs.Add(("photo-2mp", Photos.Jpeg(Photos.TwoMegapixels), 10_000));
            inputs.Add(("photo-12mp", Photos.Jpeg(Photos.TwelveMegapixels), 50_000));
            for (var k = 0; k < 96; k += 8)
            {
                var photo = Image2Model.Tests.Meshing.CompositedPhotos.Make(k, name => File.ReadAllBytes(Path.Combine(Photos.FixtureDirectory(), name)));
                inputs.Add(($"composited-{k:000}", photo.Photo, null));
            }
            foreach (var (name, bytes, faces) in inputs)
            {
                try
                {
                    var result = LocalEngine.Convert(bytes, new EngineOptions(faces));
                    File.WriteAllBytes(Path.Combine(into, name + ".glb"), result.Glb);
                    Console.WriteLine($"{name,-28} {result.Mode,-8} {result.Triangles,7} triangles {result.Glb.Length,9} bytes");
                }
                catch (ImageDecodeException e)
                {
                    Console.WriteLine($"{name,-28} refused: {e.Message}");
                }
            }
            return 0;
        }
        // "debug K": the intermediate masks of composited case K, as PNGs in debug/.
        if (args is ["debug", var which, ..])
        {
            var file = File.Exists(which) ? which : null;
            var k = file is null ? int.Parse(which, System.Globalization.CultureInfo.InvariantCulture) : 999;
            var photo = file is null ? Image2Model.Tests.Meshing.CompositedPhotos.Make(k, name => File.ReadAllBytes(Path.Combine(Photos.FixtureDirectory(), name)))
                : new Image2Model.Tests.Meshing.CompositedPhotos.Case(file, File.ReadAllBytes(file), [], 0, 0);
            Directory.CreateDirectory("debug");
            var step = 0;
            StageTimes.Masks = (name, mask, w, h) => CompositedSet.SaveMask(Path.Combine("debug", $"{k:000}-{step++:00}-{name}.png"), mask, w, h);
            var found = Segmentation.Find(ImageDecoding.Decode(photo.Photo, 4096));
            if (found.Subject is { } s) CompositedSet.SaveMask(Path.Combine("debug", $"{k:000}-99-final.png"), s.Mask, s.Width, s.Height);
            using (var decoded = SKBitmap.Decode(photo.Photo)) File.WriteAllBytes(Path.Combine("debug", $"{k:000}-photo.png"), decoded.Encode(SKEncodedImageFormat.Png, 100).ToArray());
            Console.WriteLine(found.Reason);
            return 0;
        }
        // "montage OUT.jpg A.png B.png ...": renders side by side in one small JPEG (for bench/README.md).
        if (args is ["montage", var target, ..])
        {
            var tiles = args.Skip(2).Select(f => SKBitmap.Decode(f)).ToList();
            using var surface = SKSurface.Create(new SKImageInfo(tiles.Sum(t => t.Width), tiles.Max(t => t.Height)));
            surface.Canvas.Clear(SKColors.White);
            var x = 0;
            foreach (var tile in tiles)
            {
                using (var image = SKImage.FromBitmap(tile)) surface.Canvas.DrawImage(image, x, 0, SKSamplingOptions.Default);
                x += tile.Width;
                tile.Dispose();
            }
            using var snapshot = surface.Snapshot();
            File.WriteAllBytes(target, snapshot.Encode(SKEncodedImageFormat.Jpeg, 78).ToArray());
            return 0;
        }
        // "fixtures": how each fixture comes out (mode, triangles, median time of 10 runs).
        if (args is ["fixtures", ..])
        {
            foreach (var file in Directory.GetFiles(Photos.FixtureDirectory()).Order())
            {
                var bytes = File.ReadAllBytes(file);
                foreach (int? faces in new int?[] { null, 10_000 })
                {
                    try
                    {
                        var times = new List<double>();
                        EngineResult? result = null;
                        for (var run = 0; run < 10; run++)
                        {
                            var watch = Stopwatch.StartNew();
                            result = LocalEngine.Convert(bytes, new EngineOptions(faces));
                            times.Add(watch.Elapsed.TotalMilliseconds);
                        }
                        times.Sort();
                        Console.WriteLine($"{Path.GetFileName(file),-16} faces {(faces?.ToString() ?? "auto"),-6} {result!.Mode,-8} {(result.Profile ?? ""),-8} {result.Triangles,7} triangles {times[5],7:F1} ms {result.Glb.Length / 1024,6} KiB");
                    }
                    catch (ImageDecodeException e)
                    {
                        Console.WriteLine($"{Path.GetFileName(file),-16} refused: {e.Message}");
                        break;
                    }
                }
            }
            return 0;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}

internal static class Stages
{
    public static void Run(byte[] jpeg, int faces)
    {
        var times = new Dictionary<string, List<double>>();
        var bytes = new Dictionary<string, long>();
        for (var run = 0; run < 40; run++)
        {
            var watch = Stopwatch.StartNew();
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            void Lap(string stage)
            {
                if (!times.TryGetValue(stage, out var list)) times[stage] = list = [];
                list.Add(watch.Elapsed.TotalMilliseconds);
                var now = GC.GetTotalAllocatedBytes(precise: true);
                bytes[stage] = bytes.GetValueOrDefault(stage) + now - allocated;
                allocated = now;
                watch.Restart();
            }
            var photo = ImageDecoding.Decode(jpeg, 2048); Lap("decode");
            var factor = Math.Max(1, (int)Math.Round((double)Math.Max(photo.Width, photo.Height) / LocalEngine.WorkingSide));
            var working = photo.Downsample(factor); Lap("downsample");
            var subject = Segmentation.Find(working).Subject!; Lap("segment");
            if (run == 0) Console.WriteLine($"working {working.Width}x{working.Height}, subject {ShapeField.Measure(subject).Area} px");
            var (area, _) = ShapeField.Measure(subject);
            var field = ShapeField.Inflate(subject, CutoutMesher.EstimateSpacing(area, faces)); Lap("inflate");
            var mesh = CutoutMesher.Build(field, faces, 1f); Lap("mesh");
            var texture = TextureBaker.Bake(photo, factor, working.Width, working.Height, field, 2048); Lap("texture");
            GlbWriter.Write(mesh, texture, 1f); Lap("glb");
        }
        var result = LocalEngine.Convert(jpeg, new EngineOptions(faces));
        File.WriteAllBytes(Path.Combine(Path.GetTempPath(), $"bench-{faces}.glb"), result.Glb);
        File.WriteAllBytes(Path.Combine(Path.GetTempPath(), $"bench-{faces}.jpg"), jpeg);
        foreach (var (stage, list) in times)
        {
            list.Sort();
            Console.WriteLine($"{stage,-12} median {list[list.Count / 2],7:F1} ms   min {list[0],7:F1} ms   allocated {bytes[stage] / 40 / 1048576.0,6:F1} MiB");
        }
    }
}

/// <summary>Deterministic test photos: a fixture composited on a soft backdrop, upscaled and JPEG-encoded.</summary>
public static class Photos
{
    public static readonly (int W, int H) TwoMegapixels = (1632, 1224);
    public static readonly (int W, int H) TwelveMegapixels = (4000, 3000);

    public static byte[] Jpeg((int W, int H) size)
    {
        var fixture = Path.Combine(FixtureDirectory(), "rubber_duck.png");
        using var duck = SKImage.FromEncodedData(fixture);
        using var surface = SKSurface.Create(new SKImageInfo(size.W, size.H, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        using (var paint = new SKPaint())
        {
            paint.Shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(0, size.H),
                [new SKColor(246, 244, 240), new SKColor(200, 196, 190)], SKShaderTileMode.Clamp);
            canvas.DrawRect(0, 0, size.W, size.H, paint);
        }
        var scale = 0.7f * Math.Min((float)size.W / duck.Width, (float)size.H / duck.Height);
        var w = duck.Width * scale;
        var h = duck.Height * scale;
        canvas.DrawImage(duck, SKRect.Create((size.W - w) / 2, (size.H - h) / 2, w, h), new SKSamplingOptions(SKCubicResampler.Mitchell));
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Jpeg, 90);
        return data.ToArray();
    }

    public static string FixtureDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "Image2Model.Tests", "Fixtures");
            if (File.Exists(Path.Combine(candidate, "rubber_duck.png"))) return candidate;
        }
        throw new DirectoryNotFoundException("Image2Model.Tests/Fixtures not found");
    }
}

[MemoryDiagnoser]
[MedianColumn]
public class EngineBenchmarks
{
    private byte[] _twoMp = [];
    private byte[] _twelveMp = [];

    [GlobalSetup]
    public void Setup()
    {
        _twoMp = Photos.Jpeg(Photos.TwoMegapixels);
        _twelveMp = Photos.Jpeg(Photos.TwelveMegapixels);
    }

    [Benchmark(Description = "2 MP JPEG -> GLB @10k")]
    public int Convert2MP() => LocalEngine.Convert(_twoMp, new EngineOptions(FaceLimit: 10_000)).Triangles;

    [Benchmark(Description = "12 MP JPEG -> GLB @50k")]
    public int Convert12MP() => LocalEngine.Convert(_twelveMp, new EngineOptions(FaceLimit: 50_000)).Triangles;

    [Benchmark(Description = "2 MP JPEG decode alone")]
    public int Decode2MP() => Decode(_twoMp);

    [Benchmark(Description = "12 MP JPEG decode alone")]
    public int Decode12MP() => Decode(_twelveMp);

    /// <summary>The floor: a plain full-size decode, what any converter must at least pay.</summary>
    private static int Decode(byte[] jpeg)
    {
        using var bitmap = SKBitmap.Decode(jpeg);
        return bitmap.Width;
    }
}

internal static class CompositedSet
{
    public static void SaveMask(string path, byte[] mask, int w, int h)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(w, h, SKColorType.Gray8, SKAlphaType.Opaque));
        var bytes = mask.Select(v => v != 0 ? (byte)255 : (byte)0).ToArray();
        System.Runtime.InteropServices.Marshal.Copy(bytes, 0, bitmap.GetPixels(), bytes.Length);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
    }

    public static void Run(int count, string? saveTo)
    {
        var fixtures = Photos.FixtureDirectory();
        var scores = new (string Name, double IoU, string Reason, double Ms)[count];
        if (saveTo is not null) Directory.CreateDirectory(saveTo);
        for (var k = 0; k < count; k++)
        {
            var photo = Image2Model.Tests.Meshing.CompositedPhotos.Make(k, name => File.ReadAllBytes(Path.Combine(fixtures, name)));
            var image = ImageDecoding.Decode(photo.Photo, 4096);
            var watch = Stopwatch.StartNew();
            var found = Segmentation.Find(image);
            var ms = watch.Elapsed.TotalMilliseconds;
            double iou = 0;
            if (found.Subject is { } s)
            {
                int both = 0, either = 0;
                for (var i = 0; i < s.Mask.Length; i++)
                {
                    if (s.Mask[i] != 0 && photo.TrueMask[i] != 0) both++;
                    if (s.Mask[i] != 0 || photo.TrueMask[i] != 0) either++;
                }
                iou = either == 0 ? 1 : (double)both / either;
            }
            scores[k] = (photo.Name, iou, found.Reason, ms);
            Console.WriteLine($"{iou:F3} {ms,6:F0} ms  {photo.Name}  ({found.Reason})");
            if (saveTo is not null)
            {
                File.WriteAllBytes(Path.Combine(saveTo, photo.Name + ".jpg"), photo.Photo);
                using (var decoded = SKBitmap.Decode(photo.Photo)) File.WriteAllBytes(Path.Combine(saveTo, photo.Name + ".png"), decoded.Encode(SKEncodedImageFormat.Png, 100).ToArray());
                SaveMask(Path.Combine(saveTo, photo.Name + "-mask.png"), found.Subject?.Mask ?? found.Rejected ?? new byte[image.Width * image.Height], image.Width, image.Height);
            }
        }
        var sorted = scores.Select(s => s.IoU).Order().ToArray();
        double Quantile(double q) => sorted[(int)Math.Clamp(Math.Round(q * (sorted.Length - 1)), 0, sorted.Length - 1)];
        Console.WriteLine();
        Console.WriteLine($"{count} images: IoU >= 0.9 on {sorted.Count(v => v >= 0.9)} ({100.0 * sorted.Count(v => v >= 0.9) / count:F0} %), >= 0.95 on {sorted.Count(v => v >= 0.95)}");
        Console.WriteLine($"min {sorted[0]:F3}  p10 {Quantile(0.1):F3}  p25 {Quantile(0.25):F3}  median {Quantile(0.5):F3}  p75 {Quantile(0.75):F3}  max {sorted[^1]:F3}");
        Console.WriteLine($"segmentation time per image: median {scores.Select(s => s.Ms).Order().ElementAt(count / 2):F0} ms");
        foreach (var (name, _, reason, _) in scores.Where(s => s.IoU == 0)) Console.WriteLine($"rejected: {name}: {reason}");
        foreach (var (name, photo) in Image2Model.Tests.Meshing.CompositedPhotos.NoSubject())
        {
            var found = Segmentation.Find(ImageDecoding.Decode(photo, 4096));
            Console.WriteLine($"no subject: {name}: {(found.Subject is null ? "relief" : "CUT-OUT")} ({found.Reason})");
            if (saveTo is not null)
            {
                using var decoded = SKBitmap.Decode(photo);
                File.WriteAllBytes(Path.Combine(saveTo, name + ".png"), decoded.Encode(SKEncodedImageFormat.Png, 100).ToArray());
                SaveMask(Path.Combine(saveTo, name + "-mask.png"), found.Subject?.Mask ?? found.Rejected ?? new byte[decoded.Width * decoded.Height], decoded.Width, decoded.Height);
            }
        }
    }
}
