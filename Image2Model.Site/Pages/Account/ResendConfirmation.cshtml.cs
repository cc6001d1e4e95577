using System.ComponentModel.DataAnnotations;
using Image2Model.Site.Data;
using Image2Model.Site.Email;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Image2Model.Site.Pages.Account;

/// <summary>Sends the confirmation link again; the same answer for every address.</summary>
[AllowAnonymous]
public sealed class ResendConfirmationModel(UserManager<AppUser> users, AccountMail mail) : PageModel
{
    [BindProperty]
    public InputModel Input { get; set; } = new();

    [TempData]
    public string? Notice { get; set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        if (await users.FindByEmailAsync(Input.Email.Trim()) is { EmailConfirmed: false } user)
        {
            await mail.SendConfirmationAsync(user);
        }

        Notice = "If that address has an account waiting for confirmation, a new link is on its way.";
        return RedirectToPage();
    }

    public sealed class InputModel
    {
        [Required, EmailAddress, StringLength(254)]
        public string Email { get; set; } = "";
    }
}
