namespace Image2Model.Bench;

/// <summary>The clone's top folder (the one with Image2Model.sln), for the scripts and photos the benchmarks use.</summary>
public static class BenchRepository
{
    public static string Root()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Image2Model.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? Directory.GetCurrentDirectory();
    }
}
