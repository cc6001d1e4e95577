using Image2Model.Site.Conversions;
using Image2Model.Tests.Fakes;
using SkiaSharp;

namespace Image2Model.Tests.Generators;

/// <summary>A 12 MP phone photo must not upload 10 MB: what the providers receive.</summary>
public sealed class ProviderPhotoTests : IAsyncLifetime
{
    private FakeFalServer _fal = null!;

    public async Task InitializeAsync() => _fal = await FakeFalServer.StartNewAsync();

    public async Task DisposeAsync() => await _fal.DisposeAsync();

    [Fact]
    public async Task Big_phone_photo_is_sent_as_a_jpeg_of_at_most_2048_pixels_turned_the_way_the_phone_was_held()
    {
        // 4000 x 3000 sensor pixels, EXIF "rotate 90° clockwise to view" (orientation 6): a portrait photo.
        var photo = WithExifOrientation(Encode(Picture(4000, 3000, opaque: true), SKEncodedImageFormat.Jpeg), 6);

        var sent = await SendAsync(photo, "image/jpeg");

        Assert.Equal("image/jpeg", sent.ContentType);
        using var codec = SKCodec.Create(new MemoryStream(sent.Bytes));
        Assert.Equal(SKEncodedImageFormat.Jpeg, codec.EncodedFormat);
        Assert.Equal(SKEncodedOrigin.TopLeft, codec.EncodedOrigin);
        // JPEG decoders shrink by 1/2, 1/4, 1/8 for nothing, so the side may land a little under the limit.
        Assert.InRange(codec.Info.Height, 1800, 2048);
        Assert.Equal(codec.Info.Height * 3 / 4, codec.Info.Width);
        Assert.True(sent.Bytes.Length < photo.Length, $"{sent.Bytes.Length} bytes sent for a {photo.Length}-byte photo");
    }

    [Fact]
    public async Task Opaque_png_becomes_a_jpeg_and_a_transparent_one_stays_a_png()
    {
        var opaque = await SendAsync(Encode(Picture(3000, 1000, opaque: true), SKEncodedImageFormat.Png), "image/png");
        var cutOut = await SendAsync(Encode(Picture(3000, 1000, opaque: false), SKEncodedImageFormat.Png), "image/png");

        Assert.Equal("image/jpeg", opaque.ContentType);
        Assert.Equal("image/png", cutOut.ContentType);
        using var codec = SKCodec.Create(new MemoryStream(cutOut.Bytes));
        Assert.Equal(SKEncodedImageFormat.Png, codec.EncodedFormat);
        Assert.Equal(2048, codec.Info.Width);
        using var decoded = SKBitmap.Decode(cutOut.Bytes);
        Assert.Equal(0, decoded.GetPixel(0, 0).Alpha);
    }

    [Fact]
    public async Task Small_upright_jpeg_is_sent_untouched()
    {
        var photo = Encode(Picture(800, 600, opaque: true), SKEncodedImageFormat.Jpeg);

        var sent = await SendAsync(photo, "image/jpeg");

        Assert.Equal(photo, sent.Bytes);
    }

    private async Task<FakeFalServer.UploadedFile> SendAsync(byte[] photo, string contentType)
    {
        using var host = RemoteGeneratorHost.ForFal(_fal);
        var request = new GenerationRequest(Guid.NewGuid(), "photo", contentType, photo, new GenerationOptions(), null);
        var before = _fal.Uploads.Keys.ToHashSet();
        await host.Generator.GenerateAsync(request, new RecordingGenerationContext(), CancellationToken.None);
        return _fal.Uploads.Single(u => !before.Contains(u.Key)).Value;
    }

    /// <summary>A gradient with noise, so the encoders have real work; the corners are clear when not opaque.</summary>
    private static SKBitmap Picture(int width, int height, bool opaque)
    {
        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var pixels = bitmap.GetPixelSpan();
        var random = new Random(7);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var clear = !opaque && (x < width / 10 || y < height / 10);
                var i = ((y * width) + x) * 4;
                pixels[i] = (byte)(x * 255 / width);
                pixels[i + 1] = (byte)(y * 255 / height);
                pixels[i + 2] = (byte)random.Next(256);
                pixels[i + 3] = clear ? (byte)0 : (byte)255;
            }
        }

        return bitmap;
    }

    private static byte[] Encode(SKBitmap bitmap, SKEncodedImageFormat format)
    {
        using (bitmap)
        {
            using var data = bitmap.Encode(format, 95);
            return data.ToArray();
        }
    }

    /// <summary>Inserts an EXIF APP1 segment holding only the orientation tag right after the JPEG's SOI marker.</summary>
    private static byte[] WithExifOrientation(byte[] jpeg, ushort orientation)
    {
        byte[] tiff =
        [
            (byte)'M', (byte)'M', 0, 42, 0, 0, 0, 8, // big-endian TIFF header, first IFD at 8
            0, 1, // one entry
            0x01, 0x12, 0, 3, 0, 0, 0, 1, (byte)(orientation >> 8), (byte)orientation, 0, 0, // Orientation, SHORT, 1 value
            0, 0, 0, 0, // no next IFD
        ];
        var payload = "Exif\0\0"u8.ToArray().Concat(tiff).ToArray();
        var length = payload.Length + 2;
        byte[] segment = [0xFF, 0xE1, (byte)(length >> 8), (byte)length, .. payload];
        return [.. jpeg[..2], .. segment, .. jpeg[2..]];
    }
}
