using System.Net;
using System.Text.Json;
using Image2Model.Tests.Infrastructure;

namespace Image2Model.Tests.Api;

public sealed class CorsAndDocumentTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private static HttpRequestMessage Preflight(string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/api/v1/upload");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization");
        return request;
    }

    [Fact]
    public async Task Preflight_from_an_allowed_origin_passes_and_allows_authorization()
    {
        var response = await ApiStories.Script(factory, null).SendAsync(Preflight(ApiFactory.AllowedOrigin));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(ApiFactory.AllowedOrigin, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("POST", response.Headers.GetValues("Access-Control-Allow-Methods").Single());
        Assert.Contains("authorization", response.Headers.GetValues("Access-Control-Allow-Headers").Single(), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("https://a.example,http://localhost:3000")]
    [InlineData("https://a.example; http://localhost:3000")]
    public async Task Origins_given_as_one_comma_separated_variable_are_all_allowed(string setting)
    {
        using var site = new ApiFactory();
        site.Settings.Remove("Api:CorsOrigins:0");
        site.Settings["Api:CorsOrigins"] = setting;

        foreach (var origin in new[] { "https://a.example", "http://localhost:3000" })
        {
            var response = await ApiStories.Script(site, null).SendAsync(Preflight(origin));
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            Assert.Equal(origin, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        }
    }

    [Fact]
    public async Task Preflight_from_another_origin_is_refused()
    {
        var response = await ApiStories.Script(factory, null).SendAsync(Preflight("https://evil.example.net"));

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Without_configured_origins_no_origin_is_allowed()
    {
        using var closed = new SiteFactory();

        var response = await closed.CreateClient().SendAsync(Preflight(ApiFactory.AllowedOrigin));

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Stream_and_download_responses_carry_cors_headers()
    {
        var script = await ApiStories.ScriptAsync(factory);
        var upload = await ApiStories.UploadAsync(script, "apple.png");
        await ApiStories.WaitForFinishAsync(factory, upload);
        var origin = new Dictionary<string, string> { ["Origin"] = ApiFactory.AllowedOrigin };
        var anonymous = ApiStories.Script(factory, null);

        var stream = await ServerSentEvents.ReadToEndAsync(anonymous, $"/api/v1/status/tasks/{upload.GetProperty("task_id").GetString()}/stream", headers: origin);
        var list = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/download/{upload.GetProperty("job_id").GetString()}/all");
        list.Headers.Add("Origin", ApiFactory.AllowedOrigin);
        var listed = await script.SendAsync(list);
        var download = new HttpRequestMessage(HttpMethod.Get, (await ApiStories.JsonAsync(listed)).GetProperty("download_urls")[0].GetString());
        download.Headers.Add("Origin", ApiFactory.AllowedOrigin);
        var downloaded = await anonymous.SendAsync(download);

        foreach (var response in new[] { stream.Response, listed, downloaded })
        {
            Assert.Equal(ApiFactory.AllowedOrigin, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        }

        Assert.Contains("Content-Disposition", downloaded.Headers.GetValues("Access-Control-Expose-Headers").Single());
    }

    [Fact]
    public async Task OpenApi_document_describes_every_api_endpoint_and_nothing_else()
    {
        var response = await ApiStories.Script(factory, null).GetAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(
            [
                "/api/v1/download/{job_id}/all", "/api/v1/download/{job_id}/{filename}", "/api/v1/download/{job_id}/{filename}/rendered_image",
                "/api/v1/status/jobs/{job_id}/progress", "/api/v1/status/tasks/{task_id}", "/api/v1/status/tasks/{task_id}/stream", "/api/v1/upload",
            ],
            paths.Order(StringComparer.Ordinal));
        var upload = document.GetProperty("paths").GetProperty("/api/v1/upload").GetProperty("post");
        Assert.True(upload.GetProperty("requestBody").GetProperty("content").GetProperty("multipart/form-data").GetProperty("schema").GetProperty("properties").TryGetProperty("face_limit", out _));
        var schemas = document.GetProperty("components").GetProperty("schemas");
        Assert.True(schemas.GetProperty("UploadResponse").GetProperty("properties").TryGetProperty("task_id", out _));
        Assert.Equal("bearer", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer").GetProperty("scheme").GetString());
    }

    [Fact]
    public async Task Api_page_shows_the_curl_example_and_links_the_document()
    {
        var page = await factory.CreateSiteClient().GetPageAsync("/api-docs");

        var example = page.QuerySelector("#curl-example")!.TextContent;
        Assert.Contains("BASE=http://localhost", example);
        Assert.Contains("-F files=@chair.jpg", example);
        Assert.Contains("/api/v1/upload", example);
        Assert.Contains("/stream", example);
        Assert.Contains("/all", example);
        Assert.NotNull(page.QuerySelector("a[href='/openapi/v1.json']"));
        Assert.NotNull(page.QuerySelector("a[href='/tokens']"));
    }
}
