using Image2Model.Site.Accounts;
using Image2Model.Site.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Image2Model.Tests.Infrastructure;

/// <summary>
/// The whole site in memory: a real SQLite database in memory (held open by one connection for
/// the factory's lifetime), real blob files in a temp directory, the real Quartz dispatcher.
/// </summary>
public class SiteFactory : WebApplicationFactory<Program>
{
    private readonly SqliteConnection _keepAlive;
    private readonly Dictionary<string, string?> _settings = [];

    public SiteFactory()
    {
        DataDirectory = Directory.CreateTempSubdirectory("image2model-test-").FullName;
        ConnectionString = $"Data Source=image2model-{Guid.NewGuid():N};Mode=Memory;Cache=Shared";
        _keepAlive = new SqliteConnection(ConnectionString);
        _keepAlive.Open();
        Settings["ConnectionStrings:Default"] = ConnectionString;
        Settings["Storage:DataDirectory"] = DataDirectory;
        Settings["Conversions:PollInterval"] = "00:00:00.500";
        Settings["Conversions:MaxConcurrency"] = "2";
        Settings["RateLimits:UploadsPerMinute"] = "1000";
        Settings["RateLimits:AccountAttemptsPerMinute"] = "1000";
        // Each site would otherwise watch appsettings*.json with an inotify instance; a suite with
        // many sites alive at once runs into the per-user limit (128 by default) on a shared machine.
        Settings["hostBuilder:reloadConfigOnChange"] = "false";
    }

    public string DataDirectory { get; }

    public string ConnectionString { get; }

    /// <summary>Configuration overrides; change them before the first client is created.</summary>
    public Dictionary<string, string?> Settings => _settings;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(ConfigureTestServices);
    }

    protected virtual void ConfigureTestServices(IServiceCollection services)
    {
    }

    public const string AdminEmail = "admin@example.com";

    private readonly SemaphoreSlim _adminLock = new(1, 1);
    private bool _adminCreated;

    /// <summary>
    /// Registers the first account (which becomes admin) before any other, so the users tests
    /// create are plain users whatever order the tests run in.
    /// </summary>
    public async Task EnsureAdminAsync()
    {
        await _adminLock.WaitAsync();
        try
        {
            if (!_adminCreated)
            {
                await using var scope = Services.CreateAsyncScope();
                var result = await scope.ServiceProvider.GetRequiredService<Registration>().RegisterAsync(AdminEmail, UserStories.Password);
                Assert.True(result.Succeeded);
                _adminCreated = true;
            }
        }
        finally
        {
            _adminLock.Release();
        }
    }

    public SiteClient CreateSiteClient() =>
        new(CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true, BaseAddress = ClientOptions.BaseAddress }));

    /// <summary>A database context on the same in-memory database, for arranging and asserting.</summary>
    public AppDbContext CreateDbContext() => Services.CreateScope().ServiceProvider.GetRequiredService<AppDbContext>();

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _keepAlive.Dispose();
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
