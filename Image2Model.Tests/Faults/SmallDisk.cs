using System.Diagnostics;

namespace Image2Model.Tests.Faults;

/// <summary>
/// A real, small file system (a tmpfs mounted by scripts/small-disk.sh) to put the data directory
/// on: it can be filled to the last byte, made read-only and writable again, like a real disk.
/// </summary>
public sealed class SmallDisk : IDisposable
{
    private readonly List<string> _fillers = [];

    private SmallDisk(string path) => Path = path;

    public string Path { get; }

    public static SmallDisk Mount(string size)
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"image2model-small-disk-{Guid.NewGuid():N}");
        Run("mount", path, size);
        return new SmallDisk(path);
    }

    /// <summary>Writes filler files until the file system refuses another byte.</summary>
    public void Fill()
    {
        var filler = System.IO.Path.Combine(Path, $"filler-{_fillers.Count}");
        _fillers.Add(filler);
        using var file = new FileStream(filler, FileMode.CreateNew);
        var chunk = new byte[4096];
        try
        {
            while (true)
            {
                file.Write(chunk);
                file.Flush();
            }
        }
        catch (IOException)
        {
            // Full: what remains is less than one chunk.
        }
    }

    /// <summary>Space returns: the fillers are deleted.</summary>
    public void Free()
    {
        foreach (var filler in _fillers)
        {
            File.Delete(filler);
        }

        _fillers.Clear();
    }

    public void MakeReadOnly() => Run("read-only", Path);

    public void MakeWritable() => Run("writable", Path);

    /// <summary>Files a write left behind: temp files of unfinished writes.</summary>
    public IReadOnlyList<string> TempFiles() =>
        Directory.EnumerateFiles(Path, "*.tmp", SearchOption.AllDirectories).ToList();

    private static void Run(params string[] arguments)
    {
        var script = System.IO.Path.Combine(Infrastructure.Repository.Root(), "scripts", "small-disk.sh");
        using var process = Process.Start(new ProcessStartInfo("bash", [script, .. arguments]) { RedirectStandardError = true })!;
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"scripts/small-disk.sh {string.Join(' ', arguments)} failed (it needs root or password-less sudo to mount a tmpfs): {errors}");
    }

    public void Dispose()
    {
        try
        {
            Run("writable", Path);
            Run("unmount", Path);
        }
        catch (Xunit.Sdk.XunitException)
        {
            // Still busy (a site not yet stopped): the OS drops the tmpfs at reboot.
        }
    }
}
