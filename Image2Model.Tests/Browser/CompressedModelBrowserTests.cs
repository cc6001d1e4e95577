using Image2Model.Tests.Fakes;
using Image2Model.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Image2Model.Tests.Browser;

/// <summary>Compressed provider models in the 3D viewer: decoders from this site, under its CSP, no errors.</summary>
public sealed class CompressedModelBrowserTests(BrowserFixture fixture) : IClassFixture<BrowserFixture>
{
    [Theory]
    [InlineData("apple-draco.glb", "/lib/draco/draco_decoder.wasm")]
    [InlineData("apple-meshopt.glb", "/lib/meshoptimizer/meshopt_decoder.js")]
    public async Task Compressed_model_shows_in_the_viewer_with_decoders_served_by_the_site(string fixtureName, string decoder)
    {
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = fixture.BaseUrl });
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Add(message.Text);
            }
        };
        page.PageError += (_, error) => errors.Add(error);
        var requests = new List<string>();
        page.Request += (_, request) => requests.Add(request.Url);
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                errors.Add($"{response.Status} {response.Url}");
            }
        };
        var email = $"viewer-{Guid.NewGuid():N}@example.com";
        await BrowserTests.SignUpAsync(page, email);
        var id = await StoredModels.AddAsync(fixture.Site, email, Fixtures.Read($"models/{fixtureName}"), 1000);

        await page.GotoAsync($"/models/{id}");
        await page.WaitForFunctionAsync("() => document.querySelector('model-viewer').loaded === true", null, new() { Timeout = 30_000 });

        Assert.True(errors.Count == 0, string.Join("\n", errors));
        Assert.Contains(requests, url => new Uri(url).AbsolutePath == decoder);
        // Nothing from a CDN: every request goes to the site (blob: URLs are the decoder workers it made).
        Assert.All(requests, url => Assert.StartsWith(fixture.BaseUrl, url.StartsWith("blob:", StringComparison.Ordinal) ? url[5..] : url));
        await context.CloseAsync();
    }
}
