using Image2Model.Tests.Infrastructure;
using SharpGLTF.Schema2;
using SkiaSharp;

namespace Image2Model.Tests.Generators;

public sealed class LocalGeneratorTests
{
    [Fact]
    public async Task Site_settings_choose_the_height_and_texture_size_of_local_models()
    {
        using var site = new SiteFactory();
        site.Settings["Generators:Local:Height"] = "0.25";
        site.Settings["Generators:Local:MaxTextureSize"] = "256";
        var client = await UserStories.SignedInUserAsync(site);

        var response = await UserStories.UploadAsync(client, [Fixtures.File("rubber_duck.png")]);

        var conversion = Assert.Single(await Waiting.ForBatchAsync(site, Waiting.BatchIdFrom(response)));
        Assert.StartsWith("Done: cut-out", conversion.Message);
        var model = ModelRoot.ParseGLB(await client.Http.GetByteArrayAsync($"/files/{conversion.Id}/model.glb"));
        var ys = model.LogicalMeshes.SelectMany(m => m.Primitives).SelectMany(p => p.GetVertexAccessor("POSITION").AsVector3Array()).Select(v => v.Y).ToList();
        Assert.Equal(0.25, ys.Max() - ys.Min(), 0.01);
        using var texture = SKBitmap.Decode(model.LogicalImages[0].Content.Content.ToArray());
        Assert.True(Math.Max(texture.Width, texture.Height) <= 256, $"texture is {texture.Width}x{texture.Height}");
    }
}
