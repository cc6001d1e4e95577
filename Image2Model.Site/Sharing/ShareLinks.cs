using System.Security.Cryptography;
using Image2Model.Site.Audit;
using Image2Model.Site.Conversions;
using Image2Model.Site.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;

namespace Image2Model.Site.Sharing;

/// <summary>
/// Creates, checks and revokes share links. Tokens are signed and time-limited by Data Protection,
/// whose keys live in the database, so a link made on one node opens on every other.
/// </summary>
public sealed class ShareLinks(AppDbContext db, IDataProtectionProvider dataProtection, AuditLog audit, TimeProvider clock)
{
    public static readonly IReadOnlyList<(string Value, string Label, TimeSpan Lifetime)> Lifetimes =
    [
        ("1h", "1 hour", TimeSpan.FromHours(1)),
        ("1d", "1 day", TimeSpan.FromDays(1)),
        ("7d", "7 days", TimeSpan.FromDays(7)),
        ("30d", "30 days", TimeSpan.FromDays(30)),
    ];

    private readonly ITimeLimitedDataProtector _protector =
        dataProtection.CreateProtector("Image2Model.ShareLinks.v1").ToTimeLimitedDataProtector();

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task<ShareLink> CreateAsync(Conversion conversion, string lifetime, CancellationToken cancellationToken)
    {
        var chosen = Lifetimes.FirstOrDefault(l => l.Value == lifetime);
        var link = new ShareLink
        {
            ConversionId = conversion.Id,
            OwnerId = conversion.OwnerId,
            CreatedAt = Now,
            ExpiresAt = Now + (chosen.Value is null ? TimeSpan.FromDays(7) : chosen.Lifetime),
        };
        db.Add(link);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(AuditActions.ShareLinkCreated, conversion.OwnerId, null, $"model {conversion.Id:N}, until {link.ExpiresAt:u}", cancellationToken);
        return link;
    }

    /// <summary>The token for a link's URL. Made again on every view of the model page; any of them opens the same link.</summary>
    public string TokenFor(ShareLink link) => _protector.Protect(link.Id.ToString("N"), new DateTimeOffset(DateTime.SpecifyKind(link.ExpiresAt, DateTimeKind.Utc)));

    public Task<List<ShareLink>> ForModelAsync(Guid conversionId, CancellationToken cancellationToken) =>
        db.Set<ShareLink>().AsNoTracking().Where(l => l.ConversionId == conversionId).OrderByDescending(l => l.CreatedAt).ToListAsync(cancellationToken);

    public async Task<bool> RevokeAsync(Guid conversionId, Guid linkId, CancellationToken cancellationToken) =>
        await db.Set<ShareLink>().Where(l => l.Id == linkId && l.ConversionId == conversionId && l.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.RevokedAt, Now), cancellationToken) == 1;

    /// <summary>
    /// The shared model, or null when the token is tampered, expired, revoked or its model is gone:
    /// the caller answers 404 for all of them alike.
    /// </summary>
    public async Task<SharedModel?> OpenAsync(string token, bool countUse, CancellationToken cancellationToken)
    {
        Guid id;
        try
        {
            id = Guid.ParseExact(_protector.Unprotect(token, out _), "N");
        }
        catch (Exception e) when (e is CryptographicException or FormatException)
        {
            return null;
        }

        var now = Now;
        var found = await db.Set<ShareLink>().AsNoTracking()
            .Where(l => l.Id == id && l.RevokedAt == null && l.ExpiresAt > now)
            .Join(db.Conversions, l => l.ConversionId, c => c.Id, (l, c) => new { Link = l, Conversion = c })
            .SingleOrDefaultAsync(cancellationToken);
        if (found is null || found.Conversion.ModelBlob is null)
        {
            return null;
        }

        if (countUse)
        {
            await db.Set<ShareLink>().Where(l => l.Id == id)
                .ExecuteUpdateAsync(s => s.SetProperty(l => l.Uses, l => l.Uses + 1).SetProperty(l => l.LastUsedAt, now), cancellationToken);
        }

        return new SharedModel(found.Link, found.Conversion);
    }
}

public sealed record SharedModel(ShareLink Link, Conversion Conversion);
