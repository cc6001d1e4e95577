using System.IO.Compression;
using System.Net;
using System.Xml.Linq;
using Image2Model.Site.Downloads;
using Image2Model.Site.Meshing;
using Image2Model.Site.Storage;
using Image2Model.Tests.Infrastructure;
using SharpGLTF.Schema2;

namespace Image2Model.Tests.Downloads;

public sealed class ZipAnd3mfTests(SiteFactory factory) : IClassFixture<SiteFactory>
{
    private static readonly XNamespace Core = "http://schemas.microsoft.com/3dmanufacturing/core/2015/02";

    [Fact]
    public void A_3mf_parses_back_to_the_same_mesh_in_millimetres_with_its_colours()
    {
        var glb = LocalEngine.Convert(Fixtures.Read("rubber_duck.png"), new EngineOptions(5_000)).Glb;
        var source = ModelRoot.ParseGLB(glb);
        var sourceTriangles = source.LogicalMeshes.SelectMany(m => m.Primitives).Sum(p => p.GetTriangleIndices().Count());

        using var package = new ZipArchive(new MemoryStream(ThreeMfExport.To3mf(glb)));

        Assert.NotNull(package.GetEntry("[Content_Types].xml"));
        Assert.Contains("3D/3dmodel.model", XDocument.Load(package.GetEntry("_rels/.rels")!.Open()).ToString());
        var model = XDocument.Load(package.GetEntry("3D/3dmodel.model")!.Open()).Root!;
        Assert.Equal("millimeter", model.Attribute("unit")?.Value);
        var vertices = model.Descendants(Core + "vertex").Select(v => (X: F(v, "x"), Y: F(v, "y"), Z: F(v, "z"))).ToList();
        var triangles = model.Descendants(Core + "triangle").ToList();
        Assert.Equal(sourceTriangles, triangles.Count);
        Assert.All(triangles, t => Assert.InRange(int.Parse(t.Attribute("v3")!.Value), 0, vertices.Count - 1));
        // The engine's model is 1 m tall (Y up): 1000 mm along Z, standing on the bed.
        Assert.InRange(vertices.Max(v => v.Z) - vertices.Min(v => v.Z), 990, 1010);
        Assert.InRange(vertices.Min(v => v.Z), -0.01, 0.01);
        // Watertight GLB, shared vertices: every edge belongs to exactly two triangles.
        var edges = triangles.SelectMany(t =>
        {
            var (a, b, c) = (int.Parse(t.Attribute("v1")!.Value), int.Parse(t.Attribute("v2")!.Value), int.Parse(t.Attribute("v3")!.Value));
            return new[] { (Math.Min(a, b), Math.Max(a, b)), (Math.Min(b, c), Math.Max(b, c)), (Math.Min(a, c), Math.Max(a, c)) };
        }).GroupBy(e => e).ToList();
        Assert.All(edges, e => Assert.Equal(2, e.Count()));
        // The duck's yellow survives as base materials the triangles point at.
        var colours = model.Descendants(Core + "base").Select(b => b.Attribute("displaycolor")!.Value).ToList();
        Assert.True(colours.Count > 3);
        Assert.Contains(colours, c => c.StartsWith("#FF") || c.StartsWith("#CC"));
    }

    [Theory]
    [InlineData("glb", ".glb")]
    [InlineData("stl", ".stl")]
    [InlineData("3mf", ".3mf")]
    [InlineData("obj", "/model.obj")]
    public async Task Download_all_gives_one_zip_with_every_model_of_the_batch_in_the_chosen_format(string format, string suffix)
    {
        var owner = await UserStories.SignedInUserAsync(factory);
        var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(owner, [Fixtures.File("apple.png"), Fixtures.File("rubber_duck.png")]));
        await Waiting.ForBatchAsync(factory, batchId);
        var page = await owner.GetPageAsync($"/batches/{batchId}");
        var form = page.QuerySelector<AngleSharp.Html.Dom.IHtmlFormElement>("form.download-all");
        Assert.NotNull(form);

        var response = await owner.Http.GetAsync($"/batches/{batchId}/models.zip?format={format}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        using var zip = new ZipArchive(await response.Content.ReadAsStreamAsync());
        var names = zip.Entries.Select(e => e.FullName).ToList();
        Assert.Contains("apple" + suffix, names);
        Assert.Contains("rubber_duck" + suffix, names);
        var stranger = await UserStories.SignedInUserAsync(factory);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.Http.GetAsync($"/batches/{batchId}/models.zip")).StatusCode);
    }

    [Fact]
    public async Task A_25_model_zip_is_streamed_without_holding_the_archive_in_memory()
    {
        using var temp = new TempDirectory();
        var blobs = new BlobStore(temp.Path);
        var glb = LocalEngine.Convert(Fixtures.Read("rubber_duck.png"), new EngineOptions(20_000)).Glb;
        var models = new List<ZipModel>();
        for (var i = 0; i < 25; i++)
        {
            // Distinct bytes per model (content addressing would otherwise store one file).
            var copy = glb.Concat(BitConverter.GetBytes(i)).ToArray();
            models.Add(new ZipModel($"photo {i}.jpg", await blobs.PutAsync(copy)));
        }

        var output = new CountingStream();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        await ModelZip.WriteAsync(output, models, ModelFormat.Glb, blobs, CancellationToken.None);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.True(output.Length > 25L * glb.Length, "Every model is in the archive.");
        // Far less than the archive itself: the models were copied through, not collected.
        Assert.True(allocated < output.Length / 4, $"Allocated {allocated / 1048576.0:F1} MiB for a {output.Length / 1048576.0:F1} MiB archive");
        Assert.True(output.Flushes >= 25, "Each model is flushed to the client before the next one starts.");
    }

    private static double F(XElement e, string name) => double.Parse(e.Attribute(name)!.Value, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A write-only, non-seekable stream like a response body that only counts.</summary>
    private sealed class CountingStream : Stream
    {
        private long _length;

        public int Flushes { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position { get => _length; set => throw new NotSupportedException(); }

        public override void Flush() => Flushes++;

        public override Task FlushAsync(CancellationToken cancellationToken)
        {
            Flushes++;
            return Task.CompletedTask;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new InvalidOperationException("Synchronous writes are not allowed on a response body.");

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _length += buffer.Length;
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            _length += count;
            return Task.CompletedTask;
        }
    }

    private sealed class TempDirectory : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("i2m-zip-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
