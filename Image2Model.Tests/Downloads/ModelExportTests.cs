using System.IO.Compression;
using System.Net;
using System.Numerics;
using Image2Model.Tests.Infrastructure;

namespace Image2Model.Tests.Downloads;

public sealed class ModelExportTests(SiteFactory factory) : IClassFixture<SiteFactory>
{
    [Fact]
    public async Task Owner_downloads_the_model_as_a_closed_stl_and_as_a_textured_obj_zip_and_strangers_get_404()
    {
        var owner = await UserStories.SignedInUserAsync(factory);
        var conversion = Assert.Single(await Waiting.ForBatchAsync(factory, Waiting.BatchIdFrom(await UserStories.UploadAsync(owner, [Fixtures.File("apple.png")]))));
        var stranger = await UserStories.SignedInUserAsync(factory);

        var stl = await owner.Http.GetAsync($"/files/{conversion.Id}/model.stl");
        var obj = await owner.Http.GetAsync($"/files/{conversion.Id}/model-obj.zip");

        Assert.Equal(HttpStatusCode.OK, stl.StatusCode);
        var triangles = ReadStl(await stl.Content.ReadAsByteArrayAsync());
        Assert.Equal(conversion.Triangles, triangles.Count);
        GlbAssert.AssertClosed(triangles);
        // Z up, millimetres: the 1 m tall model is about 1000 mm along Z.
        var heights = triangles.SelectMany(t => new[] { t.A.Z, t.B.Z, t.C.Z }).ToList();
        Assert.InRange(heights.Max() - heights.Min(), 900, 1100);
        Assert.Equal("apple.stl", stl.Content.Headers.ContentDisposition?.FileNameStar ?? stl.Content.Headers.ContentDisposition?.FileName);

        Assert.Equal(HttpStatusCode.OK, obj.StatusCode);
        using var zip = new ZipArchive(await obj.Content.ReadAsStreamAsync());
        Assert.Contains("model.obj", zip.Entries.Select(e => e.Name));
        var mtl = new StreamReader(zip.GetEntry("model.mtl")!.Open()).ReadToEnd();
        var textureName = mtl.Split('\n').Single(l => l.StartsWith("map_Kd ")).Split(' ')[1];
        Assert.True(zip.GetEntry(textureName)!.Length > 100);
        var faces = new StreamReader(zip.GetEntry("model.obj")!.Open()).ReadToEnd().Split('\n').Count(l => l.StartsWith("f "));
        Assert.Equal(conversion.Triangles, faces);

        Assert.Equal(HttpStatusCode.NotFound, (await stranger.Http.GetAsync($"/files/{conversion.Id}/model.stl")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.Http.GetAsync($"/files/{conversion.Id}/model-obj.zip")).StatusCode);
    }

    private static List<(Vector3 A, Vector3 B, Vector3 C)> ReadStl(byte[] stl)
    {
        using var reader = new BinaryReader(new MemoryStream(stl));
        reader.ReadBytes(80);
        var count = reader.ReadUInt32();
        Assert.Equal(84 + (int)count * 50, stl.Length);
        Vector3 Read() => new(reader.ReadSingle(), reader.ReadSingle(), reader.ReadSingle());
        var triangles = new List<(Vector3, Vector3, Vector3)>();
        for (var i = 0; i < count; i++)
        {
            Read();
            triangles.Add((Read(), Read(), Read()));
            reader.ReadUInt16();
        }

        return triangles;
    }
}
