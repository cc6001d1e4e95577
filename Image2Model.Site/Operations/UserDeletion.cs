using Image2Model.Site.Accounts;
using Image2Model.Site.Conversions;
using Image2Model.Site.Data;
using Image2Model.Site.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Image2Model.Site.Operations;

/// <summary>
/// Deletes an account with everything it owns: conversions, batches, tokens (by cascade), and the
/// stored files no other account's conversion uses (blobs are content-addressed, so two people who
/// uploaded the same photo share one file).
/// </summary>
public sealed class UserDeletion(AppDbContext db, UserManager<AppUser> users, BlobStore blobs, Audit.AuditLog audit, ILogger<UserDeletion> logger)
{
    public sealed record Summary(int Models, long StoredBytes);

    public async Task<Summary> SummarizeAsync(string userId, CancellationToken cancellationToken = default)
    {
        var sizes = await db.Conversions.Where(c => c.OwnerId == userId).Select(c => new { c.OriginalSize, c.ModelSize }).ToListAsync(cancellationToken);
        return new Summary(sizes.Count, sizes.Sum(s => s.OriginalSize + (s.ModelSize ?? 0)));
    }

    /// <summary>False when the account is the last admin: the site would have nobody to run it.</summary>
    public async Task<bool> IsLastAdminAsync(AppUser user) =>
        await users.IsInRoleAsync(user, AccountsRegistration.AdminRole)
        && (await users.GetUsersInRoleAsync(AccountsRegistration.AdminRole)).Count == 1;

    public async Task DeleteAsync(AppUser user, CancellationToken cancellationToken = default)
    {
        var userId = user.Id;
        var keys = (await db.Conversions.Where(c => c.OwnerId == userId)
                .Select(c => new { c.OriginalBlob, c.ThumbnailBlob, c.ModelBlob, c.PreviewBlob })
                .ToListAsync(cancellationToken))
            .SelectMany(c => new[] { c.OriginalBlob, c.ThumbnailBlob, c.ModelBlob, c.PreviewBlob })
            .OfType<string>()
            .ToHashSet();

        // Rows first, in one transaction: the database is the source of truth, so a crash after it
        // leaves only unreferenced files, which housekeeping removes.
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            await db.Conversions.Where(c => c.OwnerId == userId).ExecuteDeleteAsync(cancellationToken);
            await db.Batches.Where(b => b.OwnerId == userId).ExecuteDeleteAsync(cancellationToken);
            var result = await users.DeleteAsync(user);
            if (!result.Succeeded)
            {
                throw new InvalidOperationException(string.Join(" ", result.Errors.Select(e => e.Description)));
            }

            await transaction.CommitAsync(cancellationToken);
        }

        await audit.RecordAsync(Audit.AuditActions.UserDeleted, userId, user.Email, cancellationToken: cancellationToken);

        // Another user's upload may be reusing one of these files right now (it touches the file).
        var checkedAt = DateTime.UtcNow;
        var stillUsed = await db.Conversions
            .Where(c => keys.Contains(c.OriginalBlob) || keys.Contains(c.ThumbnailBlob!) || keys.Contains(c.ModelBlob!) || keys.Contains(c.PreviewBlob!))
            .Select(c => new { c.OriginalBlob, c.ThumbnailBlob, c.ModelBlob, c.PreviewBlob })
            .ToListAsync(cancellationToken);
        keys.ExceptWith(stillUsed.SelectMany(c => new[] { c.OriginalBlob, c.ThumbnailBlob, c.ModelBlob, c.PreviewBlob }).OfType<string>());
        var deleted = keys.Count(key => blobs.DeleteIfUnusedSince(key, checkedAt));

        logger.LogInformation("Account {UserId} deleted with its conversions and {Files} stored files", userId, deleted);
    }
}
