using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.Extensions.Options;

namespace Image2Model.Site.Api;

/// <summary>
/// Links to one file that work without any header for a limited time, because clients hand them to
/// plain &lt;a href&gt;s and curl. The signature is Data Protection's, whose key ring lives in the
/// database, so a link made on one node opens on every other.
/// </summary>
public sealed class DownloadLinks(IDataProtectionProvider dataProtection, IOptions<ApiOptions> options)
{
    public const string Model = "model";
    public const string Preview = "preview";

    private readonly ITimeLimitedDataProtector _protector =
        dataProtection.CreateProtector("Image2Model.Api.DownloadLinks.v1").ToTimeLimitedDataProtector();

    /// <summary>An absolute URL for <paramref name="path"/> carrying a signature for this file and kind.</summary>
    public string Create(HttpRequest request, string path, Guid fileId, string kind) =>
        UriHelper.BuildAbsolute(request.Scheme, request.Host, request.PathBase, path,
            QueryString.Create("sig", _protector.Protect(Payload(fileId, kind), options.Value.DownloadLinkLifetime)));

    /// <summary>Whether <paramref name="signature"/> was made for this file and kind and has not expired.</summary>
    public bool Allows(string? signature, Guid fileId, string kind)
    {
        if (string.IsNullOrEmpty(signature))
        {
            return false;
        }

        try
        {
            return _protector.Unprotect(signature, out _) == Payload(fileId, kind);
        }
        catch (Exception e) when (e is CryptographicException or FormatException)
        {
            // Tampered, expired, or made with a key this site no longer has.
            return false;
        }
    }

    private static string Payload(Guid fileId, string kind) => $"{kind}:{fileId:N}";
}
