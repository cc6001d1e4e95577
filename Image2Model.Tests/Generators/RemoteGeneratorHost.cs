using Image2Model.Site.Conversions;
using Image2Model.Site.Generators.Fal;
using Image2Model.Site.Generators.Hunyuan3D;
using Image2Model.Site.Generators.Tripo;
using Image2Model.Tests.Fakes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Image2Model.Tests.Generators;

/// <summary>
/// The generators as the site registers them (the real extension methods), with configuration
/// pointing at a fake server and short delays so tests stay fast.
/// </summary>
public sealed class RemoteGeneratorHost : IDisposable
{
    private readonly IHost _host;

    private RemoteGeneratorHost(IHost host, IGenerator generator)
    {
        _host = host;
        Generator = generator;
    }

    public IGenerator Generator { get; }

    public static Dictionary<string, string?> FastSettings(string section) => new()
    {
        [$"{section}:Deadline"] = "00:00:10",
        [$"{section}:PollInterval"] = "00:00:00.020",
        [$"{section}:Http:Retry:Delay"] = "00:00:00.010",
        [$"{section}:Http:Retry:MaxRetryAttempts"] = "4",
        [$"{section}:Http:AttemptTimeout:Timeout"] = "00:00:05",
        [$"{section}:Http:TotalRequestTimeout:Timeout"] = "00:00:20",
        [$"{section}:Http:CircuitBreaker:SamplingDuration"] = "00:00:30",
        // Scripted fault bursts must not trip the breaker, except in the test about it.
        [$"{section}:Http:CircuitBreaker:MinimumThroughput"] = "1000",
        ["Generators:RemoteFiles:Http:Retry:Delay"] = "00:00:00.010",
    };

    public static RemoteGeneratorHost ForFal(FakeFalServer fake, Action<Dictionary<string, string?>>? configure = null)
    {
        var settings = FastSettings(FalOptions.Section);
        settings["FAL_KEY"] = FakeServer.Key;
        settings[$"{FalOptions.Section}:QueueUrl"] = fake.Root.ToString();
        settings[$"{FalOptions.Section}:RestUrl"] = fake.Root.ToString();
        configure?.Invoke(settings);
        return Build(settings, b => b.AddFalTripoGenerator(), "fal-tripo");
    }

    public static RemoteGeneratorHost ForTripo(FakeTripoServer fake, Action<Dictionary<string, string?>>? configure = null)
    {
        var settings = FastSettings(TripoOptions.Section);
        settings["TRIPO_API_KEY"] = FakeServer.Key;
        settings[$"{TripoOptions.Section}:BaseUrl"] = fake.BaseUrl.ToString();
        configure?.Invoke(settings);
        return Build(settings, b => b.AddTripoGenerator(), "tripo");
    }

    public static RemoteGeneratorHost ForHunyuan3D(FakeHunyuan3DServer fake, Action<Dictionary<string, string?>>? configure = null)
    {
        var settings = FastSettings(Hunyuan3DOptions.Section);
        settings[$"{Hunyuan3DOptions.Section}:BaseUrl"] = fake.Root.ToString();
        configure?.Invoke(settings);
        return Build(settings, b => b.AddHunyuan3DGenerator(), "hunyuan3d");
    }

    private static RemoteGeneratorHost Build(Dictionary<string, string?> settings, Action<IHostApplicationBuilder> register, string name)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        register(builder);
        var host = builder.Build();
        var generator = host.Services.GetServices<IGenerator>().Single(g => g.Name == name);
        return new RemoteGeneratorHost(host, generator);
    }

    public static GenerationRequest Request(string? resumeState = null, GenerationOptions? options = null) =>
        new(Guid.NewGuid(), "chair.png", "image/png", Photo, options ?? new GenerationOptions(), resumeState);

    /// <summary>Stands in for an uploaded photo: the generators pass the bytes through untouched.</summary>
    public static byte[] Photo { get; } = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 7, 7, 7];

    public T Options<T>()
        where T : class => _host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<T>>().Value;

    public void Dispose() => _host.Dispose();
}
