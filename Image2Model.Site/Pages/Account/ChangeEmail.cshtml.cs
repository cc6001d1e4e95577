using System.ComponentModel.DataAnnotations;
using Image2Model.Site.Data;
using Image2Model.Site.Email;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Image2Model.Site.Pages.Account;

/// <summary>Asks for a new address; the change waits until someone opens the link sent to it.</summary>
public sealed class ChangeEmailModel(UserManager<AppUser> users, AccountMail mail) : PageModel
{
    [BindProperty]
    public InputModel Input { get; set; } = new();

    [TempData]
    public string? Notice { get; set; }

    public string? CurrentEmail { get; private set; }

    public bool Confirmed { get; private set; }

    public async Task<IActionResult> OnGetAsync() => await LoadAsync() is null ? Challenge() : Page();

    public async Task<IActionResult> OnPostAsync()
    {
        if (await LoadAsync() is not { } user)
        {
            return Challenge();
        }

        if (!ModelState.IsValid)
        {
            return Page();
        }

        var newEmail = Input.NewEmail.Trim();
        if (string.Equals(newEmail, user.Email, StringComparison.OrdinalIgnoreCase))
        {
            ModelState.AddModelError(string.Empty, "That is already your address.");
            return Page();
        }

        // An address another account uses gets no mail, but the same answer: nobody learns who has an account.
        if (await users.FindByEmailAsync(newEmail) is null)
        {
            await mail.SendEmailChangeAsync(user, newEmail);
        }

        Notice = $"Check the mailbox of {newEmail}: open the link in it to finish the change.";
        return RedirectToPage();
    }

    private async Task<AppUser?> LoadAsync()
    {
        var user = await users.GetUserAsync(User);
        CurrentEmail = user?.Email;
        Confirmed = user?.EmailConfirmed == true;
        return user;
    }

    public sealed class InputModel
    {
        [Required, EmailAddress, StringLength(254), Display(Name = "New email address")]
        public string NewEmail { get; set; } = "";
    }
}
