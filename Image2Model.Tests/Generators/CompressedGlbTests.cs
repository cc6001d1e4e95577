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
    public void Basis_textures_required_by_the_file_do_not_stop_the_count()
    {
        // No fixture has a real KTX2 texture (that needs KTX-Software's toktx): the file only declares
        // it needs KHR_texture_basisu, which is what a reader that insisted on decoding would refuse.
        var glb = WithJson(Fixtures.Read("models/apple-draco.glb"), json =>
        {
            json["extensionsUsed"]!.AsArray().Add("KHR_texture_basisu");
            json["extensionsRequired"]!.AsArray().Add("KHR_texture_basisu");
        });

        Assert.Equal(1000, GlbModel.CountTriangles(glb));
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

    /// <summary>The GLB with its JSON chunk changed (re-padded with spaces, as the format asks).</summary>
    private static byte[] WithJson(byte[] glb, Action<System.Text.Json.Nodes.JsonObject> change)
    {
        var length = BitConverter.ToInt32(glb, 12);
        var json = System.Text.Json.Nodes.JsonNode.Parse(glb.AsSpan(20, length))!.AsObject();
        change(json);
        var bytes = System.Text.Encoding.UTF8.GetBytes(json.ToJsonString());
        var padded = (bytes.Length + 3) & ~3;
        var rest = glb[(20 + length)..];
        var result = new byte[20 + padded + rest.Length];
        glb.AsSpan(0, 12).CopyTo(result);
        BitConverter.GetBytes(result.Length).CopyTo(result, 8);
        BitConverter.GetBytes(padded).CopyTo(result, 12);
        glb.AsSpan(16, 4).CopyTo(result.AsSpan(16));
        result.AsSpan(20, padded).Fill((byte)' ');
        bytes.CopyTo(result, 20);
        rest.CopyTo(result, 20 + padded);
        return result;
    }
}
