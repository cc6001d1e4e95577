using System.Diagnostics;
using System.Globalization;
using Image2Model.Site.Meshing;
using SkiaSharp;

namespace Image2Model.Site.Cli;

/// <summary>
/// <c>convert &lt;input&gt; &lt;output.glb&gt; [--faces N] [--texture-size N] [--mask FILE.png]</c>: runs the
/// local engine on one file, for scripting, benchmarks and debugging a bad cut-out (the mask shows
/// what the engine took for the object). Exit code 0 on success, 2 on bad usage or bad input.
/// </summary>
public static class ConvertCommand
{
    public const string Usage = "usage: convert <input> <output.glb> [--faces N] [--texture-size N] [--mask FILE.png]";

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var positional = new List<string>();
        int? faces = null;
        var textureSize = 2048;
        string? maskPath = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--faces" or "--texture-size":
                    if (i + 1 >= args.Length || !int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value <= 0)
                    {
                        return Fail(stderr, $"{args[i]} needs a positive whole number.");
                    }
                    if (args[i] == "--faces")
                    {
                        if (value is < LocalEngine.MinFaces or > LocalEngine.MaxFaces) return Fail(stderr, $"--faces must be between {LocalEngine.MinFaces} and {LocalEngine.MaxFaces}.");
                        faces = value;
                    }
                    else
                    {
                        if (value is < 16 or > 8192) return Fail(stderr, "--texture-size must be between 16 and 8192.");
                        textureSize = value;
                    }
                    i++;
                    break;
                case "--mask":
                    if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal)) return Fail(stderr, "--mask needs a file name for the PNG.");
                    maskPath = args[++i];
                    break;
                case var option when option.StartsWith("--", StringComparison.Ordinal):
                    return Fail(stderr, $"unknown option {option}.");
                default:
                    positional.Add(args[i]);
                    break;
            }
        }
        if (positional.Count != 2) return Fail(stderr, "expected an input image and an output .glb path.");
        var (input, output) = (positional[0], positional[1]);
        if (!File.Exists(input)) return Fail(stderr, $"input file not found: {input}");

        try
        {
            var watch = Stopwatch.StartNew();
            var result = LocalEngine.Convert(File.ReadAllBytes(input), new EngineOptions(faces, textureSize));
            var directory = Path.GetDirectoryName(Path.GetFullPath(output));
            if (directory is not null) Directory.CreateDirectory(directory);
            File.WriteAllBytes(output, result.Glb);
            stdout.WriteLine($"{output}: {result.Mode}{(result.Profile is { } profile ? $" ({profile})" : "")}, {result.Triangles} triangles, {result.Glb.Length / 1024.0:F0} KiB, {watch.ElapsedMilliseconds} ms");
            stdout.WriteLine($"why: {result.Reason}");
            if (maskPath is not null)
            {
                WriteMask(input, result.Mask, maskPath);
                stdout.WriteLine($"mask: {maskPath}");
            }
            return 0;
        }
        catch (ImageDecodeException e)
        {
            stderr.WriteLine($"convert: {input}: {e.Message}");
            return 2;
        }
        catch (IOException e)
        {
            stderr.WriteLine($"convert: {e.Message}");
            return 2;
        }
        catch (UnauthorizedAccessException e)
        {
            stderr.WriteLine($"convert: {e.Message}");
            return 2;
        }
    }

    /// <summary>White object on black at the input's own (upright) size; all black for a relief.</summary>
    private static void WriteMask(string input, CutoutMask? mask, string path)
    {
        using var codec = SKCodec.Create(input) ?? throw new IOException($"cannot read {input} again for the mask");
        var (w, h) = (codec.Info.Width, codec.Info.Height);
        // Orientations 5-8 turn the picture a quarter: the upright photo's sides are swapped.
        if (codec.EncodedOrigin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom) (w, h) = (h, w);
        using var bitmap = new SKBitmap(new SKImageInfo(w, h, SKColorType.Gray8, SKAlphaType.Opaque));
        var pixels = new byte[w * h];
        if (mask is not null)
        {
            for (var y = 0; y < h; y++)
            {
                for (var x = 0; x < w; x++) pixels[y * w + x] = mask.IsObject((x + 0.5) / w, (y + 0.5) / h) ? (byte)255 : (byte)0;
            }
        }
        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        using var file = File.Create(path);
        data.SaveTo(file);
    }

    private static int Fail(TextWriter stderr, string message)
    {
        stderr.WriteLine($"convert: {message}");
        stderr.WriteLine(Usage);
        return 2;
    }
}
