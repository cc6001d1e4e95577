using System.Net;
using Image2Model.Tests.Infrastructure;
using SkiaSharp;

namespace Image2Model.Tests.Api;

public sealed class RenderedImageTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Every_finished_model_lists_a_rendered_image_whose_signed_absolute_url_opens_a_png_without_any_header()
    {
        var script = await ApiStories.ScriptAsync(factory);
        var upload = await ApiStories.UploadAsync(script, "apple.png", "rubber_duck.png");
        await ApiStories.WaitForFinishAsync(factory, upload);

        var list = await ApiStories.JsonAsync(await script.GetAsync($"/api/v1/download/{upload.GetProperty("job_id").GetString()}/all"));
        var anonymous = ApiStories.Script(factory, null);

        foreach (var file in list.GetProperty("files").EnumerateArray())
        {
            var url = new Uri(file.GetProperty("rendered_image").GetProperty("url").GetString()!);
            Assert.True(url.IsAbsoluteUri);
            Assert.Contains("sig=", url.Query);
            var image = await anonymous.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, image.StatusCode);
            Assert.Equal("image/png", image.Content.Headers.ContentType?.MediaType);
            using var bitmap = SKBitmap.Decode(await image.Content.ReadAsByteArrayAsync());
            Assert.Equal(512, bitmap.Width);

            // A signature for this image opens nothing else, and a tampered one opens nothing.
            var tampered = url.ToString().Replace("sig=", "sig=x");
            Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(tampered)).StatusCode);
        }
    }
}
