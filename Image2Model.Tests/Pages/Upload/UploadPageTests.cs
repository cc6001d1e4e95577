using System.Net;
using AngleSharp.Html.Dom;
using Image2Model.Site.Conversions;
using Image2Model.Tests.Infrastructure;
using SkiaSharp;

namespace Image2Model.Tests.Pages.Upload;

public sealed class UploadPageTests(SiteFactory factory) : IClassFixture<SiteFactory>
{
    [Fact]
    public async Task Signed_in_user_uploads_two_photos_and_downloads_two_textured_closed_models()
    {
        var client = await UserStories.SignedInUserAsync(factory);

        var response = await UserStories.UploadAsync(client, [Fixtures.File("coffee.png"), Fixtures.File("logo.png")]);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var conversions = await Waiting.ForBatchAsync(factory, Waiting.BatchIdFrom(response));
        Assert.Equal(["coffee.png", "logo.png"], conversions.Select(c => c.FileName).Order());
        Assert.All(conversions, c => Assert.Equal(ConversionState.Succeeded, c.State));
        Assert.All(conversions, c => Assert.Equal(100, c.Progress));
        foreach (var conversion in conversions)
        {
            var download = await client.Http.GetAsync($"/files/{conversion.Id}/model.glb");
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
            Assert.Equal("model/gltf-binary", download.Content.Headers.ContentType?.MediaType);
            var model = GlbAssert.IsTexturedClosedModel(await download.Content.ReadAsByteArrayAsync());
            Assert.Equal(conversion.Triangles, model.LogicalMeshes.SelectMany(m => m.Primitives).Sum(p => p.GetTriangleIndices().Count()));
        }
    }

    [Fact]
    public async Task Each_bad_file_is_rejected_with_its_reason_and_the_good_file_goes_on()
    {
        using var smallLimits = new SiteFactory();
        smallLimits.Settings["Uploads:MaxFileBytes"] = (5 * 1024 * 1024).ToString();
        var client = await UserStories.SignedInUserAsync(smallLimits);
        FileField[] files =
        [
            Fixtures.File("apple.png"),
            Fixtures.File("truncated.jpg"),
            new("half.jpg", HalfOfAJpeg(), "image/jpeg"),
            new("notes.png", "this is not a picture"u8.ToArray(), "image/png"),
            new("webp-inside.png", WebP(), "image/png"),
            new("drawing.gif", Fixtures.Read("apple.png"), "image/gif"),
            new("bomb.png", PngClaiming(100_000, 100_000), "image/png"),
            new("huge.jpg", new byte[6 * 1024 * 1024], "image/jpeg"),
            new("empty.jpg", [], "image/jpeg"),
        ];

        var response = await UserStories.UploadAsync(client, files);

        var page = await client.FollowAsync(response);
        var reasons = page.QuerySelectorAll(".rejected li").ToDictionary(li => li.QuerySelector("strong")!.TextContent, li => li.TextContent);
        Assert.Contains("damaged or incomplete", reasons["truncated.jpg"]);
        Assert.Contains("damaged or incomplete (it looks cut off)", reasons["half.jpg"]);
        Assert.Contains("not a JPEG or PNG image", reasons["notes.png"]);
        Assert.Contains("not a JPEG or PNG image", reasons["webp-inside.png"]);
        Assert.Contains("Only JPEG and PNG", reasons["drawing.gif"]);
        Assert.Contains("100,000 × 100,000 pixels", reasons["bomb.png"]);
        Assert.Contains("larger than the 5 MB limit", reasons["huge.jpg"]);
        Assert.Contains("empty", reasons["empty.jpg"]);
        Assert.Equal(8, reasons.Count);
        var accepted = page.QuerySelectorAll(".conversion .name").Select(e => e.TextContent).ToList();
        Assert.Equal(["apple.png"], accepted);
    }

    [Fact]
    public async Task An_upload_with_only_bad_files_shows_the_form_again_with_the_reasons()
    {
        var client = await UserStories.SignedInUserAsync(factory);

        var response = await UserStories.UploadAsync(client, [Fixtures.File("truncated.jpg")]);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await SiteClient.ParseAsync(response);
        Assert.Contains("None of the files could be used", page.QuerySelector(".alert.error")!.TextContent);
        Assert.Contains("truncated.jpg", page.QuerySelector(".rejected")!.TextContent);
        Assert.NotNull(page.QuerySelector<IHtmlFormElement>("#upload-form"));
    }

    [Fact]
    public async Task Too_many_files_are_refused_as_a_whole()
    {
        var client = await UserStories.SignedInUserAsync(factory);
        var files = Enumerable.Range(0, 26).Select(i => Fixtures.File("apple.png") with { FileName = $"apple{i}.png" });

        var response = await UserStories.UploadAsync(client, files);

        var page = await SiteClient.ParseAsync(response);
        Assert.Contains("at most 25 files", page.QuerySelector(".alert.error")!.TextContent);
    }

