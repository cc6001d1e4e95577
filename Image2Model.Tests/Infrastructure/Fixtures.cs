namespace Image2Model.Tests.Infrastructure;

/// <summary>The real test images in Image2Model.Tests/Fixtures, copied beside the test assembly.</summary>
public static class Fixtures
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "fixtures");

    public static string PathOf(string name) => Path.Combine(Directory, name);

    public static byte[] Read(string name) => System.IO.File.ReadAllBytes(PathOf(name));

    public static FileField File(string name) =>
        new(name, Read(name), name.EndsWith(".png", StringComparison.OrdinalIgnoreCase) ? "image/png" : "image/jpeg");
}
