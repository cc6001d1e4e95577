using Image2Model.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Image2Model.Tests.Operations;

public static class KestrelSite
{
    /// <summary>
    /// Starts the site on a real loopback port (so requests have a real remote address) and points
    /// the factory's clients at it.
    /// </summary>
    public static Uri Start(SiteFactory factory)
    {
        factory.UseKestrel(0);
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First().Replace("[::]", "127.0.0.1");
        factory.ClientOptions.BaseAddress = new Uri(address);
        return factory.ClientOptions.BaseAddress;
    }

    /// <summary>
    /// A browser-like client of the Kestrel site: cookies kept, redirects not followed (the
    /// factory's own clients follow them once the site runs on Kestrel).
    /// </summary>
    public static SiteClient Client(SiteFactory factory) =>
        new(new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true }) { BaseAddress = factory.ClientOptions.BaseAddress });

    /// <summary>A new client of the Kestrel site, signed in as a newly registered user.</summary>
    public static async Task<SiteClient> SignedInUserAsync(SiteFactory factory)
    {
        await factory.EnsureAdminAsync();
        var client = Client(factory);
        var email = $"user-{Guid.NewGuid():N}@example.com";
        await UserStories.RegisterAsync(client, email);
        Assert.Equal(System.Net.HttpStatusCode.Redirect, (await UserStories.SignInAsync(client, email)).StatusCode);
        return client;
    }
}
