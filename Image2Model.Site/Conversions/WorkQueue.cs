using Image2Model.Site.Data;
using Image2Model.Site.Operations;
using Microsoft.EntityFrameworkCore;

namespace Image2Model.Site.Conversions;

/// <summary>
/// The conversions table as a work queue. Every state change is one conditional UPDATE whose
/// WHERE clause says who may make it, so two nodes (or two dispatchers) can never both win.
/// </summary>
public sealed class WorkQueue(AppDbContext db, TimeProvider clock, GeneratorCatalog? generators = null)
{
    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>How many of the oldest claimable rows the fast path looks at before it asks every user's queue.</summary>
    internal const int Window = 256;

    /// <summary>
    /// Claims the next conversion for <paramref name="node"/>: Pending, or Running with an expired
    /// lease (its node died; those come first, they were already under way). Users with the fewest
    /// running conversions go first, then the oldest work, so one user's 25 photos (or a script's
    /// 50,000) do not starve everyone else. <paramref name="busy"/> are the conversions this node
    /// still runs (e.g. canceled and queued again while finishing): never claimed twice. Conversions
    /// for a generator this node has not configured are left for a node that has.
    /// </summary>
    /// <remarks>
    /// Fairness without a count per row: the running conversions are few (at most every node's
    /// slots), so their owners are one small aggregate. Nearly always the oldest claimable work
    /// of someone with nothing running lies among the <see cref="Window"/> oldest rows: one
    /// statement finds it, locks it and takes it. Only when those all belong to busy users does
    /// <see cref="ClaimByOwnerAsync"/> walk the users (one index probe each) and take the best
    /// user's oldest row.
    /// </remarks>
    public async Task<Conversion?> ClaimNextAsync(string node, TimeSpan lease, IReadOnlyCollection<Guid> busy, CancellationToken cancellationToken)
    {
        var now = Now;
        var unrunnable = Unrunnable();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var claim = new Claim(db.Database.IsNpgsql(), node, now, now + lease, busy, unrunnable);
            if (await ClaimOldestOfIdleOwnersAsync(claim, cancellationToken) is { } fast)
            {
                return fast;
            }

            var (conversion, workLeft) = await ClaimByOwnerAsync(claim.Fresh(), cancellationToken);
            if (conversion is not null || !workLeft)
            {
                return conversion;
            }

            // Work is there, but other nodes took every row we aimed at in the same instant: look again.
        }

