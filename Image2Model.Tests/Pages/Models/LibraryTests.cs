using System.Net;
using Image2Model.Site.Conversions;
using Image2Model.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Image2Model.Tests.Pages.Models;

/// <summary>"My models": everything a user has converted, and nothing of anyone else's.</summary>
public sealed class LibraryTests(SiteFactory factory) : IClassFixture<SiteFactory>
{
    [Fact]
    public async Task A_new_user_sees_an_empty_library_with_a_way_to_upload()
    {
        var client = await UserStories.SignedInUserAsync(factory);

        var library = await client.GetPageAsync("/models");

        Assert.Contains("No models yet", library.QuerySelector("main .card.empty")!.TextContent);
        Assert.NotNull(library.QuerySelector("main .card.empty a[href='/upload']"));
        Assert.Empty(library.QuerySelectorAll(".tile"));
    }

    [Fact]
    public async Task The_library_lists_the_users_own_models_newest_first_linking_finished_ones_to_their_model_page()
    {
        var client = await UserStories.SignedInUserAsync(factory);
        var other = await UserStories.SignedInUserAsync(factory);
        var first = (await Waiting.ForBatchAsync(factory, Waiting.BatchIdFrom(await UserStories.UploadAsync(client, [Fixtures.File("apple.png")])))).Single();
        var second = (await Waiting.ForBatchAsync(factory, Waiting.BatchIdFrom(await UserStories.UploadAsync(client, [Fixtures.File("horse.png")])))).Single();
        await UserStories.UploadAsync(other, [Fixtures.File("coffee.png")]);

        var tiles = (await client.GetPageAsync("/models")).QuerySelectorAll(".tile");

        Assert.Equal([$"/models/{second.Id}", $"/models/{first.Id}"], tiles.Select(t => t.QuerySelector("a")!.GetAttribute("href")));
        Assert.Equal(["horse.png", "apple.png"], tiles.Select(t => t.QuerySelector(".name")!.TextContent));
        Assert.All(tiles, t => Assert.Equal("Succeeded", t.QuerySelector(".badge")!.TextContent));
        Assert.Contains($"{first.Triangles:N0} triangles", tiles[1].TextContent);
    }

    [Fact]
    public async Task A_model_that_is_not_finished_links_to_its_upload_to_watch_its_progress()
    {
        var (client, userId) = await UserWithIdAsync();
        var batchId = await AddConversionsAsync(userId, 1, ConversionState.Running);

        var tile = (await client.GetPageAsync("/models")).QuerySelector(".tile")!;

        Assert.Equal($"/batches/{batchId}", tile.QuerySelector("a")!.GetAttribute("href"));
        Assert.Equal("Running", tile.QuerySelector(".badge")!.TextContent);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("abc")]
    [InlineData("2147483647")]
    [InlineData("99999999999")]
    public async Task Any_page_number_in_the_address_answers_a_page_not_an_error(string p)
    {
        var (client, userId) = await UserWithIdAsync();
        await AddConversionsAsync(userId, 1, ConversionState.Succeeded);

        var response = await client.Http.GetAsync($"/models?p={p}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<(SiteClient Client, string UserId)> UserWithIdAsync()
    {
        var email = $"library-{Guid.NewGuid():N}@example.com";
        var client = await UserStories.SignedInUserAsync(factory, email);
        await using var db = factory.CreateDbContext();
        return (client, await db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync());
    }

    /// <summary>Conversions written straight to the database, one a minute apart (photo-00 the oldest), all in one upload.</summary>
    private async Task<Guid> AddConversionsAsync(string userId, int count, ConversionState state)
    {
        var start = DateTime.UtcNow.AddHours(-1);
        var batch = new Batch { OwnerId = userId, CreatedAt = start };
        for (var i = 0; i < count; i++)
        {
            batch.Conversions.Add(new Conversion
            {
                OwnerId = userId, FileName = $"photo-{i:00}.png", OriginalBlob = "photo", ContentType = "image/png", Generator = "local",
                State = state, CreatedAt = start.AddMinutes(i), Triangles = state == ConversionState.Succeeded ? 1000 : null,
            });
        }

        await using var db = factory.CreateDbContext();
        db.Batches.Add(batch);
        await db.SaveChangesAsync();
        return batch.Id;
    }
}