    [Theory]
    [InlineData("custom", "")]
    [InlineData("custom", "499")]
    [InlineData("custom", "100001")]
    [InlineData("12345", "")]
    public async Task A_face_limit_outside_the_allowed_choices_is_explained(string preset, string custom)
    {
        var client = await UserStories.SignedInUserAsync(factory);

        var response = await UserStories.UploadAsync(client, [Fixtures.File("apple.png")],
            new Dictionary<string, string> { ["Input.FacePreset"] = preset, ["Input.CustomFaceLimit"] = custom });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await SiteClient.ParseAsync(response);
        Assert.Matches("face limit|number of triangles", page.QuerySelector(".validation-summary-errors")!.TextContent);
    }

    [Fact]
    public async Task The_face_limit_chosen_is_stored_with_each_conversion()
    {
        var client = await UserStories.SignedInUserAsync(factory);

        var response = await UserStories.UploadAsync(client, [Fixtures.File("apple.png")],
            new Dictionary<string, string> { ["Input.FacePreset"] = "custom", ["Input.CustomFaceLimit"] = "1500" });

        var conversions = await Waiting.ForBatchAsync(factory, Waiting.BatchIdFrom(response));
        Assert.Equal(1500, Assert.Single(conversions).FaceLimit);
    }

    [Fact]
    public async Task Uploading_too_often_gets_429_with_retry_after_and_other_users_are_not_affected()
    {
        using var limited = new SiteFactory();
        limited.Settings["RateLimits:UploadsPerMinute"] = "1";
        var eager = await UserStories.SignedInUserAsync(limited);
        var other = await UserStories.SignedInUserAsync(limited);

        var first = await UserStories.UploadAsync(eager, [Fixtures.File("apple.png")]);
        var second = await UserStories.UploadAsync(eager, [Fixtures.File("apple.png")]);
        var someoneElse = await UserStories.UploadAsync(other, [Fixtures.File("apple.png")]);

        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.True(second.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal(HttpStatusCode.Redirect, someoneElse.StatusCode);
    }

    [Fact]
    public async Task A_phone_photo_taken_sideways_is_shown_the_way_it_was_held()
    {
        var client = await UserStories.SignedInUserAsync(factory);
        using var landscape = SKBitmap.Decode(Fixtures.Read("coffee.png"));
        using var jpeg = landscape.Encode(SKEncodedImageFormat.Jpeg, 90);
        // Orientation 6: the camera was turned a quarter to the right; viewers show it portrait.
        var sideways = Meshing.Exif.WithOrientation(jpeg.ToArray(), 6);

        var response = await UserStories.UploadAsync(client, [new FileField("phone.jpg", sideways, "image/jpeg")]);

        var conversion = Assert.Single(await Waiting.ForBatchAsync(factory, Waiting.BatchIdFrom(response)));
        Assert.Equal((400, 600), (conversion.Width, conversion.Height));
        using var thumbnail = SKBitmap.Decode(await client.Http.GetByteArrayAsync($"/files/{conversion.Id}/thumbnail.jpg"));
        Assert.True(thumbnail.Height > thumbnail.Width, $"thumbnail is {thumbnail.Width}x{thumbnail.Height}");
    }

    [Fact]
    public async Task The_upload_form_offers_the_configured_generators()
    {
        var client = await UserStories.SignedInUserAsync(factory);

        var page = await client.GetPageAsync("/upload");

        var generators = page.QuerySelectorAll<IHtmlInputElement>("input[name='Input.Generator']").Select(i => i.Value).ToList();
        Assert.Contains("local", generators);
        Assert.Equal("multipart/form-data", page.QuerySelector<IHtmlFormElement>("#upload-form")!.Enctype);
    }

    /// <summary>A real, decodable image, but a WebP: not a type we accept, whatever the name says.</summary>
    private static byte[] WebP()
    {
        using var bitmap = SKBitmap.Decode(Fixtures.Read("apple.png"));
        using var data = bitmap.Encode(SKEncodedImageFormat.Webp, 80);
        return data.ToArray();
    }

    /// <summary>The first half of a real JPEG: a readable header, then the data stops.</summary>
    private static byte[] HalfOfAJpeg()
    {
        using var bitmap = SKBitmap.Decode(Fixtures.Read("coffee.png"));
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 90);
        return data.ToArray()[..(int)(data.Size / 2)];
    }

    /// <summary>A valid PNG header that claims huge dimensions, with no pixel data behind it.</summary>
    private static byte[] PngClaiming(int width, int height)
    {
        using var bitmap = new SKBitmap(1, 1);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        var png = data.ToArray();
        // The IHDR chunk starts at byte 8; width and height are big-endian at 16 and 20, followed by its CRC at 29.
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), height);
        var crc = Crc32(png.AsSpan(12, 17));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(29), crc);
        return png;
    }

    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }
}
