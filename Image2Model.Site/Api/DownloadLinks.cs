using System.Security.Cryptography;
using Image2Model.Site.Conversions;
using Image2Model.Site.Data;
using Image2Model.Site.Web;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Image2Model.Site.Api;

/// <summary>
/// Links to one file that work without any header for a limited time, because clients hand them to
/// plain &lt;a href&gt;s and curl. The signature is Data Protection's, whose key ring lives in the
/// database, so a link made on one node opens on every other. It names the exact blob it was made
/// for, so after "Make it again" an old link does not open the new model, and it stops working
/// while its owner's account is locked.
/// </summary>
public sealed class DownloadLinks(IDataProtectionProvider dataProtection, IOptions<ApiOptions> options, IOptions<SiteOptions> site, TimeProvider clock)
{
    public const string Model = "model";
    public const string Preview = "preview";

    private readonly ITimeLimitedDataProtector _protector =
        dataProtection.CreateProtector("Image2Model.Api.DownloadLinks.v2").ToTimeLimitedDataProtector();

    /// <summary>
    /// An absolute URL for <paramref name="path"/> carrying a signature for this file, kind and blob.
    /// The host is <c>Site:PublicBaseUrl</c> when set; only otherwise the request's own.
    /// </summary>
    public string Create(HttpRequest request, string path, BatchItem conversion, string kind)
    {
        var query = QueryString.Create("sig", _protector.Protect(Payload(conversion, kind), options.Value.DownloadLinkLifetime));
        if (site.Value.PublicBaseUrl is { } publicBase)
        {
            return new Uri(publicBase, publicBase.AbsolutePath.TrimEnd('/') + path).ToString() + query;
        }

        return UriHelper.BuildAbsolute(request.Scheme, request.Host, request.PathBase, path, query);
    }

    /// <summary>
    /// Whether <paramref name="signature"/> was made for this file, kind and blob, has not expired,
    /// and its owner's account is not locked.
    /// </summary>
    public async Task<bool> AllowsAsync(string? signature, BatchItem conversion, string ownerId, string kind, AppDbContext db, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(signature))
        {
            return false;
        }

        try
        {
            if (_protector.Unprotect(signature, out _) != Payload(conversion, kind))
            {
                return false;
            }
        }
        catch (Exception e) when (e is CryptographicException or FormatException)
        {
            // Tampered, expired, or made with a key this site no longer has.
            return false;
        }

        // Compared here, not in SQL: SQLite cannot compare DateTimeOffset values.
        var lockedUntil = await db.Users.Where(u => u.Id == ownerId).Select(u => u.LockoutEnd).SingleOrDefaultAsync(cancellationToken);
        return !(lockedUntil > clock.GetUtcNow());
    }

    private static string Payload(BatchItem conversion, string kind) =>
        $"{kind}:{conversion.Id:N}:{(kind == Model ? conversion.ModelBlob : conversion.PreviewBlob)}";
}
