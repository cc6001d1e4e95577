using Image2Model.Site.Meshing;
using SkiaSharp;

namespace Image2Model.Tests.Meshing;

/// <summary>Large JPEGs are decoded in two halves at once; the result must be the plain decode's.</summary>
public sealed class ImageDecodingTests
{
    [Theory]
    [InlineData(1200, 900)]
    [InlineData(901, 1203)]
    public void Large_jpeg_decodes_to_the_same_pixels_as_a_plain_decode(int width, int height)
    {
        var jpeg = Photo(width, height);

        var decoded = ImageDecoding.Decode(jpeg, 4096);

        using var plain = SKBitmap.Decode(jpeg, new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        Assert.Equal((width, height), (decoded.Width, decoded.Height));
        Assert.True(plain.GetPixelSpan().SequenceEqual(decoded.Pixels.AsSpan(0, width * height * 4)));
    }

    [Fact]
    public void Large_jpeg_cut_off_halfway_is_refused_as_incomplete()
    {
        var jpeg = Photo(1200, 900);

        var error = Assert.Throws<ImageDecodeException>(() => LocalEngine.Convert(jpeg[..(jpeg.Length / 2)], new EngineOptions()));

        Assert.Contains("incomplete", error.Message);
    }

    /// <summary>Detail everywhere (noise over a gradient), so every row's blocks differ.</summary>
    private static byte[] Photo(int width, int height)
    {
        var pixels = new byte[width * height * 4];
        var random = new Random(width + height);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var i = (y * width + x) * 4;
                pixels[i] = (byte)(x * 255 / width);
                pixels[i + 1] = (byte)(y * 255 / height);
                pixels[i + 2] = (byte)random.Next(256);
                pixels[i + 3] = 255;
            }
        }
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        using var pixmap = bitmap.PeekPixels();
        using var data = pixmap.Encode(new SKJpegEncoderOptions(88, SKJpegEncoderDownsample.Downsample420, SKJpegEncoderAlphaOption.Ignore))!;
        return data.ToArray();
    }
}
