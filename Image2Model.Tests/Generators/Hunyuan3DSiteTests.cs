using Image2Model.Site.Conversions;
using Image2Model.Site.Storage;
using Image2Model.Tests.Fakes;
using Image2Model.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Image2Model.Tests.Generators;

/// <summary>The hunyuan3d generator inside the whole site: upload form, runner, database, restart.</summary>
public sealed class Hunyuan3DSiteTests : IAsyncLifetime
{
    private static readonly Dictionary<string, string> Hunyuan3D = new() { ["Input.Generator"] = "hunyuan3d" };

    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("image2model-hunyuan-").FullName;
    private FakeHunyuan3DServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeHunyuan3DServer.StartNewAsync();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private SiteFactory Site(bool configured = true)
    {
        var site = new SiteFactory();
        site.Settings["ConnectionStrings:Default"] = $"Data Source={Path.Combine(_dataDirectory, "image2model.db")}";
        site.Settings["Storage:DataDirectory"] = _dataDirectory;
        site.Settings["Conversions:ShutdownGracePeriod"] = "00:00:00.500";
        foreach (var (key, value) in RemoteGeneratorHost.FastSettings("Generators:Hunyuan3D"))
        {
            site.Settings[key] = value;
        }

        site.Settings["Generators:Hunyuan3D:Deadline"] = "00:01:00";
        site.Settings["Generators:Hunyuan3D:BaseUrl"] = configured ? _server.Root.ToString() : "";
        return site;
    }

    [Fact]
    public async Task Site_restarted_in_the_middle_of_a_hunyuan3d_job_finishes_it_with_exactly_one_send()
    {
        _server.WorkPolls = int.MaxValue;
        Guid batchId;
        using (var first = Site())
        {
            var client = await UserStories.SignedInUserAsync(first);
            batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(client, [Fixtures.File("apple.png")], Hunyuan3D));
            await Waiting.UntilAsync(() => _server.RequestsTo("status").Count >= 2, "the site to poll the job");
            await using var db = first.CreateDbContext();
            var running = await db.Conversions.AsNoTracking().SingleAsync(c => c.BatchId == batchId);
            Assert.Equal(ConversionState.Running, running.State);
            Assert.Contains(_server.Jobs.Keys.Single(), running.ResumeState);
        }

        _server.WorkPolls = 0;
        using var second = Site();
        _ = second.Services;

        var conversion = Assert.Single(await Waiting.ForBatchAsync(second, batchId));

        Assert.True(conversion.State == ConversionState.Succeeded, conversion.Message);
        Assert.Equal(1, _server.SendCount);
        var glb = await second.Services.GetRequiredService<BlobStore>().ReadAllAsync(conversion.ModelBlob!);
        Assert.Equal(_server.Jobs.Values.Single().Glb, glb);
        // The photo went as the downscaling left it: an upright 224 px PNG with transparency stays a PNG.
        var image = Convert.FromBase64String(FakeHunyuan3DServer.Parse(_server.RequestsTo("send").Single()).GetProperty("image").GetString()!);
        Assert.Equal(0x89, image[0]);
    }

    [Fact]
    public async Task Upload_form_offers_hunyuan3d_only_when_its_server_is_set()
    {
        using var configured = Site();
        using var unconfigured = Site(configured: false);

        var with = await (await UserStories.SignedInUserAsync(configured)).GetPageAsync("/upload");
        var without = await (await UserStories.SignedInUserAsync(unconfigured)).GetPageAsync("/upload");

        Assert.NotNull(with.QuerySelector("input[name='Input.Generator'][value='hunyuan3d']"));
        Assert.Null(without.QuerySelector("input[name='Input.Generator'][value='hunyuan3d']"));
    }
}
