using System.Net;
using Image2Model.Site.Data;
using Image2Model.Tests.Fakes;
using Image2Model.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Image2Model.Tests.MultiNode;

/// <summary>
/// What the tests with real site processes share: a fake FAL on loopback, a PostgreSQL database of
/// their own and one data directory for every node.
/// </summary>
public abstract class ClusterTest : IAsyncLifetime
{
    protected string DataDirectory { get; } = Directory.CreateTempSubdirectory("image2model-nodes-").FullName;

    protected FakeFalServer Fal { get; private set; } = null!;

    protected string Database { get; private set; } = "";

    /// <summary>The database the nodes share; a test that restarts its server makes it elsewhere.</summary>
    protected virtual Task<string> CreateDatabaseAsync() => PostgresServer.CreateDatabaseAsync();

    public async Task InitializeAsync()
    {
        Fal = await FakeFalServer.StartNewAsync();
        Database = await CreateDatabaseAsync();
    }

    public virtual async Task DisposeAsync()
    {
        await Fal.DisposeAsync();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A browser-like client of one node; clients sharing <paramref name="cookies"/> are one browser.</summary>
    protected static SiteClient Client(SiteProcess node, CookieContainer cookies) =>
        new(new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies }) { BaseAddress = node.Root, Timeout = TimeSpan.FromSeconds(60) });

    protected PostgresDbContext CreateDbContext() =>
        new(new DbContextOptionsBuilder<PostgresDbContext>().UseNpgsql(Database).Options);
}
