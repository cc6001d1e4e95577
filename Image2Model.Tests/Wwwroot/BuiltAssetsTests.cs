using System.Diagnostics;

namespace Image2Model.Tests.Wwwroot;

/// <summary>
/// Image2Model.Site/wwwroot is committed build output. This rebuilds it from wwwroot-src (npm ci
/// from the lock file, then build.mjs into a temp folder) and fails when the two differ, so a hand
/// edit of a vendored file, or a source change without a rebuild, cannot slip in.
/// </summary>
public sealed class BuiltAssetsTests
{
    [Fact]
    public async Task Committed_wwwroot_is_exactly_what_wwwroot_src_builds()
    {
        var root = Infrastructure.Repository.Root();
        var source = Path.Combine(root, "wwwroot-src");
        var work = Directory.CreateTempSubdirectory("image2model-wwwroot-").FullName;
        try
        {
            var copy = Path.Combine(work, "wwwroot-src");
            CopyTree(source, copy);
            await RunAsync("npm", "ci --no-audit --no-fund --ignore-scripts", copy);
            var built = Path.Combine(work, "wwwroot");
            await RunAsync("node", $"build.mjs --out \"{built}\"", copy);

            var committed = Path.Combine(root, "Image2Model.Site", "wwwroot");
            var expected = Files(built);
            var actual = Files(committed);
            Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
            var differing = expected.Keys.Where(k => !File.ReadAllBytes(expected[k]).AsSpan().SequenceEqual(File.ReadAllBytes(actual[k]))).ToList();
            Assert.True(differing.Count == 0, $"Rebuild wwwroot (cd wwwroot-src && npm ci && npm run build): these differ: {string.Join(", ", differing)}");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static Dictionary<string, string> Files(string directory) =>
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(directory, f).Replace('\\', '/'));

    private static void CopyTree(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(from, file);
            if (relative.Split(Path.DirectorySeparatorChar).Contains("node_modules"))
            {
                continue;
            }

            var target = Path.Combine(to, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private static async Task RunAsync(string program, string arguments, string directory)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"{program} {arguments} failed ({process.ExitCode}): {await output}{await errors}");
    }
}
