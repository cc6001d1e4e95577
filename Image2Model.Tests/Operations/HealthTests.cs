using System.Net;
using System.Text.Json;
using Image2Model.Tests.Infrastructure;

namespace Image2Model.Tests.Operations;

public sealed class HealthTests
{
    [Fact]
    public async Task An_orchestrator_sees_a_live_and_ready_site_without_signing_in()
    {
        using var factory = new SiteFactory();
        var client = factory.CreateSiteClient().Http;

        var live = await client.GetAsync("/health/live");
        var ready = await client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("application/json", ready.Content.Headers.ContentType!.MediaType);
        using var json = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", json.RootElement.GetProperty("status").GetString());
        var checks = json.RootElement.GetProperty("checks");
        foreach (var name in new[] { "database", "data_directory", "scheduler", "generators" })
        {
            Assert.Equal("Healthy", checks.GetProperty(name).GetProperty("status").GetString());
        }

        var configured = checks.GetProperty("generators").GetProperty("data").GetProperty("configured").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("local", configured);
    }

    [Fact]
    public async Task Readiness_names_configured_generators_but_never_keys_or_connection_strings()
    {
        using var factory = new SiteFactory();
        factory.Settings["FAL_KEY"] = "fal-id:very-secret-fal-key";
        factory.Settings["TRIPO_API_KEY"] = "tsk_very-secret-tripo-key";
        var client = factory.CreateSiteClient().Http;

        var body = await client.GetStringAsync("/health/ready");

        Assert.Contains("fal-tripo", body);
        Assert.Contains("\"tripo\"", body);
        Assert.DoesNotContain("very-secret", body);
        Assert.DoesNotContain(factory.ConnectionString, body);
        Assert.DoesNotContain(factory.DataDirectory, body);
    }

    [Fact]
    public async Task A_data_directory_that_takes_no_files_makes_the_site_not_ready_but_still_live()
    {
        using var factory = new SiteFactory();
        var client = factory.CreateSiteClient().Http;
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);

        // The volume went away under the running site.
        Directory.Delete(factory.DataDirectory, recursive: true);

        var ready = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        using var json = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
        Assert.Equal("Unhealthy", json.RootElement.GetProperty("checks").GetProperty("data_directory").GetProperty("status").GetString());
        Assert.Equal("Healthy", json.RootElement.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
    }

    [Fact]
    public void The_probe_verb_exits_zero_only_for_a_healthy_answer()
    {
        using var factory = new SiteFactory();
        var address = KestrelSite.Start(factory);
        var errors = new StringWriter();

        Assert.Equal(0, Image2Model.Site.Operations.ProbeCommand.Run([new Uri(address, "/health/ready").ToString()], errors));
        Assert.Equal(1, Image2Model.Site.Operations.ProbeCommand.Run([new Uri(address, "/no-such-page").ToString()], errors));
        Assert.Equal(2, Image2Model.Site.Operations.ProbeCommand.Run([], errors));
    }
}
