using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Image2Model.Site.Accounts;
using Image2Model.Site.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Image2Model.Site.Invites;

public enum RegistrationMode
{
    Open,
    Closed,
    InviteOnly,
}

public sealed class InviteOptions
{
    public const string Section = "Invites";

    /// <summary>How long an invite link works.</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromDays(7);
}

/// <summary>
/// Registration modes and one-time invite links. The mode is a site setting; "open" and "closed"
/// keep <see cref="Registration"/>'s own switch in step, so the register page needs to know nothing of invites.
/// </summary>
public sealed class InviteService(AppDbContext db, Registration registration, IOptions<InviteOptions> options, TimeProvider clock)
{
    private const string ModeKey = "RegistrationMode";

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task<RegistrationMode> ModeAsync(CancellationToken cancellationToken = default)
    {
        var open = await registration.IsOpenAsync(cancellationToken);
        if (open)
        {
            return RegistrationMode.Open;
        }

        var setting = await db.SiteSettings.FindAsync([ModeKey], cancellationToken);
        return setting?.Value == nameof(RegistrationMode.InviteOnly) ? RegistrationMode.InviteOnly : RegistrationMode.Closed;
    }

    public async Task SetModeAsync(RegistrationMode mode, CancellationToken cancellationToken = default)
    {
        var setting = await db.SiteSettings.FindAsync([ModeKey], cancellationToken);
        if (setting is null)
        {
            db.SiteSettings.Add(new SiteSetting { Key = ModeKey, Value = mode.ToString() });
        }
        else
        {
            setting.Value = mode.ToString();
        }

        await db.SaveChangesAsync(cancellationToken);
        await registration.SetOpenAsync(mode == RegistrationMode.Open, cancellationToken);
    }

    /// <summary>Creates an invite; the returned secret goes into the link and is never stored.</summary>
    public async Task<(Invite Invite, string Secret)> CreateAsync(string adminId, string? email, CancellationToken cancellationToken = default)
    {
        var secret = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var invite = new Invite
        {
            Hash = HashOf(secret),
            Email = string.IsNullOrWhiteSpace(email) ? null : email.Trim(),
            CreatedBy = adminId,
            CreatedAt = Now,
            ExpiresAt = Now + options.Value.Lifetime,
        };
        db.Invites.Add(invite);
        await db.SaveChangesAsync(cancellationToken);
        return (invite, secret);
    }

    /// <summary>The unused, unexpired invite with this secret, or null.</summary>
    public async Task<Invite?> FindUsableAsync(string? secret, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(secret) || secret.Length > 100)
        {
            return null;
        }

        var hash = HashOf(secret);
        var now = Now;
        return await db.Invites.AsNoTracking().SingleOrDefaultAsync(i => i.Hash == hash && i.UsedAt == null && i.ExpiresAt > now, cancellationToken);
    }

    /// <summary>Takes the invite for one registration; false when someone else used it first. One conditional UPDATE, so only one wins.</summary>
    public async Task<bool> TakeAsync(Guid id, CancellationToken cancellationToken = default)
    {
        var now = Now;
        return await db.Invites.Where(i => i.Id == id && i.UsedAt == null && i.ExpiresAt > now)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.UsedAt, now), cancellationToken) == 1;
    }

    /// <summary>Gives a taken invite back when the registration it was taken for failed.</summary>
    public Task ReleaseAsync(Guid id, CancellationToken cancellationToken = default) =>
        db.Invites.Where(i => i.Id == id).ExecuteUpdateAsync(s => s.SetProperty(i => i.UsedAt, (DateTime?)null), cancellationToken);

    public Task<List<Invite>> ListPendingAsync(CancellationToken cancellationToken = default)
    {
        var now = Now;
        return db.Invites.AsNoTracking().Where(i => i.UsedAt == null && i.ExpiresAt > now).OrderByDescending(i => i.CreatedAt).Take(50).ToListAsync(cancellationToken);
    }

    public Task<int> RevokeAsync(Guid id, CancellationToken cancellationToken = default) =>
        db.Invites.Where(i => i.Id == id && i.UsedAt == null).ExecuteDeleteAsync(cancellationToken);

    private static string HashOf(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}
