using System.Diagnostics;
using Image2Model.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Image2Model.Tests.Browser;

/// <summary>
/// The site on real Kestrel (loopback, random port) and Debian's Chromium driven by Playwright.
/// Chromium is installed by scripts/install-chromium.sh when missing; no browser is ever downloaded.
/// </summary>
public class BrowserFixture : IAsyncLifetime
{
    private const string ChromiumPath = "/usr/bin/chromium";
    private IPlaywright? _playwright;

    public BrowserFixture()
        : this(new SiteFactory())
    {
    }

    /// <summary>For fixtures whose site needs test services of its own.</summary>
    protected BrowserFixture(SiteFactory site) => Site = site;

    public SiteFactory Site { get; }

    public IBrowser Browser { get; private set; } = null!;

    public string BaseUrl { get; private set; } = "";

    public async Task InitializeAsync()
    {
        await EnsureChromiumAsync();
        Configure(Site.Settings);
        Site.UseKestrel(0);
        Site.StartServer();
        BaseUrl = Site.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First().Replace("[::]", "127.0.0.1");
        Site.ClientOptions.BaseAddress = new Uri(BaseUrl);
        await Site.EnsureAdminAsync();

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // The machine has no network: keep Chromium from trying to reach Google's services.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                "--use-angle=swiftshader", "--enable-unsafe-swiftshader"],
        });
    }

    /// <summary>Settings for the site, before it starts.</summary>
    protected virtual void Configure(Dictionary<string, string?> settings)
    {
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        Site.Dispose();
    }

    private static async Task EnsureChromiumAsync()
    {
        if (File.Exists(ChromiumPath))
        {
            return;
        }

        var script = Path.Combine(Repository.Root(), "scripts", "install-chromium.sh");
        using var install = Process.Start(new ProcessStartInfo("bash", script) { RedirectStandardError = true })!;
        var errors = await install.StandardError.ReadToEndAsync();
        await install.WaitForExitAsync();
        Assert.True(install.ExitCode == 0 && File.Exists(ChromiumPath), $"Could not install Chromium: {errors}");
    }
}
