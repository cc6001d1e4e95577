using Image2Model.Site.Downloads;
using Image2Model.Tests.Fakes;
using Image2Model.Tests.Infrastructure;

namespace Image2Model.Tests.Pages.Models;

/// <summary>OBJ and STL are made from the stored GLB, which cannot be done when a provider sent its geometry compressed.</summary>
public sealed class CompressedModelPageTests
{
    [Theory]
    [InlineData("apple-draco.glb", "Draco")]
    [InlineData("apple-meshopt.glb", "meshopt")]
    public async Task Model_page_says_plainly_why_obj_and_stl_are_not_offered_for_a_compressed_model(string fixture, string compression)
    {
        using var site = new SiteFactory();
        var email = $"owner-{Guid.NewGuid():N}@example.com";
        var client = await UserStories.SignedInUserAsync(site, email);
        var id = await StoredModels.AddAsync(site, email, Fixtures.Read($"models/{fixture}"), 1000);

        var page = await client.GetPageAsync($"/models/{id}");

        Assert.NotNull(page.QuerySelector($"a[href='/files/{id}/model.glb']"));
        Assert.Null(page.QuerySelector($"a[href='/files/{id}/model.stl']"));
        Assert.Null(page.QuerySelector($"a[href='/files/{id}/model-obj.zip']"));
        var why = page.QuerySelector(".exports-unavailable")!.TextContent;
        Assert.StartsWith("OBJ and STL are not offered for this model", why);
        Assert.Contains(compression, why);
        // Asked for anyway, by hand: the same reason, not a server error.
        foreach (var export in new[] { "model.stl", "model-obj.zip" })
        {
            var response = await client.Http.GetAsync($"/files/{id}/{export}");
            Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
            var text = await response.Content.ReadAsStringAsync();
            Assert.StartsWith("OBJ and STL are not offered for this model", text);
            Assert.Contains(compression, text);
        }
    }

    [Theory]
    [InlineData("apple-plain.glb")]
    [InlineData("apple-quantized.glb")]
    public async Task Model_page_offers_obj_and_stl_when_they_can_be_made(string fixture)
    {
        using var site = new SiteFactory();
        var email = $"owner-{Guid.NewGuid():N}@example.com";
        var client = await UserStories.SignedInUserAsync(site, email);
        var id = await StoredModels.AddAsync(site, email, Fixtures.Read($"models/{fixture}"), 1000);

        var page = await client.GetPageAsync($"/models/{id}");
        var stl = await client.Http.GetAsync($"/files/{id}/model.stl");

        Assert.NotNull(page.QuerySelector($"a[href='/files/{id}/model.stl']"));
        Assert.Null(page.QuerySelector(".exports-unavailable"));
        Assert.True(stl.IsSuccessStatusCode, stl.StatusCode.ToString());
        Assert.Equal(84 + (1000 * 50), (await stl.Content.ReadAsByteArrayAsync()).Length);
    }

    [Fact]
    public void The_reason_is_read_from_the_start_of_the_file_only()
    {
        var glb = Fixtures.Read("models/apple-draco.glb");
        using var start = new MemoryStream(glb[..(20 + BitConverter.ToInt32(glb, 12))]);

        Assert.Contains("Draco", ModelExport.WhyNotOffered(start));
    }
}
