using System.Net;
using Image2Model.Tests.Infrastructure;

namespace Image2Model.Tests.Pages.Models;

/// <summary>The library on PostgreSQL, which refuses what SQLite lets pass (a negative OFFSET).</summary>
public sealed class LibraryOnPostgresTests
{
    [Theory]
    [InlineData("2147483647")]
    [InlineData("44739244")]
    public async Task A_page_number_far_past_the_end_answers_an_empty_page_not_an_error(string p)
    {
        using var site = new SiteFactory();
        site.Settings["Database:Provider"] = "Postgres";
        site.Settings["ConnectionStrings:Default"] = await PostgresServer.CreateDatabaseAsync();
        var client = await UserStories.SignedInUserAsync(site);

        var response = await client.Http.GetAsync($"/models?p={p}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty((await SiteClient.ParseAsync(response)).QuerySelectorAll("a.tile"));
    }
}
