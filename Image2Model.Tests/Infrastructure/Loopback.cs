using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Image2Model.Tests.Infrastructure;

/// <summary>
/// The site on real HTTP on loopback (Kestrel), and browsers that connect from a chosen loopback
/// address (all of 127.0.0.0/8 is this machine), so the site sees genuinely different clients.
/// </summary>
public static class Loopback
{
    /// <summary>Starts <paramref name="site"/> on Kestrel on a free port; call before anything else touches it.</summary>
    public static Uri Start(SiteFactory site)
    {
        site.UseKestrel(0);
        site.StartServer();
        return new Uri(site.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
    }

    /// <summary>A browser (cookies, no redirects followed) whose connections come from <paramref name="from"/>.</summary>
    public static SiteClient Client(Uri site, string from = "127.0.0.1", CookieContainer? cookies = null)
    {
        var local = IPAddress.Parse(from);
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = true,
            CookieContainer = cookies ?? new CookieContainer(),
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(local, 0));
                    await socket.ConnectAsync(context.DnsEndPoint.Host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(context.DnsEndPoint.Host), context.DnsEndPoint.Port, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new SiteClient(new HttpClient(handler) { BaseAddress = site });
    }
}
