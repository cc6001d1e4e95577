using System.Security.Claims;
using Image2Model.Site.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Image2Model.Site.Audit;

/// <summary>What the audit log records; the names are stable (filters and exports use them).</summary>
public static class AuditActions
{
    public const string SignInFailed = "sign_in.failed";
    public const string LockedOut = "account.locked_out";
    public const string TokenCreated = "token.created";
    public const string TokenRevoked = "token.revoked";
    public const string ShareLinkCreated = "share_link.created";
    public const string UserDeleted = "user.deleted";
    public const string UserLocked = "admin.user_locked";
    public const string UserUnlocked = "admin.user_unlocked";
    public const string AdminGranted = "admin.role_granted";
    public const string AdminRevoked = "admin.role_revoked";
    public const string QuotaChanged = "admin.quota_changed";
    public const string RegistrationChanged = "admin.registration_changed";
    public const string InviteCreated = "admin.invite_created";
    public const string InviteUsed = "invite.used";

    public static readonly IReadOnlyList<string> All =
    [
        SignInFailed, LockedOut, TokenCreated, TokenRevoked, ShareLinkCreated, UserDeleted, UserLocked, UserUnlocked,
        AdminGranted, AdminRevoked, QuotaChanged, RegistrationChanged, InviteCreated, InviteUsed,
    ];
}

public sealed class AuditOptions
{
    public const string Section = "Audit";

    /// <summary>Entries older than this many days are deleted (hourly).</summary>
    public int RetentionDays { get; set; } = 90;
}

/// <summary>Writes audit entries. The actor and address come from the current request, when there is one.</summary>
public sealed class AuditLog(AppDbContext db, IHttpContextAccessor http, TimeProvider clock, ILogger<AuditLog> logger)
{
    public async Task RecordAsync(string action, string? subjectId = null, string? subjectEmail = null, string? detail = null, CancellationToken cancellationToken = default)
    {
        var context = http.HttpContext;
        var actor = context?.User;
        var entry = new AuditEntry
        {
            At = clock.GetUtcNow().UtcDateTime,
            Action = action,
            ActorId = actor?.FindFirstValue(ClaimTypes.NameIdentifier),
            ActorEmail = actor?.Identity?.IsAuthenticated == true ? Truncate(actor.Identity.Name, 254) : null,
            SubjectId = subjectId,
            SubjectEmail = Truncate(subjectEmail, 254),
            Detail = Truncate(detail, 500),
            IpAddress = context?.Connection.RemoteIpAddress?.ToString(),
        };

        // A fresh context of its own would lose the caller's transaction; the entry is added and saved on its own instead.
        db.AuditEntries.Add(entry);
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Audit {Action} by {ActorId} on {SubjectId}", action, entry.ActorId, subjectId);
    }

    private static string? Truncate(string? value, int length) => value is null || value.Length <= length ? value : value[..length];
}

/// <summary>Deletes entries past the retention period, hourly (on every node: the delete is idempotent).</summary>
internal sealed class AuditRetention(IServiceScopeFactory scopes, IOptions<AuditOptions> options, TimeProvider clock, ILogger<AuditRetention> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), clock);
        do
        {
            try
            {
                await PurgeAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Could not purge old audit entries");
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    public async Task<int> PurgeAsync(CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow().UtcDateTime.AddDays(-Math.Max(1, options.Value.RetentionDays));
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        return await db.AuditEntries.Where(e => e.At < cutoff).ExecuteDeleteAsync(cancellationToken);
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
