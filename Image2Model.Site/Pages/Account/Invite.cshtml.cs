using System.ComponentModel.DataAnnotations;
using Image2Model.Site.Accounts;
using Image2Model.Site.Audit;
using Image2Model.Site.Invites;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Image2Model.Site.Pages.Account;

/// <summary>Registers through a one-time invite link (the way in while registration is invite-only).</summary>
[AllowAnonymous]
public sealed class InviteModel(InviteService invites, Registration registration, AuditLog audit) : PageModel
{
    [BindProperty]
    public RegisterModel.InputModel Input { get; set; } = new();

    [FromQuery]
    public string? Code { get; set; }

    public bool Usable { get; private set; }

    public string? FixedEmail { get; private set; }

    public async Task OnGetAsync()
    {
        var invite = await LoadAsync();
        Input.Email = invite?.Email ?? "";
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (await LoadAsync() is not { } invite)
        {
            return Page();
        }

        if (FixedEmail is not null && !string.Equals(Input.Email.Trim(), FixedEmail, StringComparison.OrdinalIgnoreCase))
        {
            ModelState.AddModelError(string.Empty, "This invite is for another address.");
        }

        if (!ModelState.IsValid)
        {
            return Page();
        }

        if (!await invites.TakeAsync(invite.Id, cancellationToken))
        {
            Usable = false;
            return Page();
        }

        var result = await registration.RegisterAsync(Input.Email.Trim(), Input.Password);
        if (!result.Succeeded)
        {
            await invites.ReleaseAsync(invite.Id, cancellationToken);
            foreach (var error in result.Errors)
            {
                ModelState.AddModelError(string.Empty, error.Description);
            }

            return Page();
        }

        await audit.RecordAsync(AuditActions.InviteUsed, subjectEmail: Input.Email.Trim(), detail: invite.Id.ToString(), cancellationToken: cancellationToken);
        TempData["Notice"] = "Your account is ready. Sign in with your email and password.";
        return RedirectToPage("/Account/Login");
    }

    /// <summary>Invites work while registration is invite-only (or open); a closed site takes nobody.</summary>
    private async Task<Invite?> LoadAsync()
    {
        var invite = await invites.FindUsableAsync(Code);
        Usable = invite is not null && await invites.ModeAsync() != RegistrationMode.Closed;
        FixedEmail = invite?.Email;
        return Usable ? invite : null;
    }
}
