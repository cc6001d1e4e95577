using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Image2Model.Site.Accounts;
using Image2Model.Site.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Image2Model.Site.Pages.Account;

/// <summary>The signed-in user's own account: change the password, sign out everywhere.</summary>
public sealed class ManageModel(UserManager<AppUser> users, SignInSessions sessions, ILogger<ManageModel> logger) : PageModel
{
    [BindProperty]
    public PasswordInput Input { get; set; } = new();

    [TempData]
    public string? Notice { get; set; }

    public string Email { get; private set; } = "";

    public int Sessions { get; private set; }

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostChangePasswordAsync()
    {
        var user = await users.GetUserAsync(User);
        if (user is null)
        {
            return Challenge();
        }

        if (ModelState.IsValid)
        {
            var result = await users.ChangePasswordAsync(user, Input.CurrentPassword, Input.NewPassword);
            if (result.Succeeded)
            {
                // A new password ends every other session: whoever knew the old one is signed out.
                await sessions.EndAllAsync(user.Id, keep: User.FindFirstValue(SignInSessions.ClaimType));
                await sessions.RefreshAsync(HttpContext, user);
                logger.LogInformation("User {UserId} changed their password", user.Id);
                Notice = "Your password is changed. Everywhere else you were signed in, you are now signed out.";
                return RedirectToPage();
            }

            foreach (var error in result.Errors)
            {
                ModelState.AddModelError(string.Empty, error.Code == nameof(IdentityErrorDescriber.PasswordMismatch) ? "Your current password is not right." : error.Description);
            }
        }

        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostSignOutEverywhereAsync()
    {
        var user = await users.GetUserAsync(User);
        if (user is not null)
        {
            await sessions.EndAllAsync(user.Id);
            // Cookies from before sessions were recorded carry no session id; a new stamp ends those too.
            await users.UpdateSecurityStampAsync(user);
        }

        await sessions.SignOutAsync(User);
        TempData["Notice"] = "You are signed out everywhere. Sign in again here.";
        return RedirectToPage("/Account/Login");
    }

    private async Task LoadAsync()
    {
        Email = User.Identity?.Name ?? "";
        Sessions = await sessions.CountAsync(User.UserId());
    }

    public sealed class PasswordInput
    {
        [Required, DataType(DataType.Password), Display(Name = "Current password")]
        public string CurrentPassword { get; set; } = "";

        [Required, StringLength(200, MinimumLength = 10, ErrorMessage = "Use at least 10 characters for your password.")]
        [DataType(DataType.Password), Display(Name = "New password")]
        public string NewPassword { get; set; } = "";

        [Required, DataType(DataType.Password), Display(Name = "Repeat new password")]
        [Compare(nameof(NewPassword), ErrorMessage = "The two passwords are not the same.")]
        public string ConfirmPassword { get; set; } = "";
    }
}
