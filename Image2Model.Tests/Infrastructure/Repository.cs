namespace Image2Model.Tests.Infrastructure;

public static class Repository
{
    /// <summary>The clone's top folder (the one with Image2Model.sln), for scripts and sources the tests use.</summary>
    public static string Root()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Image2Model.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Image2Model.sln not found above the test assembly.");
    }
}