        return null;
    }

    private IReadOnlyList<string> Unrunnable() =>
        generators is null ? [] : generators.All.Where(g => !g.IsConfigured).Select(g => g.Name).ToList();

    private async Task<Conversion?> ClaimOldestOfIdleOwnersAsync(Claim claim, CancellationToken cancellationToken)
    {
        // An expired lease first; else the oldest row, among the Window oldest, of a user with
        // nothing running. The bound (the Window-th oldest row's time) keeps the scan short even
        // when a busy user's thousands of rows come first. Subqueries in COALESCE run only when needed.
        var candidates = $"""
            coalesce(
              (SELECT e."Id" FROM "Conversions" AS e
               WHERE e."State" = 'Running' AND e."LeaseExpiresAt" < {claim.P(claim.Now)} AND {claim.Claimable("e")}
               ORDER BY e."LeaseExpiresAt" LIMIT 1{claim.SkipLocked("e")}),
              (SELECT c."Id" FROM "Conversions" AS c
               WHERE c."State" = 'Pending' AND {claim.Claimable("c")}
                 AND c."CreatedAt" <= coalesce(
                       (SELECT w."CreatedAt" FROM "Conversions" AS w WHERE w."State" = 'Pending' ORDER BY w."CreatedAt" LIMIT 1 OFFSET {Window - 1}),
                       {claim.P(DateTime.SpecifyKind(DateTime.MaxValue, DateTimeKind.Utc))})
                 AND c."OwnerId" NOT IN (SELECT r."OwnerId" FROM "Conversions" AS r WHERE r."State" = 'Running' AND r."LeaseExpiresAt" >= {claim.P(claim.Now)})
               ORDER BY c."CreatedAt" LIMIT 1{claim.SkipLocked("c")}))
            """;
        return await TakeAsync(claim, candidates, cancellationToken);
    }

    /// <summary>
    /// Every user with claimable work (a skip scan: one index probe per user, not per row), ordered
    /// by how many conversions they have running, then by their oldest work; takes the first
    /// user's oldest row that nobody else is taking.
    /// </summary>
    private async Task<(Conversion? Conversion, bool WorkLeft)> ClaimByOwnerAsync(Claim claim, CancellationToken cancellationToken)
    {
        var ownersClaim = claim.Fresh();
        // Every value is a parameter (P); only fixed SQL fragments are interpolated.
        var sql = $"""
            WITH RECURSIVE owners("OwnerId") AS (
                SELECT min(c."OwnerId") FROM "Conversions" AS c WHERE c."State" = 'Pending' AND {ownersClaim.Runnable("c")}
                UNION ALL
                SELECT (SELECT min(c."OwnerId") FROM "Conversions" AS c WHERE c."State" = 'Pending' AND {ownersClaim.Runnable("c")} AND c."OwnerId" > o."OwnerId")
                FROM owners AS o WHERE o."OwnerId" IS NOT NULL),
            running AS (
                SELECT r."OwnerId", count(*) AS "Count" FROM "Conversions" AS r
                WHERE r."State" = 'Running' AND r."LeaseExpiresAt" >= {ownersClaim.P(ownersClaim.Now)} GROUP BY r."OwnerId")
            SELECT o."OwnerId" AS "Value" FROM owners AS o LEFT JOIN running ON running."OwnerId" = o."OwnerId"
            WHERE o."OwnerId" IS NOT NULL
            ORDER BY coalesce(running."Count", 0),
                     (SELECT min(h."CreatedAt") FROM "Conversions" AS h WHERE h."State" = 'Pending' AND h."OwnerId" = o."OwnerId" AND {ownersClaim.Runnable("h")})
            LIMIT 8
            """;
        var owners = await db.Database.SqlQueryRaw<string>(sql, ownersClaim.Parameters).ToListAsync(cancellationToken);

        foreach (var owner in owners)
        {
            var ownerClaim = claim.Fresh();
            var oldest = $"""
                (SELECT c."Id" FROM "Conversions" AS c
                WHERE c."State" = 'Pending' AND c."OwnerId" = {ownerClaim.P(owner)} AND {ownerClaim.Claimable("c")}
                ORDER BY c."CreatedAt"
                LIMIT 1{ownerClaim.SkipLocked("c")})
                """;
            if (await TakeAsync(ownerClaim, oldest, cancellationToken) is { } conversion)
            {
                return (conversion, true);
            }
        }

        return (null, owners.Count > 0);
    }

    /// <summary>
    /// The claim itself: one conditional UPDATE of the row the candidate query picked. Its WHERE
    /// checks the state again, so only one node can win even where rows cannot be locked (SQLite).
    /// </summary>
    private async Task<Conversion?> TakeAsync(Claim claim, string candidate, CancellationToken cancellationToken)
    {
        var sql = $"""
            UPDATE "Conversions" SET "State" = 'Running', "LeaseOwner" = {claim.P(claim.Node)}, "LeaseExpiresAt" = {claim.P(claim.Until)},
                "StartedAt" = coalesce("StartedAt", {claim.P(claim.Now)})
            WHERE "Id" = {candidate}
              AND ("State" = 'Pending' OR ("State" = 'Running' AND "LeaseExpiresAt" < {claim.P(claim.Now)}))
            RETURNING *
            """;
        var taken = await db.Conversions.FromSqlRaw(sql, claim.Parameters).AsNoTracking().ToListAsync(cancellationToken);
        if (taken.Count != 1)
        {
            return null;
        }

        // Started before this claim: another run had it (a lease that expired, or work handed back at shutdown).
        SiteMetrics.Claimed(takeover: taken[0].StartedAt < claim.Now);
        return taken[0];
    }

    /// <summary>One claim's SQL parameters, written positionally as {0}, {1}… for FromSqlRaw (lists expanded, so SQLite needs no arrays).</summary>
    private sealed class Claim(bool postgres, string node, DateTime now, DateTime until, IReadOnlyCollection<Guid> busy, IReadOnlyList<string> unrunnable)
    {
        private readonly List<object> _parameters = [];

        public string Node => node;

        public DateTime Now => now;

        public DateTime Until => until;

        public object[] Parameters => [.. _parameters];

        public Claim Fresh() => new(postgres, node, now, until, busy, unrunnable);

        public string P(object value)
        {
            _parameters.Add(value);
            return $"{{{_parameters.Count - 1}}}";
        }

        /// <summary>Not for a generator this node lacks.</summary>
        public string Runnable(string alias) =>
            unrunnable.Count == 0 ? "TRUE" : $"{alias}.\"Generator\" NOT IN ({string.Join(", ", unrunnable.Select(g => P(g)))})";

        /// <summary>
        /// Still claimable (PostgreSQL checks this again on the newest version of a row it locks,
        /// so a row another node took a moment ago is stepped over, not returned), runnable here,
        /// and not still running on this node.
        /// </summary>
        public string Claimable(string alias)
        {
            var state = $"({alias}.\"State\" = 'Pending' OR ({alias}.\"State\" = 'Running' AND {alias}.\"LeaseExpiresAt\" < {P(now)}))";
            var mine = busy.Count == 0 ? "" : $" AND {alias}.\"Id\" NOT IN ({string.Join(", ", busy.Select(id => P(id)))})";
            return $"{state} AND {Runnable(alias)}{mine}";
        }

        /// <summary>PostgreSQL: step over rows another node is taking right now instead of queueing behind them.</summary>
        public string SkipLocked(string alias) => postgres ? $" FOR UPDATE OF {alias} SKIP LOCKED" : "";
    }

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

    /// <summary>False when the row is no longer this node's running conversion: nothing was saved.</summary>
    public async Task<bool> SaveResumeStateAsync(Guid id, string node, string state, CancellationToken cancellationToken) =>
        await Owned(node, [id]).ExecuteUpdateAsync(s => s.SetProperty(c => c.ResumeState, state), cancellationToken) == 1;

    public Task<string?> ResumeStateAsync(Guid id, CancellationToken cancellationToken) =>
        db.Conversions.Where(c => c.Id == id).Select(c => c.ResumeState).SingleOrDefaultAsync(cancellationToken);

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
    /// The resume state is kept only when the attempt failed after the provider had finished the
    /// job (<see cref="ResumeStates.FinishedAtProvider"/>): that job is fetched again rather than paid twice.
    /// </summary>
    public async Task<bool> RequeueAsync(Guid id, CancellationToken cancellationToken) =>
        await db.Conversions
            .Where(c => c.Id == id && (c.State == ConversionState.Failed || c.State == ConversionState.Canceled || c.State == ConversionState.Succeeded))
            .ExecuteUpdateAsync(s => s
                .SetProperty(c => c.State, ConversionState.Pending)
                .SetProperty(c => c.Progress, 0)
                .SetProperty(c => c.Message, "Waiting in the queue")
                .SetProperty(c => c.Attempt, c => c.Attempt + 1)
                .SetProperty(c => c.ResumeState, c => c.State == ConversionState.Failed && c.ResumeState!.Contains(ResumeStates.FinishedAtProvider) ? c.ResumeState : null)
                .SetProperty(c => c.StartedAt, (DateTime?)null)
                .SetProperty(c => c.FinishedAt, (DateTime?)null), cancellationToken) == 1;

    private IQueryable<Conversion> Owned(string node, IReadOnlyCollection<Guid> ids) =>
        db.Conversions.Where(c => ids.Contains(c.Id) && c.LeaseOwner == node && c.State == ConversionState.Running);

    private static string Truncate(string message) => message.Length <= 1000 ? message : message[..997] + "…";
}
