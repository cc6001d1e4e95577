using Image2Model.Site.Accounts;
using Image2Model.Site.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Image2Model.Site.Pages.Admin;

/// <summary>Accounts: who is admin, who is locked out, and whether strangers may register.</summary>
public sealed class UsersModel(AppDbContext db, UserManager<AppUser> users, Registration registration) : PageModel
{
    public sealed record Row(string Id, string? Email, DateTime CreatedAt, bool IsAdmin, bool IsLockedOut, int Conversions);

    public IReadOnlyList<Row> Rows { get; private set; } = [];

    public bool RegistrationOpen { get; private set; }

    [TempData]
    public string? Notice { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        RegistrationOpen = await registration.IsOpenAsync(cancellationToken);
        var admins = (await users.GetUsersInRoleAsync(AccountsRegistration.AdminRole)).Select(u => u.Id).ToHashSet();
        var now = DateTimeOffset.UtcNow;
        var rows = await db.Users.AsNoTracking().OrderBy(u => u.CreatedAt)
            .Select(u => new { u.Id, u.Email, u.CreatedAt, u.LockoutEnd, Conversions = db.Conversions.Count(c => c.OwnerId == u.Id) })
            .ToListAsync(cancellationToken);
        Rows = rows.Select(u => new Row(u.Id, u.Email, u.CreatedAt, admins.Contains(u.Id), u.LockoutEnd > now, u.Conversions)).ToList();
    }

    public async Task<IActionResult> OnPostRegistrationAsync(bool open)
    {
        await registration.SetOpenAsync(open);
        Notice = open ? "Registration is open." : "Registration is closed.";
        return RedirectToPage();
    }

    public Task<IActionResult> OnPostLockAsync(string userId) =>
        ChangeAsync(userId, u => users.SetLockoutEndDateAsync(u, DateTimeOffset.MaxValue), "Account locked.");

    public Task<IActionResult> OnPostUnlockAsync(string userId) =>
        ChangeAsync(userId, async u =>
        {
            await users.ResetAccessFailedCountAsync(u);
            return await users.SetLockoutEndDateAsync(u, null);
        }, "Account unlocked.");

    public Task<IActionResult> OnPostMakeAdminAsync(string userId) =>
        ChangeAsync(userId, async u =>
        {
            await registration.MakeAdminAsync(u);
            return IdentityResult.Success;
        }, "Account is now an admin.");

    public Task<IActionResult> OnPostRemoveAdminAsync(string userId) =>
        ChangeAsync(userId, u => users.RemoveFromRoleAsync(u, AccountsRegistration.AdminRole), "Admin rights removed.");

    private async Task<IActionResult> ChangeAsync(string userId, Func<AppUser, Task<IdentityResult>> change, string done)
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
        Notice = result.Succeeded ? done : string.Join(" ", result.Errors.Select(e => e.Description));
        return RedirectToPage();
    }
}
