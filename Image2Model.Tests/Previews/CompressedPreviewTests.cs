using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using Image2Model.Site.Previews;
using Image2Model.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using SkiaSharp;
using Xunit.Abstractions;

namespace Image2Model.Tests.Previews;

/// <summary>Remote generators may send Draco or meshopt compressed GLBs; their previews must look like the plain model's.</summary>
public sealed class CompressedPreviewTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("apple-meshopt.glb")]
    public void A_compressed_model_from_a_provider_gets_the_same_preview_as_its_plain_original(string file)
    {
        var plain = Render("apple-plain.glb");

        var compressed = Render(file);

        Assert.NotNull(compressed);
        AssertLookAlike(plain!, compressed, output);
    }

    [Fact]
    public void A_meshopt_model_whose_compressed_data_is_corrupt_gets_no_preview_instead_of_an_error()
    {
        var glb = Fixtures.Read("models/apple-meshopt.glb");
        // Scribble over the compressed vertex and index streams (they sit after the 2111-byte texture).
        var bin = BinStart(glb);
        var random = new Random(11);
        for (var i = bin + 2200; i < glb.Length - 64; i += 7)
        {
            glb[i] = (byte)random.Next(256);
        }

        Assert.Null(new PreviewRenderer(NullLogger<PreviewRenderer>.Instance).TryRender(glb));
    }

    [Fact]
    public void A_meshopt_model_cut_short_gets_no_preview_instead_of_an_error()
    {
        var glb = Fixtures.Read("models/apple-meshopt.glb");
        var json = JsonNode.Parse(Encoding.UTF8.GetString(glb, 20, BinaryPrimitives.ReadInt32LittleEndian(glb.AsSpan(12))))!;
        // The vertex stream claims twice the vertices it holds.
        json["bufferViews"]![3]!["extensions"]!["EXT_meshopt_compression"]!["count"] = 1008;
        json["bufferViews"]![3]!["byteLength"] = 8064;

        Assert.Null(new PreviewRenderer(NullLogger<PreviewRenderer>.Instance).TryRender(WithJson(glb, json)));
    }

    internal static byte[]? Render(string file) =>
        new PreviewRenderer(NullLogger<PreviewRenderer>.Instance).TryRender(Fixtures.Read("models/" + file));

    /// <summary>Nearly the same outline (≥ 95 % of the pixels either covers are covered by both) and nearly the same colours.</summary>
    internal static void AssertLookAlike(byte[] expectedPng, byte[] actualPng, ITestOutputHelper output)
    {
        using var expected = SKBitmap.Decode(expectedPng);
        using var actual = SKBitmap.Decode(actualPng);
        var (both, either, colourDifference) = (0, 0, 0.0);
        for (var y = 0; y < expected.Height; y++)
        {
            for (var x = 0; x < expected.Width; x++)
            {
                var (e, a) = (expected.GetPixel(x, y), actual.GetPixel(x, y));
                if (e.Alpha > 0 || a.Alpha > 0)
                {
                    either++;
                }

                if (e.Alpha > 0 && a.Alpha > 0)
                {
                    both++;
                    colourDifference += (Math.Abs(e.Red - a.Red) + Math.Abs(e.Green - a.Green) + Math.Abs(e.Blue - a.Blue)) / 3.0;
                }
            }
        }

        output.WriteLine($"covered by both: {100.0 * both / either:F2} % of {either} covered pixels; mean colour difference {colourDifference / both:F2} of 255");
        Assert.True(either > 512 * 512 / 10, $"The plain model should fill a good part of the picture, covered {either} pixels");
        Assert.True(both >= either * 0.95, $"Only {both} of {either} covered pixels are covered in both pictures");
        Assert.True(colourDifference / both < 6, $"The colours differ by {colourDifference / both:F1} of 255 on average");
    }

    internal static int BinStart(byte[] glb) => 20 + BinaryPrimitives.ReadInt32LittleEndian(glb.AsSpan(12)) + 8;

    internal static byte[] WithJson(byte[] glb, JsonNode json)
    {
        var jsonLength = BinaryPrimitives.ReadInt32LittleEndian(glb.AsSpan(12));
        var newJson = Encoding.UTF8.GetBytes(json.ToJsonString());
        var padded = (newJson.Length + 3) & ~3;
        var bin = glb.AsSpan(20 + jsonLength);
        var output = new byte[20 + padded + bin.Length];
        glb.AsSpan(0, 12).CopyTo(output);
        BinaryPrimitives.WriteInt32LittleEndian(output.AsSpan(8), output.Length);
        BinaryPrimitives.WriteInt32LittleEndian(output.AsSpan(12), padded);
        glb.AsSpan(16, 4).CopyTo(output.AsSpan(16));
        output.AsSpan(20, padded).Fill((byte)' ');
        newJson.CopyTo(output, 20);
        bin.CopyTo(output.AsSpan(20 + padded));
        return output;
    }
}
