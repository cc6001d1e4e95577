using Image2Model.Site.Cli;
using Image2Model.Site.Meshing;

using Image2Model.Tests.Infrastructure;
using Image2Model.Tests.Meshing;

namespace Image2Model.Tests.Cli;

public sealed class ConvertCommandTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("image2model-convert-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void Script_converts_one_photo_to_a_glb_with_the_asked_face_count()
    {
        var output = Path.Combine(_dir.FullName, "duck.glb");
        var (stdout, stderr) = (new StringWriter(), new StringWriter());

        var code = ConvertCommand.Run([Fixtures.PathOf("rubber_duck.png"), output, "--faces", "5000", "--texture-size", "512"], stdout, stderr);

        Assert.Equal(0, code);
        Assert.Contains("cut-out", stdout.ToString());
        var mesh = MeshFacts.Read(File.ReadAllBytes(output));
        Assert.InRange(mesh.Triangles, 4_500, 5_000);
        mesh.AssertWatertightSolid();
    }

    [Fact]
    public void Debugging_user_gets_the_cut_out_mask_at_the_photo_size_and_the_reason()
    {
        var photo = CompositedPhotos.Make(0, Fixtures.Read);
        var input = Path.Combine(_dir.FullName, "photo.jpg");
        File.WriteAllBytes(input, photo.Photo);
        var mask = Path.Combine(_dir.FullName, "mask.png");
        var (stdout, stderr) = (new StringWriter(), new StringWriter());

        var code = ConvertCommand.Run([input, Path.Combine(_dir.FullName, "out.glb"), "--faces", "2000", "--mask", mask], stdout, stderr);

        Assert.Equal(0, code);
        Assert.Contains("why: cut-out", stdout.ToString());
        using var written = SkiaSharp.SKBitmap.Decode(mask);
        Assert.Equal((photo.Width, photo.Height), (written.Width, written.Height));
        var bits = new byte[photo.Width * photo.Height];
        for (var i = 0; i < bits.Length; i++) bits[i] = written.GetPixel(i % photo.Width, i / photo.Width).Red > 127 ? (byte)1 : (byte)0;
        Assert.True(TestImages.IoU(bits, photo.TrueMask) >= 0.9);
    }

    [Fact]
    public void Relief_writes_an_empty_mask_and_prints_why_there_was_no_cut_out()
    {
        var (name, bytes) = CompositedPhotos.NoSubject().First();
        var input = Path.Combine(_dir.FullName, name + ".jpg");
        File.WriteAllBytes(input, bytes);
        var mask = Path.Combine(_dir.FullName, "mask.png");
        var (stdout, stderr) = (new StringWriter(), new StringWriter());

        var code = ConvertCommand.Run([input, Path.Combine(_dir.FullName, "out.glb"), "--faces", "1000", "--mask", mask], stdout, stderr);

        Assert.Equal(0, code);
        Assert.Contains("relief", stdout.ToString());
        Assert.Contains("why: no ", stdout.ToString());
        using var written = SkiaSharp.SKBitmap.Decode(mask);
        Assert.Equal((480, 360), (written.Width, written.Height));
        Assert.All(written.Pixels, p => Assert.Equal(0, p.Red));
    }

    [Fact]
    public void Corrupt_input_exits_with_2_and_says_why()
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());

        var code = ConvertCommand.Run([Fixtures.PathOf("truncated.jpg"), Path.Combine(_dir.FullName, "x.glb")], stdout, stderr);

        Assert.Equal(2, code);
        Assert.Contains("incomplete", stderr.ToString());
        Assert.False(File.Exists(Path.Combine(_dir.FullName, "x.glb")));
    }

    public static TheoryData<string> BadUsages() =>
    [
        "",
        "only-one-argument.png",
        "missing.png out.glb",
        "a.png b.glb --faces",
        "a.png b.glb --faces ten",
        "a.png b.glb --colour red",
    ];

    [Theory]
    [MemberData(nameof(BadUsages))]
    public void Bad_usage_exits_with_2_and_a_clear_message(string commandLine)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());

        Assert.Equal(2, ConvertCommand.Run(commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries), stdout, stderr));
        Assert.StartsWith("convert: ", stderr.ToString());
    }

    [Fact]
    public void Face_limit_outside_the_engine_range_is_refused()
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());

        var code = ConvertCommand.Run([Fixtures.PathOf("apple.png"), "out.glb", "--faces", (LocalEngine.MaxFaces + 1).ToString()], stdout, stderr);

        Assert.Equal(2, code);
        Assert.Contains("--faces", stderr.ToString());
    }
}
