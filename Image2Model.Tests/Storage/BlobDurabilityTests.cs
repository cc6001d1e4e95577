using System.Diagnostics;
using System.Text.RegularExpressions;
using Image2Model.Site.Storage;

namespace Image2Model.Tests.Storage;

/// <summary>
/// A rename is only durable once its directory is flushed too. This watches the test process's own
/// system calls with strace (Debian's, installed by scripts/install-strace.sh) while a blob is stored.
/// </summary>
[Collection(Generators.MemoryMeasuringCollection.Name)]
public sealed class BlobDurabilityTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("image2model-durable-").FullName;

    [Fact]
    public async Task Storing_a_blob_flushes_the_file_and_then_the_directory_it_was_renamed_into()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        await RunAsync("bash", Path.Combine(Infrastructure.Repository.Root(), "scripts", "install-strace.sh"));
        var store = new BlobStore(_root);
        var log = Path.Combine(_root, "strace.log");
        var marker = Path.Combine(_root, "attached");
        File.WriteAllText(marker, "");
        using var strace = Process.Start(new ProcessStartInfo("strace", $"-f -e trace=openat,fsync -o \"{log}\" -p {Environment.ProcessId}") { RedirectStandardError = true })!;
        try
        {
            // Attached once strace has seen this process open the marker.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!(File.Exists(log) && ReadShared(log).Contains(marker)))
            {
                Assert.True(DateTime.UtcNow < deadline, "strace did not attach");
                using (File.OpenRead(marker))
                {
                }

                await Task.Delay(50);
            }

            var key = await store.PutAsync("a model worth keeping"u8.ToArray());
            var directory = Path.GetDirectoryName(store.Info(key).FullName)!;
            await Task.Delay(200);
            var trace = ReadShared(log);

            var opened = Regex.Matches(trace, $@"openat\([^,]+, ""{Regex.Escape(directory)}"", [^)]*O_DIRECTORY[^)]*\) = (\d+)");
            Assert.True(opened.Count > 0, $"The blob's directory was never opened for flushing:\n{trace}");
            var fd = opened[^1].Groups[1].Value;
            Assert.Matches($@"fsync\({fd}\)\s+= 0", trace[opened[^1].Index..]);
        }
        finally
        {
            // SIGINT lets strace detach cleanly; the kernel detaches anyway if it has to be killed.
            await RunAsync("kill", $"-INT {strace.Id}");
            if (!strace.WaitForExit(10_000))
            {
                strace.Kill();
            }
        }
    }

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return new StreamReader(stream).ReadToEnd();
    }

    private static async Task RunAsync(string program, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardError = true })!;
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{program} {arguments}: {errors}");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
