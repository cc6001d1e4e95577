using Image2Model.Site.Accounts;
using Image2Model.Site.Audit;
using Image2Model.Site.Data;
using Image2Model.Site.Email;
using Image2Model.Site.Invites;
using Image2Model.Site.Quotas;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Image2Model.Site.Pages.Admin;

/// <summary>Accounts: search and pages, who is admin or locked, usage and quotas; registration mode and invites.</summary>
public sealed class UsersModel(
    AppDbContext db,
    UserManager<AppUser> users,
    Registration registration,
    InviteService invites,
    AccountMail mail,
    AuditLog audit,
    IOptions<QuotaOptions> quotaDefaults) : PageModel
{
    public const int PageSize = 25;

    public sealed record Row(string Id, string? Email, DateTime CreatedAt, DateTime? LastSignInAt, bool IsAdmin, bool IsLockedOut, int Conversions, long Storage, int ConversionsPerDay, long StorageBytes, bool CustomQuota);

    public IReadOnlyList<Row> Rows { get; private set; } = [];

    public IReadOnlyList<Invite> PendingInvites { get; private set; } = [];

    public RegistrationMode Mode { get; private set; }

    public bool RegistrationOpen => Mode == RegistrationMode.Open;

    [FromQuery(Name = "q")]
    public string? Search { get; set; }

    [FromQuery(Name = "page")]
    public int PageNumber { get; set; } = 1;

    public int Total { get; private set; }

    public int PageCount => Math.Max(1, (Total + PageSize - 1) / PageSize);

    [TempData]
    public string? Notice { get; set; }

    [TempData]
    public string? InviteLink { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Mode = await invites.ModeAsync(cancellationToken);
        PendingInvites = await invites.ListPendingAsync(cancellationToken);
        var admins = (await users.GetUsersInRoleAsync(AccountsRegistration.AdminRole)).Select(u => u.Id).ToHashSet();
        var query = db.Users.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(Search))
        {
            var term = Search.Trim().ToUpperInvariant();
            query = query.Where(u => u.NormalizedEmail!.Contains(term));
        }

        Total = await query.CountAsync(cancellationToken);
        PageNumber = Math.Clamp(PageNumber, 1, PageCount);
        var now = DateTimeOffset.UtcNow;
        var defaults = quotaDefaults.Value;
        var rows = await query.OrderBy(u => u.CreatedAt).Skip((PageNumber - 1) * PageSize).Take(PageSize)
            .Select(u => new
            {
                u.Id, u.Email, u.CreatedAt, u.LastSignInAt, u.LockoutEnd,
                Conversions = db.Conversions.Count(c => c.OwnerId == u.Id),
                Storage = db.Conversions.Where(c => c.OwnerId == u.Id).Sum(c => (long?)(c.OriginalSize + (c.ModelSize ?? 0))) ?? 0,
                Quota = db.UserQuotas.FirstOrDefault(q => q.UserId == u.Id),
            })
            .ToListAsync(cancellationToken);
        Rows = rows.Select(u => new Row(u.Id, u.Email, u.CreatedAt, u.LastSignInAt, admins.Contains(u.Id), u.LockoutEnd > now, u.Conversions, u.Storage,
            u.Quota?.ConversionsPerDay ?? defaults.ConversionsPerDay, u.Quota?.StorageBytes ?? defaults.StorageBytes, u.Quota is not null)).ToList();
    }

    /// <summary>The open/close switch (kept for forms and scripts that already use it).</summary>
    public Task<IActionResult> OnPostRegistrationAsync(bool open) => OnPostModeAsync(open ? RegistrationMode.Open : RegistrationMode.Closed);

    public async Task<IActionResult> OnPostModeAsync(RegistrationMode mode)
    {
        await invites.SetModeAsync(mode);
        await audit.RecordAsync(AuditActions.RegistrationChanged, detail: mode.ToString());
        Notice = mode switch
        {
            RegistrationMode.Open => "Registration is open.",
            RegistrationMode.Closed => "Registration is closed.",
            _ => "Registration is by invite only.",
        };
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostInviteAsync(string? email)
    {
        if (!string.IsNullOrWhiteSpace(email) && !new System.ComponentModel.DataAnnotations.EmailAddressAttribute().IsValid(email.Trim()))
        {
            Notice = "That does not look like an email address.";
            return RedirectToPage();
        }

        var (invite, secret) = await invites.CreateAsync(User.UserId(), email);
        var link = mail.Link("/account/invite", ("code", secret));
        await audit.RecordAsync(AuditActions.InviteCreated, subjectEmail: invite.Email, detail: invite.Id.ToString());
        if (invite.Email is not null)
        {
            mail.SendInvite(invite.Email, link);
        }

        InviteLink = link;
        Notice = invite.Email is null
            ? $"Invite created. Send this link to the person you invite; it works once, until {invite.ExpiresAt:d MMM yyyy HH:mm} UTC."
            : $"Invite mailed to {invite.Email}. You can also send this link yourself; it works once, until {invite.ExpiresAt:d MMM yyyy HH:mm} UTC.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostRevokeInviteAsync(Guid id)
    {
        Notice = await invites.RevokeAsync(id) == 1 ? "Invite withdrawn." : "That invite was already used or withdrawn.";
        return RedirectToPage();
    }

    public Task<IActionResult> OnPostLockAsync(string userId) =>
        ChangeAsync(userId, u => users.SetLockoutEndDateAsync(u, DateTimeOffset.MaxValue), AuditActions.UserLocked, "Account locked.");

    public Task<IActionResult> OnPostUnlockAsync(string userId) =>
        ChangeAsync(userId, async u =>
        {
            await users.ResetAccessFailedCountAsync(u);
            return await users.SetLockoutEndDateAsync(u, null);
        }, AuditActions.UserUnlocked, "Account unlocked.");

    public Task<IActionResult> OnPostMakeAdminAsync(string userId) =>
        ChangeAsync(userId, async u =>
        {
            await registration.MakeAdminAsync(u);
            return IdentityResult.Success;
        }, AuditActions.AdminGranted, "Account is now an admin.");

    public Task<IActionResult> OnPostRemoveAdminAsync(string userId) =>
        ChangeAsync(userId, u => users.RemoveFromRoleAsync(u, AccountsRegistration.AdminRole), AuditActions.AdminRevoked, "Admin rights removed.");

    private async Task<IActionResult> ChangeAsync(string userId, Func<AppUser, Task<IdentityResult>> change, string action, string done)
    {
        if (userId == User.UserId())
        {
            Notice = "You cannot change your own account here.";
            return RedirectToPage();
        }

        if (await users.FindByIdAsync(userId) is not { } user)
        {
            return NotFound();
        }

        var result = await change(user);
        // Signed-in sessions of that account pick the change up at their next check (SecurityStampValidator).
        await users.UpdateSecurityStampAsync(user);
        if (result.Succeeded)
        {
            await audit.RecordAsync(action, user.Id, user.Email);
        }

        Notice = result.Succeeded ? done : string.Join(" ", result.Errors.Select(e => e.Description));
        return RedirectToPage();
    }
}
