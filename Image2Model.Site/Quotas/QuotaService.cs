using Image2Model.Site.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Image2Model.Site.Quotas;

public sealed class QuotaOptions
{
    public const string Section = "Quotas";

    /// <summary>Default number of photos an account may convert per day (UTC); 0 means no limit.</summary>
    public int ConversionsPerDay { get; set; } = 500;

    /// <summary>Default storage per account (photos and models), in bytes; 0 means no limit.</summary>
    public long StorageBytes { get; set; } = 10L * 1024 * 1024 * 1024;
}

/// <summary>What an account used and may use. A limit of 0 means none.</summary>
public sealed record QuotaUsage(int ConversionsToday, int ConversionsPerDay, long StorageUsed, long StorageBytes, DateTime ResetsAt, bool IsCustom);

/// <summary>Why an upload was refused, in words for the person; <paramref name="RetryAfter"/> when waiting helps.</summary>
public sealed record QuotaRefusal(string Message, TimeSpan? RetryAfter);

/// <summary>Per-account limits: conversions a day (counted by upload, reset at midnight UTC) and storage.</summary>
public sealed class QuotaService(AppDbContext db, IOptions<QuotaOptions> options, TimeProvider clock)
{
    public async Task<QuotaUsage> UsageAsync(string userId, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var today = now.Date;
        var custom = await db.UserQuotas.AsNoTracking().SingleOrDefaultAsync(q => q.UserId == userId, cancellationToken);
        var conversionsToday = await db.Conversions.CountAsync(c => c.OwnerId == userId && c.CreatedAt >= today, cancellationToken);
        var storage = await db.Conversions.Where(c => c.OwnerId == userId).SumAsync(c => (long?)(c.OriginalSize + (c.ModelSize ?? 0)), cancellationToken) ?? 0;
        return new QuotaUsage(conversionsToday, custom?.ConversionsPerDay ?? options.Value.ConversionsPerDay, storage,
            custom?.StorageBytes ?? options.Value.StorageBytes, today.AddDays(1), custom is not null);
    }

    /// <summary>Null when an upload of <paramref name="files"/> photos totalling <paramref name="bytes"/> fits.</summary>
    public async Task<QuotaRefusal?> RefusalAsync(string userId, int files, long bytes, CancellationToken cancellationToken = default)
    {
        var usage = await UsageAsync(userId, cancellationToken);
        var wait = usage.ResetsAt - clock.GetUtcNow().UtcDateTime;
        var resets = $"Your daily limit starts again at midnight UTC, in {Describe(wait)}.";
        if (usage.ConversionsPerDay > 0 && usage.ConversionsToday + files > usage.ConversionsPerDay)
        {
            var left = Math.Max(0, usage.ConversionsPerDay - usage.ConversionsToday);
            var message = left == 0
                ? $"You have used all {usage.ConversionsPerDay} conversions for today. {resets}"
                : $"You can convert {left} more {(left == 1 ? "photo" : "photos")} today; you chose {files}. {resets}";
            return new QuotaRefusal(message, wait);
        }

        if (usage.StorageBytes > 0 && usage.StorageUsed + bytes > usage.StorageBytes)
        {
            return new QuotaRefusal(
                $"Your storage is full: {Size(usage.StorageUsed)} of {Size(usage.StorageBytes)} used, and these photos need {Size(bytes)}. Delete some models to make room.", null);
        }

        return null;
    }

    public async Task SetAsync(string userId, int? conversionsPerDay, long? storageBytes, CancellationToken cancellationToken = default)
    {
        var quota = await db.UserQuotas.SingleOrDefaultAsync(q => q.UserId == userId, cancellationToken);
        if (conversionsPerDay is null && storageBytes is null)
        {
            if (quota is not null)
            {
                db.UserQuotas.Remove(quota);
            }
        }
        else
        {
            quota ??= db.UserQuotas.Add(new UserQuota { UserId = userId }).Entity;
            quota.ConversionsPerDay = conversionsPerDay ?? options.Value.ConversionsPerDay;
            quota.StorageBytes = storageBytes ?? options.Value.StorageBytes;
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    public static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.#} GB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.#} MB",
        >= 1L << 10 => $"{bytes / 1024.0:0.#} KB",
        _ => $"{bytes} bytes",
    };

    private static string Describe(TimeSpan wait) =>
        wait.TotalHours >= 1 ? $"{(int)wait.TotalHours} h {wait.Minutes} min" : $"{Math.Max(1, (int)Math.Ceiling(wait.TotalMinutes))} min";
}
