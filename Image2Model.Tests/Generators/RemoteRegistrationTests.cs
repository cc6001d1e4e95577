using Image2Model.Site.Conversions;
using Image2Model.Site.Generators.Fal;
using Image2Model.Site.Generators.Tripo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Image2Model.Tests.Generators;

public sealed class RemoteRegistrationTests
{
    [Fact]
    public async Task With_no_configuration_at_all_both_generators_start_hidden_with_the_documented_defaults()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.AddFalTripoGenerator().AddTripoGenerator().AddFalTripoGenerator();
        using var host = builder.Build();
        await host.StartAsync();

        var generators = host.Services.GetServices<IGenerator>().ToList();
        Assert.Equal(["fal-tripo", "tripo"], generators.Select(g => g.Name));
        Assert.All(generators, g => Assert.False(g.IsConfigured));
        var fal = host.Services.GetRequiredService<IOptions<FalOptions>>().Value;
        Assert.Equal(new Uri("https://queue.fal.run"), fal.QueueUrl);
        Assert.Equal(new Uri("https://rest.fal.ai"), fal.RestUrl);
        Assert.Equal(TimeSpan.FromMinutes(15), fal.Deadline);
        Assert.Equal(TimeSpan.FromSeconds(1.5), fal.PollInterval);
        Assert.Equal(new Uri("https://api.tripo3d.ai/v2/openapi"), host.Services.GetRequiredService<IOptions<TripoOptions>>().Value.BaseUrl);
        // Building the clients validates the resilience options (timeouts versus sampling window).
        var clients = host.Services.GetRequiredService<IHttpClientFactory>();
        Assert.Null(clients.CreateClient("fal-tripo").DefaultRequestHeaders.Authorization);
        clients.CreateClient("tripo");
        clients.CreateClient("remote-files");
        await host.StopAsync();
    }

    [Fact]
    public void Keys_come_from_the_environment_style_values_and_urls_from_the_sections()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["FAL_KEY"] = "id:secret",
            ["TRIPO_API_KEY"] = "tsk_abc",
            ["Generators:FalTripo:QueueUrl"] = "http://127.0.0.1:9/queue",
            ["Generators:Tripo:BaseUrl"] = "http://127.0.0.1:9/tripo",
        });
        builder.AddFalTripoGenerator().AddTripoGenerator();
        using var host = builder.Build();

        Assert.All(host.Services.GetServices<IGenerator>(), g => Assert.True(g.IsConfigured));
        var clients = host.Services.GetRequiredService<IHttpClientFactory>();
        Assert.Equal("Key id:secret", string.Join("", clients.CreateClient("fal-tripo").DefaultRequestHeaders.GetValues("Authorization")));
        Assert.Equal("Bearer tsk_abc", clients.CreateClient("tripo").DefaultRequestHeaders.Authorization?.ToString());
        Assert.False(clients.CreateClient("remote-files").DefaultRequestHeaders.Contains("Authorization"));
        Assert.Equal(new Uri("http://127.0.0.1:9/queue"), host.Services.GetRequiredService<IOptions<FalOptions>>().Value.QueueUrl);
    }
}
