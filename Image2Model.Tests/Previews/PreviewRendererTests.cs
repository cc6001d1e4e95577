using System.Numerics;
using Image2Model.Site.Meshing;
using Image2Model.Site.Previews;
using Image2Model.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using SkiaSharp;

namespace Image2Model.Tests.Previews;

public sealed class PreviewRendererTests
{
    [Fact]
    public void A_local_model_becomes_a_512_px_png_of_its_textured_mesh_on_a_transparent_background()
    {
        var model = LocalEngine.Convert(Fixtures.Read("rubber_duck.png"), new EngineOptions(10_000));

        var png = new PreviewRenderer(NullLogger<PreviewRenderer>.Instance).TryRender(model.Glb);

        Assert.NotNull(png);
        using var bitmap = SKBitmap.Decode(png);
        Assert.Equal((512, 512), (bitmap.Width, bitmap.Height));
        Assert.Equal(0, bitmap.GetPixel(2, 2).Alpha);
        Assert.Equal(0, bitmap.GetPixel(509, 509).Alpha);
        var opaque = Pixels(bitmap).Where(p => p.Alpha == 255).ToList();
        // The duck fills a good part of the picture ...
        Assert.InRange(opaque.Count, 512 * 512 / 5, 512 * 512 * 9 / 10);
        // ... in its own yellow (the texture), not a flat grey.
        Assert.True(opaque.Average(p => (double)p.Red) > opaque.Average(p => (double)p.Blue) + 60, "The texture's yellow should dominate.");
        // Lit: the same texture comes out in many shades.
        Assert.True(opaque.Select(p => p.Red / 16).Distinct().Count() > 6);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_nearer_surface_hides_the_farther_one_whatever_the_drawing_order(bool farDrawnLast)
    {
        var red = new Vector4(1, 0, 0, 1);
        var blue = new Vector4(0, 0, 1, 1);

        using var bitmap = SKBitmap.Decode(PreviewRasterizer.RenderPng(PreviewTestModels.TwoSquares(red, blue, farDrawnLast)));

        var centre = bitmap.GetPixel(256, 256);
        Assert.True(centre.Red > 100 && centre.Blue < 20, $"Centre should be the near, red square, was {centre}");
    }

    [Fact]
    public void A_model_with_strided_positions_and_byte_colours_renders_like_its_plain_float_original()
    {
        var red = new Vector4(1, 0, 0, 1);
        using var original = SKBitmap.Decode(PreviewRasterizer.RenderPng(PreviewTestModels.TwoSquares(red, red, farDrawnLast: false)));

        using var packed = SKBitmap.Decode(PreviewRasterizer.RenderPng(PreviewTestModels.PackedSquare(red)));

        var centre = packed.GetPixel(256, 256);
        Assert.True(centre.Alpha == 255 && centre.Red > 100 && centre.Blue < 20, $"The centre should be the red square, was {centre}");
        Assert.Equal(0, packed.GetPixel(2, 2).Alpha);
        // One square of the two, so framed a little larger, but a square all the same: most of the picture.
        Assert.InRange(Pixels(packed).Count(p => p.Alpha == 255), Pixels(original).Count(p => p.Alpha == 255) * 7 / 10, 512 * 512);
    }

    [Fact]
    public void A_black_model_stays_visible_on_the_transparent_background()
    {
        var black = new Vector4(0, 0, 0, 1);

        using var bitmap = SKBitmap.Decode(PreviewRasterizer.RenderPng(PreviewTestModels.TwoSquares(black, black, farDrawnLast: false)));

        var centre = bitmap.GetPixel(256, 256);
        Assert.Equal(255, centre.Alpha);
        Assert.True(centre.Red + centre.Green + centre.Blue < 8, $"The centre should be black, was {centre}");
        Assert.Equal(0, bitmap.GetPixel(2, 2).Alpha);
    }

    [Theory]
    [InlineData("EXT_compression_from_the_future")]
    public void A_compressed_model_this_site_cannot_decode_gets_no_preview_instead_of_an_error(string extension)
    {
        var glb = PreviewTestModels.TwoSquares(Vector4.One, Vector4.One, false, extension);

        Assert.Null(new PreviewRenderer(NullLogger<PreviewRenderer>.Instance).TryRender(glb));
    }

    [Fact]
    public void Bytes_that_are_no_model_get_no_preview()
    {
        Assert.Null(new PreviewRenderer(NullLogger<PreviewRenderer>.Instance).TryRender("not a model"u8.ToArray()));
    }

    private static IEnumerable<SKColor> Pixels(SKBitmap bitmap)
    {
        for (var y = 0; y < bitmap.Height; y++)
        {
            for (var x = 0; x < bitmap.Width; x++)
            {
                yield return bitmap.GetPixel(x, y);
            }
        }
    }
}
