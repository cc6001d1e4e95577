using System.Net;
using Image2Model.Site.Conversions;
using Image2Model.Site.Data;
using Image2Model.Site.Generators.Remote;
using Image2Model.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace Image2Model.Tests.Operations;

public sealed class MetricsTests
{
    [Fact]
    public async Task Metrics_are_off_unless_enabled()
    {
        using var factory = new SiteFactory();
        KestrelSite.Start(factory);
        var client = KestrelSite.Client(factory).Http;

        var response = await client.GetAsync("/metrics");

        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("# TYPE", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_scraper_on_an_allowed_address_reads_queue_conversion_upload_http_and_runtime_metrics()
    {
        using var factory = new SiteFactory();
        factory.Settings["Metrics:Enabled"] = "true";
        factory.Settings["Metrics:QueueDepthCacheDuration"] = "00:00:00";
        KestrelSite.Start(factory);
        var user = await KestrelSite.SignedInUserAsync(factory);
        var upload = await UserStories.UploadAsync(user, [Fixtures.File("coffee.png")]);
        await Waiting.ForBatchAsync(factory, Waiting.BatchIdFrom(upload));

        // Scrapers come without a cookie.
        var scraper = KestrelSite.Client(factory).Http;
        var response = await scraper.GetAsync("/metrics");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("image2model_queue_depth{", body);
        Assert.Contains("state=\"succeeded\"", body);
        Assert.Contains("image2model_conversions_claims_total", body);
        Assert.Contains("image2model_conversion_duration_seconds_bucket{", body);
        Assert.Contains("generator=\"local\"", body);
        Assert.Contains("outcome=\"succeeded\"", body);
        Assert.Contains("image2model_uploads_size_bytes_total", body);
        Assert.Contains("image2model_uploads_files_total", body);
        Assert.Contains("http_server_request_duration_seconds_bucket{", body);
        Assert.Contains("http_client_request_duration_seconds_bucket{", body);
        Assert.Contains("dotnet_gc_collections_total", body);
        var succeeded = body.Split('\n').Single(l => l.StartsWith("image2model_queue_depth{") && l.Contains("state=\"succeeded\""));
        Assert.True(double.Parse(succeeded.Split(' ')[1]) >= 1, succeeded);
    }

    [Fact]
    public async Task A_scraper_outside_the_allowed_networks_gets_404()
    {
        using var factory = new SiteFactory();
        factory.Settings["Metrics:Enabled"] = "true";
        factory.Settings["Metrics:AllowedNetworks:0"] = "10.0.0.0/8";
        factory.Settings["Metrics:AllowedNetworks:1"] = "";
        KestrelSite.Start(factory);

        var response = await KestrelSite.Client(factory).Http.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain("image2model", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Claims_count_and_a_claim_of_an_expired_lease_counts_as_a_takeover()
    {
        var connectionString = $"Data Source=metrics-{Guid.NewGuid():N};Mode=Memory;Cache=Shared";
        await using var keepAlive = new SqliteConnection(connectionString);
        await keepAlive.OpenAsync();
        AppDbContext NewDb() => new SqliteDbContext(new DbContextOptionsBuilder<SqliteDbContext>().UseSqlite(connectionString).Options);
        await using (var db = NewDb())
        {
            await db.Database.MigrateAsync();
            var batch = new Batch { OwnerId = "alice", CreatedAt = DateTime.UtcNow };
            batch.Conversions.Add(new Conversion { OwnerId = "alice", FileName = "a.png", OriginalBlob = new string('0', 64), ContentType = "image/png", Generator = "local", CreatedAt = DateTime.UtcNow });
            db.Batches.Add(batch);
            await db.SaveChangesAsync();
        }

        using var metrics = new MetricRecorder();
        var lease = TimeSpan.FromSeconds(30);
        await using (var db = NewDb())
        {
            Assert.NotNull(await new WorkQueue(db, TimeProvider.System).ClaimNextAsync("node-a", lease, [], default));
        }

        Assert.Equal(1, metrics.Sum("image2model.conversions.claims"));
        Assert.Equal(0, metrics.Sum("image2model.conversions.lease_takeovers"));

        // node-a dies: its lease runs out and node-b takes the work over.
        await using (var db = NewDb())
        {
            await db.Conversions.ExecuteUpdateAsync(s => s.SetProperty(c => c.LeaseExpiresAt, DateTime.UtcNow.AddMinutes(-1)));
            Assert.NotNull(await new WorkQueue(db, TimeProvider.System).ClaimNextAsync("node-b", lease, [], default));
        }

        Assert.Equal(2, metrics.Sum("image2model.conversions.claims"));
        Assert.Equal(1, metrics.Sum("image2model.conversions.lease_takeovers"));
    }

    [Fact]
    public async Task Provider_errors_are_counted_by_kind()
    {
        await using var provider = WebApplication.CreateBuilder().Build();
        provider.Urls.Add("http://127.0.0.1:0");
        provider.MapGet("/busy", () => Results.StatusCode(429));
        provider.MapGet("/broken", () => Results.StatusCode(503));
        provider.MapGet("/key", () => Results.StatusCode(401));
        provider.MapGet("/fine", () => Results.Ok());
        await provider.StartAsync();
        using var metrics = new MetricRecorder();
        using var http = new HttpClient(new ProviderTraceHandler("fal", "x-fal-request-id", NullLogger.Instance) { InnerHandler = new HttpClientHandler() })
        {
            BaseAddress = new Uri(provider.Urls.Single()),
        };

        foreach (var path in new[] { "/busy", "/broken", "/key", "/fine" })
        {
            (await http.GetAsync(path)).Dispose();
        }

        await provider.StopAsync();
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync("/fine"));

        Assert.Equal(1, metrics.Sum("image2model.provider.errors", ("client", "fal"), ("kind", "rate_limited")));
        Assert.Equal(1, metrics.Sum("image2model.provider.errors", ("client", "fal"), ("kind", "server_error")));
        Assert.Equal(1, metrics.Sum("image2model.provider.errors", ("client", "fal"), ("kind", "unauthorized")));
        Assert.Equal(1, metrics.Sum("image2model.provider.errors", ("client", "fal"), ("kind", "network")));
        Assert.Equal(4, metrics.Sum("image2model.provider.errors"));
    }
}
