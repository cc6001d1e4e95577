using Image2Model.Site.Conversions;
using Image2Model.Site.Data;
using Microsoft.EntityFrameworkCore;

namespace Image2Model.Bench.Queue;

/// <summary>
/// The claim as it was before issue 12 (a correlated count of the owner's running conversions
/// for every candidate row), kept here verbatim so both are measured in the same run.
/// </summary>
internal static class LegacyClaim
{
    public static async Task<Conversion?> ClaimNextAsync(AppDbContext db, DateTime now, string node, TimeSpan lease, CancellationToken cancellationToken)
    {
        if (db.Database.IsNpgsql())
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var exclude = Array.Empty<Guid>();
            var id = await db.Database.SqlQuery<Guid>($"""
                SELECT c."Id" AS "Value" FROM "Conversions" AS c
                WHERE (c."State" = 'Pending' OR (c."State" = 'Running' AND c."LeaseExpiresAt" < {now}))
                  AND NOT (c."Id" = ANY({exclude}))
                ORDER BY (SELECT count(*) FROM "Conversions" AS r
                          WHERE r."OwnerId" = c."OwnerId" AND r."State" = 'Running' AND r."LeaseExpiresAt" >= {now}),
                         c."CreatedAt"
                LIMIT 1
                FOR UPDATE OF c SKIP LOCKED
                """).ToListAsync(cancellationToken);
            if (id.Count == 0 || !await TakeAsync(db, id[0], node, lease, now, cancellationToken))
            {
                return null;
            }

            await transaction.CommitAsync(cancellationToken);
            return await db.Conversions.AsNoTracking().SingleAsync(c => c.Id == id[0], cancellationToken);
        }

        var candidates = await db.Conversions
            .Where(c => c.State == ConversionState.Pending || (c.State == ConversionState.Running && c.LeaseExpiresAt < now))
            .OrderBy(c => db.Conversions.Count(r => r.OwnerId == c.OwnerId && r.State == ConversionState.Running && r.LeaseExpiresAt >= now))
            .ThenBy(c => c.CreatedAt)
            .Select(c => c.Id)
            .Take(8)
            .ToListAsync(cancellationToken);
        foreach (var candidate in candidates)
        {
            if (await TakeAsync(db, candidate, node, lease, now, cancellationToken))
            {
                return await db.Conversions.AsNoTracking().SingleAsync(c => c.Id == candidate, cancellationToken);
            }
        }

        return null;
    }

    private static async Task<bool> TakeAsync(AppDbContext db, Guid id, string node, TimeSpan lease, DateTime now, CancellationToken cancellationToken) =>
        await db.Conversions
            .Where(c => c.Id == id && (c.State == ConversionState.Pending || (c.State == ConversionState.Running && c.LeaseExpiresAt < now)))
            .ExecuteUpdateAsync(s => s
                .SetProperty(c => c.State, ConversionState.Running)
                .SetProperty(c => c.LeaseOwner, node)
                .SetProperty(c => c.LeaseExpiresAt, now + lease)
                .SetProperty(c => c.StartedAt, c => c.StartedAt ?? now), cancellationToken) == 1;
}
