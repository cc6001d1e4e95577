using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using Image2Model.Site.Downloads;
using Image2Model.Site.Meshing;
using Image2Model.Site.Previews;
using Image2Model.Site.Storage;
using SkiaSharp;

namespace Image2Model.Bench.Results;

public static class Program
{
    public static int Main(string[] args)
    {
        // "previews [runs] [dir]": what a preview adds to a local conversion, per fixture and for the
        // 2 MP benchmark photo. Each run converts the photo and then renders its GLB, as the
        // conversion runner does, so both see the same load on a shared machine; the PNGs go to dir.
        if (args is ["previews", ..])
        {
            var runs = args.Length > 1 && int.TryParse(args[1], out var n) ? n : 21;
            var output = args.Length > 2 ? args[2] : Path.Combine(Path.GetTempPath(), "image2model-previews");
            Directory.CreateDirectory(output);
            var inputs = Directory.GetFiles(Inputs.FixtureDirectory(), "*.png").Order()
                .Select(file => (Name: Path.GetFileName(file), Photo: File.ReadAllBytes(file), Options: new EngineOptions(null)))
                .Append(("2 MP JPEG @10k", Inputs.TwoMegapixelJpeg(), new EngineOptions(FaceLimit: 10_000)))
                .ToList();
            Console.WriteLine($"{runs} runs each, medians in ms; ratio = preview / convert (medians, fastest runs, CPU time of all runs).");
            Console.WriteLine("Preview stages: parse / geometry / texture decode beside framing (texture alone) / two bands drawn and compressed side by side [draw + encode, thread time]");
            Console.WriteLine($"{"input",-16} {"triangles",9} {"convert",8} {"preview",8} {"ratio",6} {"min ratio",9} {"CPU",6}  stages");
            var (ratios, cpuRatios) = (new List<double>(), new List<double>());
            using var self = Process.GetCurrentProcess();
            foreach (var (name, photo, options) in inputs)
            {
                // One untimed run, so neither side pays for the JIT.
                PreviewRasterizer.RenderPng(LocalEngine.Convert(photo, options).Glb);
                var convert = new List<double>();
                var render = new List<double>();
                var (convertCpu, renderCpu) = (new List<double>(), new List<double>());
                var stages = new List<PreviewStageTimes>();
                EngineResult? model = null;
                byte[] png = [];
                for (var run = 0; run < runs; run++)
                {
                    var cpu = self.TotalProcessorTime;
                    var watch = Stopwatch.StartNew();
                    model = LocalEngine.Convert(photo, options);
                    convert.Add(watch.Elapsed.TotalMilliseconds);
                    convertCpu.Add((self.TotalProcessorTime - cpu).TotalMilliseconds);
                    cpu = self.TotalProcessorTime;
                    watch.Restart();
                    var stage = new PreviewStageTimes();
                    png = PreviewRasterizer.RenderPng(model.Glb, times: stage);
                    render.Add(watch.Elapsed.TotalMilliseconds);
                    renderCpu.Add((self.TotalProcessorTime - cpu).TotalMilliseconds);
                    stages.Add(stage);
                }

                var ratio = Median(render) / Median(convert);
                ratios.Add(ratio);
                cpuRatios.Add(renderCpu.Sum() / convertCpu.Sum());
                File.WriteAllBytes(Path.Combine(output, Path.GetFileNameWithoutExtension(name).Replace(' ', '-') + ".png"), png);
                Console.WriteLine($"{name,-16} {model!.Triangles,9} {Median(convert),8:F1} {Median(render),8:F2} {ratio,6:P0} {render.Min() / convert.Min(),9:P0} {cpuRatios[^1],6:P0}  " +
                                  $"{Median(stages, t => t.Parse):F2} / {Median(stages, t => t.Geometry):F2} / {Median(stages, t => t.Prepare):F2} ({Median(stages, t => t.Texture):F2}) / " +
                                  $"{Median(stages, t => t.Bands):F2} [{Median(stages, t => t.Draw):F2} + {Median(stages, t => t.Encode):F2}]  {png.Length / 1024} KiB");
            }

            Console.WriteLine($"largest ratio of medians {ratios.Max():P0}, of CPU time {cpuRatios.Max():P0} (goal: at most 20 %); PNGs in {output}");
            return 0;
        }

        // "preview-stages [fixture] [runs]": one model rendered again and again; the fastest run of
        // each stage, which is what a stage costs when nothing else gets in its way.
        if (args is ["preview-stages", ..])
        {
            var fixture = args.Length > 1 ? args[1] : "rubber_duck.png";
            var runs = args.Length > 2 && int.TryParse(args[2], out var n) ? n : 200;
            var glb = LocalEngine.Convert(File.ReadAllBytes(Path.Combine(Inputs.FixtureDirectory(), fixture)), new EngineOptions(null)).Glb;
            var stages = new List<PreviewStageTimes>();
            var (total, cpu) = (new List<double>(), new List<double>());
            using var self = Process.GetCurrentProcess();
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            var collections = GC.CollectionCount(0);
            for (var run = 0; run < runs; run++)
            {
                var stage = new PreviewStageTimes();
                var cpuBefore = self.TotalProcessorTime;
                var watch = Stopwatch.StartNew();
                PreviewRasterizer.RenderPng(glb, times: stage);
                total.Add(watch.Elapsed.TotalMilliseconds);
                cpu.Add((self.TotalProcessorTime - cpuBefore).TotalMilliseconds);
                stages.Add(stage);
            }

            allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
            Console.WriteLine($"{fixture}, {allocated / runs / 1024} KiB allocated per render, {GC.CollectionCount(0) - collections} collections in all");
            Console.WriteLine($"{fixture}, fastest of {runs} (ms): total {total.Min():F2} (CPU time median {Median(cpu):F2}), parse {stages.Min(t => t.Parse):F2}, geometry {stages.Min(t => t.Geometry):F2}, " +
                              $"texture beside framing {stages.Min(t => t.Prepare):F2} (texture {stages.Min(t => t.Texture):F2}), bands {stages.Min(t => t.Bands):F2} [draw {stages.Min(t => t.Draw):F2} + encode {stages.Min(t => t.Encode):F2}, thread time]");
            return 0;
        }

        // "zip [format]": a 25-model batch (the 2 MP duck at 20k faces, each GLB made distinct) as one
        // streamed ZIP into a stream that only counts; time, managed allocation and peak working set.
        if (args is ["zip", ..])
        {
            var format = ModelFormats.Parse(args.Length > 1 ? args[1] : "glb");
            var root = Directory.CreateTempSubdirectory("i2m-zip-bench-").FullName;
            try
            {
                var blobs = new BlobStore(root);
                var glb = LocalEngine.Convert(Inputs.TwoMegapixelJpeg(), new EngineOptions(FaceLimit: 20_000)).Glb;
                var models = new List<ZipModel>();
                for (var i = 0; i < 25; i++)
                {
                    models.Add(new ZipModel($"photo {i}.jpg", blobs.PutAsync(glb.Concat(BitConverter.GetBytes(i)).ToArray()).GetAwaiter().GetResult()));
                }

                // One warm-up run (JIT), then the measured ones.
                ModelZip.WriteAsync(new CountingStream(), models, format, blobs, CancellationToken.None).GetAwaiter().GetResult();
                using var self = Process.GetCurrentProcess();
                self.Refresh();
                var before = self.WorkingSet64;
                var times = new List<double>();
                long allocated = 0, size = 0;
                for (var run = 0; run < 5; run++)
                {
                    var output = new CountingStream();
                    var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
                    var watch = Stopwatch.StartNew();
                    ModelZip.WriteAsync(output, models, format, blobs, CancellationToken.None).GetAwaiter().GetResult();
                    times.Add(watch.Elapsed.TotalMilliseconds);
                    allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
                    size = output.Length;
                }

                times.Sort();
                self.Refresh();
                Console.WriteLine($"25 models as {format.Value().ToUpperInvariant()} ZIP: {size / 1048576.0:F1} MiB in {times[2]:F0} ms (median of 5; min {times[0]:F0}), " +
                                  $"managed allocated per ZIP {allocated / 1048576.0:F1} MiB, working set {before / 1048576.0:F0} MiB before, peak {self.PeakWorkingSet64 / 1048576.0:F0} MiB");
            }
            finally
            {
                Directory.Delete(root, recursive: true);
            }

            return 0;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }

    private static double Median(List<PreviewStageTimes> runs, Func<PreviewStageTimes, double> stage) => Median(runs.Select(stage).ToList());

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}

public static class Inputs
{
    /// <summary>The same 2 MP input as bench/Image2Model.Bench: the rubber duck on a soft gradient, JPEG 90.</summary>
    public static byte[] TwoMegapixelJpeg()
    {
        var (w, h) = (1632, 1224);
        using var duck = SKImage.FromEncodedData(Path.Combine(FixtureDirectory(), "rubber_duck.png"));
        using var surface = SKSurface.Create(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        using (var paint = new SKPaint())
        {
            paint.Shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(0, h),
                [new SKColor(246, 244, 240), new SKColor(200, 196, 190)], SKShaderTileMode.Clamp);
            canvas.DrawRect(0, 0, w, h, paint);
        }

        var scale = 0.7f * Math.Min((float)w / duck.Width, (float)h / duck.Height);
        var (dw, dh) = (duck.Width * scale, duck.Height * scale);
        canvas.DrawImage(duck, SKRect.Create((w - dw) / 2, (h - dh) / 2, dw, dh), new SKSamplingOptions(SKCubicResampler.Mitchell));
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Jpeg, 90);
        return data.ToArray();
    }

