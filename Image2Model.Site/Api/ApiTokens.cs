using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Image2Model.Site.Data;
using Microsoft.EntityFrameworkCore;

namespace Image2Model.Site.Api;

/// <summary>A newly created token and its secret, which exists only until the page showing it is gone.</summary>
public sealed record CreatedToken(ApiToken Token, string Secret);

/// <summary>Creating, listing, revoking and checking personal access tokens.</summary>
public sealed class ApiTokens(AppDbContext db, TimeProvider clock, Audit.AuditLog audit)
{
    public const string SecretPrefix = "i2m_";

    /// <summary>Last-used times are written at most this often, so a busy script does not write on every request.</summary>
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task<CreatedToken> CreateAsync(string userId, string name, CancellationToken cancellationToken)
    {
        var secret = SecretPrefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var token = new ApiToken
        {
            UserId = userId,
            Name = name.Trim(),
            Hash = HashOf(secret),
            Prefix = secret[..(SecretPrefix.Length + 6)],
            CreatedAt = Now,
        };
        db.ApiTokens.Add(token);
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(Audit.AuditActions.TokenCreated, userId, detail: token.Name, cancellationToken: cancellationToken);
        return new CreatedToken(token, secret);
    }

    public Task<List<ApiToken>> ListActiveAsync(string userId, CancellationToken cancellationToken) =>
        db.ApiTokens.AsNoTracking()
            .Where(t => t.UserId == userId && t.RevokedAt == null)
            .OrderByDescending(t => t.CreatedAt)
            .ToListAsync(cancellationToken);

    /// <summary>Revokes one of the user's tokens; someone else's id changes nothing.</summary>
    public async Task<bool> RevokeAsync(string userId, Guid id, CancellationToken cancellationToken)
    {
        var now = Now;
        var revoked = await db.ApiTokens
            .Where(t => t.Id == id && t.UserId == userId && t.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.RevokedAt, now), cancellationToken) == 1;
        if (revoked)
        {
            await audit.RecordAsync(Audit.AuditActions.TokenRevoked, userId, detail: id.ToString(), cancellationToken: cancellationToken);
        }

        return revoked;
    }

    /// <summary>The active token with this secret, or null; notes the use.</summary>
    public async Task<ApiToken?> UseAsync(string secret, CancellationToken cancellationToken)
    {
        if (!secret.StartsWith(SecretPrefix, StringComparison.Ordinal) || secret.Length > 100)
        {
            return null;
        }

        var hash = HashOf(secret);
        var found = await db.ApiTokens.AsNoTracking()
            .Where(t => t.Hash == hash && t.RevokedAt == null)
            .Select(t => new { Token = t, db.Users.Single(u => u.Id == t.UserId).LockoutEnd })
            .SingleOrDefaultAsync(cancellationToken);
        // A locked account's tokens stop working with it (admins lock accounts to shut them out).
        var token = found is not null && !(found.LockoutEnd > clock.GetUtcNow()) ? found.Token : null;
        var now = Now;
        var stale = now - LastUsedResolution;
        if (token is not null && (token.LastUsedAt is null || token.LastUsedAt < stale))
        {
            // Conditional, so concurrent requests write once per minute rather than once each.
            await db.ApiTokens
                .Where(t => t.Id == token.Id && (t.LastUsedAt == null || t.LastUsedAt < stale))
                .ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, now), cancellationToken);
        }

        return token;
    }

    public static string HashOf(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}
