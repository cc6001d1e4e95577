using System.Diagnostics;
using System.Text.Json;

namespace Image2Model.Tests.Meshing;

/// <summary>
/// The Khronos glTF Validator (npm package gltf-validator) run under Node. The package is installed
/// into Meshing/gltf-validator on first use from its committed package-lock.json.
/// </summary>
internal static class GltfValidator
{
    private static readonly Lazy<string> Folder = new(Install);

    public sealed record Report(string File, int Errors, int Warnings, string[] Messages);

    public static IReadOnlyList<Report> Validate(IReadOnlyDictionary<string, byte[]> glbs)
    {
        var folder = Folder.Value;
        var dir = Directory.CreateTempSubdirectory("image2model-validate-");
        try
        {
            var files = new List<string>();
            foreach (var (name, bytes) in glbs)
            {
                var path = Path.Combine(dir.FullName, name + ".glb");
                File.WriteAllBytes(path, bytes);
                files.Add(path);
            }
            var output = Run("node", folder, ["validate.mjs", .. files]);
            return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => JsonSerializer.Deserialize<Report>(line, new JsonSerializerOptions(JsonSerializerDefaults.Web))!)
                .Select(r => r with { File = Path.GetFileNameWithoutExtension(r.File) })];
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static string Install()
    {
        var folder = FindSourceFolder();
        if (!File.Exists(Path.Combine(folder, "node_modules", "gltf-validator", "package.json")))
        {
            Run("npm", folder, ["ci", "--no-audit", "--no-fund"]);
        }
        return folder;
    }

    private static string FindSourceFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "Image2Model.Tests", "Meshing", "gltf-validator");
            if (File.Exists(Path.Combine(candidate, "validate.mjs"))) return candidate;
        }
        throw new DirectoryNotFoundException("Image2Model.Tests/Meshing/gltf-validator not found above " + AppContext.BaseDirectory);
    }

    private static string Run(string program, string workingDirectory, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{program} failed ({process.ExitCode}): {stderr.Result}");
        return stdout;
    }
}
