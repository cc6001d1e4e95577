using Image2Model.Site.Data;
using Image2Model.Site.Operations;
using Microsoft.EntityFrameworkCore;

namespace Image2Model.Site.Conversions;

/// <summary>
/// The conversions table as a work queue. Every state change is one conditional UPDATE whose
/// WHERE clause says who may make it, so two nodes (or two dispatchers) can never both win.
/// </summary>
public sealed class WorkQueue(AppDbContext db, TimeProvider clock)
{
    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>
    /// Claims the next conversion for <paramref name="node"/>: Pending, or Running with an expired
    /// lease (its node died). Users with the fewest running conversions go first, then the oldest
    /// work, so one user's 25 photos do not starve everyone else. <paramref name="busy"/> are the
    /// conversions this node still runs (e.g. canceled and queued again while finishing): never claimed twice.
    /// </summary>
    public async Task<Conversion?> ClaimNextAsync(string node, TimeSpan lease, IReadOnlyCollection<Guid> busy, CancellationToken cancellationToken)
    {
        var now = Now;
        if (db.Database.IsNpgsql())
        {
            return await ClaimSkippingLockedAsync(node, lease, busy, now, cancellationToken);
        }

        // SQLite has one writer at a time: read a few candidates, then let the conditional
        // UPDATE decide; a candidate another dispatcher took first just matches no row.
        var candidates = await db.Conversions
            .Where(c => !busy.Contains(c.Id))
            .Where(c => c.State == ConversionState.Pending || (c.State == ConversionState.Running && c.LeaseExpiresAt < now))
            .OrderBy(c => db.Conversions.Count(r => r.OwnerId == c.OwnerId && r.State == ConversionState.Running && r.LeaseExpiresAt >= now))
            .ThenBy(c => c.CreatedAt)
            .Select(c => new { c.Id, Takeover = c.State == ConversionState.Running })
            .Take(8)
            .ToListAsync(cancellationToken);

        foreach (var (id, takeover) in candidates.Select(c => (c.Id, c.Takeover)))
        {
            if (await TakeAsync(id, node, lease, now, cancellationToken))
            {
                SiteMetrics.Claimed(takeover);
                return await db.Conversions.AsNoTracking().SingleAsync(c => c.Id == id, cancellationToken);
            }
        }

        return null;
    }

    /// <summary>
    /// PostgreSQL, many nodes: lock the best row nobody else has locked (FOR UPDATE SKIP LOCKED),
    /// so nodes never queue up behind each other's candidates, and take it in the same transaction.
    /// </summary>
    private async Task<Conversion?> ClaimSkippingLockedAsync(string node, TimeSpan lease, IReadOnlyCollection<Guid> busy, DateTime now, CancellationToken cancellationToken)
    {
        var exclude = busy.ToArray();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
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
        // The row is locked, so this read is exact (for the lease-takeover metric).
        var takeover = id.Count == 1 && await db.Conversions.AnyAsync(c => c.Id == id[0] && c.State == ConversionState.Running, cancellationToken);
        if (id.Count == 0 || !await TakeAsync(id[0], node, lease, now, cancellationToken))
        {
            return null;
        }

        await transaction.CommitAsync(cancellationToken);
        SiteMetrics.Claimed(takeover);
        return await db.Conversions.AsNoTracking().SingleAsync(c => c.Id == id[0], cancellationToken);
    }

    /// <summary>The claim itself: one conditional UPDATE that only one node can win.</summary>
    private async Task<bool> TakeAsync(Guid id, string node, TimeSpan lease, DateTime now, CancellationToken cancellationToken) =>
        await db.Conversions
            .Where(c => c.Id == id && (c.State == ConversionState.Pending || (c.State == ConversionState.Running && c.LeaseExpiresAt < now)))
            .ExecuteUpdateAsync(s => s
                .SetProperty(c => c.State, ConversionState.Running)
                .SetProperty(c => c.LeaseOwner, node)
                .SetProperty(c => c.LeaseExpiresAt, now + lease)
                .SetProperty(c => c.StartedAt, c => c.StartedAt ?? now), cancellationToken) == 1;

    /// <summary>Extends the leases of the given conversions; returns those this node still owns and runs.</summary>
    public async Task<HashSet<Guid>> RenewAsync(string node, IReadOnlyCollection<Guid> ids, TimeSpan lease, CancellationToken cancellationToken)
    {
        var expires = Now + lease;
        await Owned(node, ids).ExecuteUpdateAsync(s => s.SetProperty(c => c.LeaseExpiresAt, expires), cancellationToken);
        return (await Owned(node, ids).Select(c => c.Id).ToListAsync(cancellationToken)).ToHashSet();
    }

