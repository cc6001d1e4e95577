using System.Net;
using Image2Model.Site.Conversions;
using Image2Model.Site.Data;
using Image2Model.Tests.Api;
using Image2Model.Tests.Infrastructure;
using Image2Model.Site.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

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
    public async Task Two_nodes_share_one_clustered_housekeeping_scheduler_and_each_keeps_its_own_dispatcher()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        using var first = Node(database);
        using var second = Node(database);

        var firstSchedulers = first.Services.GetRequiredService<ISchedulerFactory>();
        var secondSchedulers = second.Services.GetRequiredService<ISchedulerFactory>();
        var clustered = (await firstSchedulers.LookupScheduler(ConversionsRegistration.ClusterScheduler))!;
        var otherClustered = (await secondSchedulers.LookupScheduler(ConversionsRegistration.ClusterScheduler))!;

        var metadata = await clustered.GetMetadata();
        Assert.True(metadata.JobStoreClustered);
        Assert.NotEqual(await clustered.GetSchedulerInstanceId(), await otherClustered.GetSchedulerInstanceId());
        Assert.True(await clustered.Exists(HousekeepingJob.Key));
        var node = (await firstSchedulers.LookupScheduler(ConversionsRegistration.NodeScheduler))!;
        Assert.True(await node.Exists(DispatchJob.Key));
        Assert.False(await node.Exists(HousekeepingJob.Key));
        // Work still flows through each node's own dispatcher.
        var client = await UserStories.SignedInUserAsync(second);
        var conversion = Assert.Single(await Waiting.ForBatchAsync(second, Waiting.BatchIdFrom(await UserStories.UploadAsync(client, [Fixtures.File("apple.png")]))));
        Assert.Equal(ConversionState.Succeeded, conversion.State);
    }

    private static SiteFactory Node(string database)
    {
        var site = new SiteFactory();
        site.Settings["Database:Provider"] = "Postgres";
        site.Settings["ConnectionStrings:Default"] = database;
        return site;
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