    public static string FixtureDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "Image2Model.Tests", "Fixtures");
            if (File.Exists(Path.Combine(candidate, "rubber_duck.png")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("Image2Model.Tests/Fixtures not found");
    }
}

/// <summary>What a preview adds to a local conversion: the conversion alone, the render alone, both.</summary>
[MemoryDiagnoser]
[MedianColumn]
public class PreviewBenchmarks
{
    private byte[] _photo = [];
    private byte[] _glb = [];

    [GlobalSetup]
    public void Setup()
    {
        _photo = Inputs.TwoMegapixelJpeg();
        _glb = LocalEngine.Convert(_photo, new EngineOptions(FaceLimit: 10_000)).Glb;
    }

    [Benchmark(Baseline = true, Description = "2 MP JPEG -> GLB @10k")]
    public int Convert() => LocalEngine.Convert(_photo, new EngineOptions(FaceLimit: 10_000)).Triangles;

    [Benchmark(Description = "2 MP JPEG -> GLB @10k + preview")]
    public int ConvertAndRender() => PreviewRasterizer.RenderPng(LocalEngine.Convert(_photo, new EngineOptions(FaceLimit: 10_000)).Glb).Length;

    [Benchmark(Description = "Preview alone (10k triangles, 512 px)")]
    public int Render() => PreviewRasterizer.RenderPng(_glb).Length;
}

/// <summary>A write-only, non-seekable stream like a response body, that only counts what it gets.</summary>
internal sealed class CountingStream : Stream
{
    private long _length;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => _length;

    public override long Position { get => _length; set => throw new NotSupportedException(); }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => _length += count;

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _length += buffer.Length;
        return ValueTask.CompletedTask;
    }
}
