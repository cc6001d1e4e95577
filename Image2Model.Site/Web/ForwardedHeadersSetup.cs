using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace Image2Model.Site.Web;

public sealed class TrustedProxyOptions
{
    public const string Section = "ForwardedHeaders";

    /// <summary>Addresses of the reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed, e.g. "10.0.0.2".</summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Networks of such proxies in CIDR form, e.g. "172.18.0.0/16" for a Docker network.</summary>
    public string[] KnownNetworks { get; set; } = [];
}

/// <summary>
/// X-Forwarded-For and X-Forwarded-Proto are honoured only from the proxies named in
/// <c>ForwardedHeaders:KnownProxies</c> / <c>KnownNetworks</c> (loopback when none are named). From
/// anyone else they are ignored, so a client cannot pick its own address (and dodge the sign-in
/// limits) or claim HTTPS. This also holds when ASPNETCORE_FORWARDEDHEADERS_ENABLED is set, which
/// on its own would trust every sender.
/// </summary>
public static class ForwardedHeadersSetup
{
    public static IServiceCollection AddTrustedForwardedHeaders(this IServiceCollection services, IConfiguration configuration)
    {
        var trusted = configuration.GetSection(TrustedProxyOptions.Section).Get<TrustedProxyOptions>() ?? new();
        var proxies = trusted.KnownProxies.Where(p => !string.IsNullOrWhiteSpace(p)).Select(p => IPAddress.Parse(p.Trim())).ToList();
        var networks = trusted.KnownNetworks.Where(n => !string.IsNullOrWhiteSpace(n)).Select(n => System.Net.IPNetwork.Parse(n.Trim())).ToList();
        // PostConfigure: runs after the framework's own setup for ASPNETCORE_FORWARDEDHEADERS_ENABLED, which empties both lists.
        services.PostConfigure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // Only the entry our own proxy appended counts; anything before it came from the client.
            o.ForwardLimit = 1;
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            if (proxies.Count == 0 && networks.Count == 0)
            {
                // Empty lists would mean "trust everyone"; with nothing configured, trust only this machine.
                o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse("127.0.0.0/8"));
                o.KnownProxies.Add(IPAddress.IPv6Loopback);
                return;
            }

            proxies.ForEach(o.KnownProxies.Add);
            networks.ForEach(o.KnownIPNetworks.Add);
        });
        return services;
    }
}