    /// <summary>Raises progress (never lowers it) and sets the status line.</summary>
    public Task ReportAsync(Guid id, string node, int percent, string message, CancellationToken cancellationToken)
    {
        percent = Math.Clamp(percent, 0, 100);
        message = Truncate(message);
        return Owned(node, [id]).ExecuteUpdateAsync(s => s
            .SetProperty(c => c.Progress, c => c.Progress > percent ? c.Progress : percent)
            .SetProperty(c => c.Message, message), cancellationToken);
    }

    public Task SaveResumeStateAsync(Guid id, string node, string state, CancellationToken cancellationToken) =>
        Owned(node, [id]).ExecuteUpdateAsync(s => s.SetProperty(c => c.ResumeState, state), cancellationToken);

    public async Task<bool> SucceedAsync(Guid id, string node, string modelBlob, long modelSize, string? previewBlob, int triangles, string message, CancellationToken cancellationToken) =>
        await Owned(node, [id]).ExecuteUpdateAsync(s => s
            .SetProperty(c => c.State, ConversionState.Succeeded)
            .SetProperty(c => c.Progress, 100)
            .SetProperty(c => c.Message, Truncate(message))
            .SetProperty(c => c.ModelBlob, modelBlob)
            .SetProperty(c => c.ModelSize, modelSize)
            .SetProperty(c => c.PreviewBlob, previewBlob)
            .SetProperty(c => c.Triangles, triangles)
            .SetProperty(c => c.LeaseOwner, (string?)null)
            .SetProperty(c => c.LeaseExpiresAt, (DateTime?)null)
            .SetProperty(c => c.FinishedAt, Now), cancellationToken) == 1;

    public Task FailAsync(Guid id, string node, string message, CancellationToken cancellationToken) =>
        Owned(node, [id]).ExecuteUpdateAsync(s => s
            .SetProperty(c => c.State, ConversionState.Failed)
            .SetProperty(c => c.Message, Truncate(message))
            .SetProperty(c => c.LeaseOwner, (string?)null)
            .SetProperty(c => c.LeaseExpiresAt, (DateTime?)null)
            .SetProperty(c => c.FinishedAt, Now), cancellationToken);

    /// <summary>Hands a conversion back to the queue (graceful shutdown); progress and resume state stay.</summary>
    public Task ReleaseAsync(Guid id, string node, CancellationToken cancellationToken) =>
        Owned(node, [id]).ExecuteUpdateAsync(s => s
            .SetProperty(c => c.State, ConversionState.Pending)
            .SetProperty(c => c.Message, "Waiting in the queue (the server restarted)")
            .SetProperty(c => c.LeaseOwner, (string?)null)
            .SetProperty(c => c.LeaseExpiresAt, (DateTime?)null), cancellationToken);

    /// <summary>Cancels a conversion that has not finished. Returns false when it already had.</summary>
    public async Task<bool> CancelAsync(Guid id, CancellationToken cancellationToken) =>
        await db.Conversions
            .Where(c => c.Id == id && (c.State == ConversionState.Pending || c.State == ConversionState.Running))
            .ExecuteUpdateAsync(s => s
                .SetProperty(c => c.State, ConversionState.Canceled)
                .SetProperty(c => c.Message, "Canceled")
                .SetProperty(c => c.LeaseOwner, (string?)null)
                .SetProperty(c => c.LeaseExpiresAt, (DateTime?)null)
                .SetProperty(c => c.FinishedAt, Now), cancellationToken) == 1;

    /// <summary>
    /// Queues a finished conversion again as a new attempt (retry after failure, or regenerate).
    /// A model it already has stays downloadable until the new one replaces it: nothing stored is lost.
    /// </summary>
    public async Task<bool> RequeueAsync(Guid id, CancellationToken cancellationToken) =>
        await db.Conversions
            .Where(c => c.Id == id && (c.State == ConversionState.Failed || c.State == ConversionState.Canceled || c.State == ConversionState.Succeeded))
            .ExecuteUpdateAsync(s => s
                .SetProperty(c => c.State, ConversionState.Pending)
                .SetProperty(c => c.Progress, 0)
                .SetProperty(c => c.Message, "Waiting in the queue")
                .SetProperty(c => c.Attempt, c => c.Attempt + 1)
                .SetProperty(c => c.ResumeState, (string?)null)
                .SetProperty(c => c.StartedAt, (DateTime?)null)
                .SetProperty(c => c.FinishedAt, (DateTime?)null), cancellationToken) == 1;

    private IQueryable<Conversion> Owned(string node, IReadOnlyCollection<Guid> ids) =>
        db.Conversions.Where(c => ids.Contains(c.Id) && c.LeaseOwner == node && c.State == ConversionState.Running);

    private static string Truncate(string message) => message.Length <= 1000 ? message : message[..997] + "…";
}
