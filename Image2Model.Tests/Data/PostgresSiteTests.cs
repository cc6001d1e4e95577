using System.Net;
using Image2Model.Site.Conversions;
using Image2Model.Site.Data;
using Image2Model.Tests.Api;
using Image2Model.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Image2Model.Tests.Data;

/// <summary>The whole site on PostgreSQL, as a multi-node deployment runs it.</summary>
public sealed class PostgresSiteTests
{
    [Fact]
    public async Task Site_on_postgres_migrates_at_start_and_converts_an_upload()
    {
        using var site = new SiteFactory();
        site.Settings["Database:Provider"] = "Postgres";
        site.Settings["ConnectionStrings:Default"] = await PostgresServer.CreateDatabaseAsync();
        var client = await UserStories.SignedInUserAsync(site);

        var response = await UserStories.UploadAsync(client, [Fixtures.File("apple.png")]);

        var conversion = Assert.Single(await Waiting.ForBatchAsync(site, Waiting.BatchIdFrom(response)));
        Assert.Equal(ConversionState.Succeeded, conversion.State);
        Assert.Equal(HttpStatusCode.OK, (await client.Http.GetAsync($"/files/{conversion.Id}/model.glb")).StatusCode);
        await using var db = site.CreateDbContext();
        Assert.IsType<PostgresDbContext>(db);
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        // Data Protection keys live in the database, so every node can read every cookie.
        Assert.NotEmpty(await db.DataProtectionKeys.ToListAsync());
    }

    [Fact]
    public async Task Api_upload_on_postgres_streams_to_task_completed()
    {
        using var site = new SiteFactory();
        site.Settings["Database:Provider"] = "Postgres";
        site.Settings["ConnectionStrings:Default"] = await PostgresServer.CreateDatabaseAsync();
        site.Settings["Api:StreamPollInterval"] = "00:00:00.200";
        var script = await ApiStories.ScriptAsync(site);

        var upload = await ApiStories.UploadAsync(script, "apple.png", "horse.png");
        var stream = await ServerSentEvents.ReadToEndAsync(site.CreateClient(), $"/api/v1/status/tasks/{upload.GetProperty("task_id").GetString()}/stream");

        var final = stream.Events[^1];
        Assert.Equal("task_completed", final.Name);
        Assert.Equal(2, final.Data.GetProperty("result").GetProperty("successful_files").GetInt32());
    }
}
