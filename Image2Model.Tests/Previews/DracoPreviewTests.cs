using System.Text.Json.Nodes;
using Image2Model.Site.Previews;
using Image2Model.Site.Previews.Compressed;
using Image2Model.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Image2Model.Tests.Previews;

/// <summary>Draco models render with the site's own wasm decoder (wwwroot/lib/draco) run by Wasmtime.</summary>
public sealed class DracoPreviewTests(ITestOutputHelper output)
{
    /// <summary>The site's web root, as the running site uses it (the test copies nothing).</summary>
    private static readonly DracoDecoder Draco = DracoDecoder.FromWebRoot(Path.Combine(Repository.Root(), "Image2Model.Site", "wwwroot"));

    [Fact]
    public void A_draco_model_from_a_provider_gets_the_same_preview_as_its_plain_original()
    {
        var plain = CompressedPreviewTests.Render("apple-plain.glb");

        var draco = PreviewRasterizer.RenderPng(Fixtures.Read("models/apple-draco.glb"), draco: Draco);

        Assert.NotNull(draco);
        CompressedPreviewTests.AssertLookAlike(plain!, draco, output);
    }

    [Fact]
    public void A_draco_model_whose_compressed_data_is_corrupt_gets_no_preview_instead_of_an_error()
    {
        var glb = Fixtures.Read("models/apple-draco.glb");
        // The Draco stream is the second bufferView (after the 2111-byte texture); keep its header, scribble over the rest.
        var start = CompressedPreviewTests.BinStart(glb) + 2112;
        var random = new Random(11);
        for (var i = start + 24; i < glb.Length; i += 3)
        {
            glb[i] = (byte)random.Next(256);
        }

        Assert.Null(new PreviewRenderer(NullLogger<PreviewRenderer>.Instance, Draco).TryRender(glb));
    }

    [Fact]
    public void A_draco_model_whose_stream_is_cut_short_gets_no_preview_instead_of_an_error()
    {
        var glb = Fixtures.Read("models/apple-draco.glb");
        var json = JsonNode.Parse(System.Text.Encoding.UTF8.GetString(glb, 20, BitConverter.ToInt32(glb, 12)))!;
        json["bufferViews"]![1]!["byteLength"] = 300;

        Assert.Null(new PreviewRenderer(NullLogger<PreviewRenderer>.Instance, Draco).TryRender(CompressedPreviewTests.WithJson(glb, json)));
    }

    [Fact]
    public void Without_the_draco_decoder_a_draco_model_gets_no_preview_instead_of_an_error()
    {
        Assert.Null(new PreviewRenderer(NullLogger<PreviewRenderer>.Instance).TryRender(Fixtures.Read("models/apple-draco.glb")));
    }

    [Fact]
    public void Every_decoder_function_the_site_calls_is_named_by_the_shipped_wrapper_and_exported_by_the_wasm()
    {
        // An npm update of lib/draco that renames or drops one fails here, not in production.
        var exports = Draco.Exports.ToHashSet();

        foreach (var binding in DracoDecoder.Bindings)
        {
            Assert.True(Draco.Names.TryGetValue(binding, out var export), $"draco_wasm_wrapper.js does not name {binding}");
            Assert.Contains(export, exports);
        }
    }
}
