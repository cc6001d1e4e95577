using System.Diagnostics;
using System.Globalization;
using Image2Model.Site.Meshing;

namespace Image2Model.Site.Cli;

/// <summary>
/// <c>convert &lt;input&gt; &lt;output.glb&gt; [--faces N] [--texture-size N]</c>: runs the local engine on
/// one file, for scripting and benchmarks. Exit code 0 on success, 2 on bad usage or bad input.
/// </summary>
public static class ConvertCommand
{
    public const string Usage = "usage: convert <input> <output.glb> [--faces N] [--texture-size N]";

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var positional = new List<string>();
        int? faces = null;
        var textureSize = 2048;
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
            stdout.WriteLine($"{output}: {result.Mode}, {result.Triangles} triangles, {result.Glb.Length / 1024.0:F0} KiB, {watch.ElapsedMilliseconds} ms");
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

    private static int Fail(TextWriter stderr, string message)
    {
        stderr.WriteLine($"convert: {message}");
        stderr.WriteLine(Usage);
        return 2;
    }
}
