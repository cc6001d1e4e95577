using Image2Model.Site.Conversions;
using Image2Model.Site.Generators.Remote;
using Image2Model.Tests.Fakes;
using Image2Model.Tests.Infrastructure;

namespace Image2Model.Tests.Generators;

/// <summary>Providers may send compressed GLBs (fixtures made by @gltf-transform/cli, see Fixtures/README.md).</summary>
public sealed class CompressedGlbTests
{
    [Theory]
    [InlineData("apple-plain.glb")]
    [InlineData("apple-draco.glb")]
    [InlineData("apple-meshopt.glb")]
    [InlineData("apple-quantized.glb")]
    public void Triangles_are_counted_from_the_accessors_whatever_the_compression(string fixture)
    {
        Assert.Equal(1000, GlbModel.CountTriangles(Fixtures.Read($"models/{fixture}")));
    }

    [Fact]
    public void A_file_that_is_no_gltf_2_binary_is_still_refused()
    {
        var glb = Fixtures.Read("models/apple-plain.glb");
        var version1 = (byte[])glb.Clone();
        version1[4] = 1;

        Assert.Throws<GenerationFailedException>(() => GlbModel.CountTriangles(version1));
        Assert.Throws<GenerationFailedException>(() => GlbModel.CountTriangles(glb[..100]));
        Assert.Throws<GenerationFailedException>(() => GlbModel.CountTriangles("glTF but not really"u8.ToArray()));
    }

    [Fact]
    public async Task Draco_compressed_model_from_the_provider_is_stored_byte_for_byte()
    {
        await using var fal = await FakeFalServer.StartNewAsync();
        fal.ModelFile = Fixtures.Read("models/apple-draco.glb");
        using var host = RemoteGeneratorHost.ForFal(fal);

        var model = await host.Generator.GenerateAsync(RemoteGeneratorHost.Request(), new RecordingGenerationContext(), CancellationToken.None);

        Assert.Equal(fal.ModelFile, model.Glb);
        Assert.Equal(1000, model.Triangles);
    }
}
