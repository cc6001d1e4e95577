using Image2Model.Site.Accounts;
using Image2Model.Site.Audit;
using Image2Model.Site.Data;
using Image2Model.Site.Operations;
using Image2Model.Site.Quotas;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Image2Model.Site.Pages.Admin;

/// <summary>One account: its usage, its quota (or the defaults), and deleting it with everything it owns.</summary>
public sealed class UserDetailsModel(UserManager<AppUser> users, QuotaService quotas, UserDeletion deletion, AuditLog audit) : PageModel
{
    public AppUser Account { get; private set; } = null!;

    public QuotaUsage Usage { get; private set; } = null!;

    public UserDeletion.Summary Summary { get; private set; } = new(0, 0);

    [TempData]
    public string? Notice { get; set; }

    public async Task<IActionResult> OnGetAsync(string id) => await LoadAsync(id) ? Page() : NotFound();

    /// <summary>Empty fields keep the configured default; 0 means no limit.</summary>
    public async Task<IActionResult> OnPostQuotaAsync(string id, int? conversionsPerDay, long? storageMegabytes)
    {
        if (!await LoadAsync(id))
        {
            return NotFound();
        }

        if (conversionsPerDay < 0 || storageMegabytes < 0)
        {
            Notice = "Limits are 0 (no limit) or more.";
            return RedirectToPage(new { id });
        }

        var storage = storageMegabytes * 1024 * 1024;
        await quotas.SetAsync(id, conversionsPerDay, storage);
        await audit.RecordAsync(AuditActions.QuotaChanged, id, Account.Email,
            conversionsPerDay is null && storage is null ? "defaults" : $"{conversionsPerDay?.ToString() ?? "default"} a day, {(storage is { } s ? QuotaService.Size(s) : "default")} storage");
        Notice = "Quota saved.";
        return RedirectToPage(new { id });
    }

    public async Task<IActionResult> OnPostDeleteAsync(string id, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id))
        {
            return NotFound();
        }

        if (id == User.UserId())
        {
            Notice = "Delete your own account from your account page.";
            return RedirectToPage(new { id });
        }

        await deletion.DeleteAsync(Account, cancellationToken);
        TempData["Notice"] = $"{Account.Email} and everything it owned are deleted.";
        return RedirectToPage("/Admin/Users");
    }

    private async Task<bool> LoadAsync(string id)
    {
        if (await users.FindByIdAsync(id) is not { } user)
        {
            return false;
        }

        Account = user;
        Usage = await quotas.UsageAsync(id);
        Summary = await deletion.SummarizeAsync(id);
        return true;
    }
}
