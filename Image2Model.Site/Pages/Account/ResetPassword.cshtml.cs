using System.ComponentModel.DataAnnotations;
using Image2Model.Site.Data;
using Image2Model.Site.Email;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Image2Model.Site.Pages.Account;

/// <summary>The page the reset mail links to. Opening it changes nothing; saving the form does.</summary>
[AllowAnonymous]
public sealed class ResetPasswordModel(UserManager<AppUser> users, ILogger<ResetPasswordModel> logger) : PageModel
{
    private const string BadLink = "This link has expired or was already used. Ask for a new one below.";

    [BindProperty]
    public InputModel Input { get; set; } = new();

    [TempData]
    public string? Notice { get; set; }

    public void OnGet(string? userId, string? code)
    {
        Input.UserId = userId ?? "";
        Input.Code = code ?? "";
    }

    public async Task<IActionResult> OnPostAsync()
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        var user = await users.FindByIdAsync(Input.UserId);
        var result = user is null ? IdentityResult.Failed() : await users.ResetPasswordAsync(user, AccountMail.Decode(Input.Code), Input.Password);
        if (!result.Succeeded)
        {
            var tokenProblem = user is null || result.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.InvalidToken)) || !result.Errors.Any();
            foreach (var error in tokenProblem ? [new IdentityError { Description = BadLink }] : result.Errors)
            {
                ModelState.AddModelError(string.Empty, error.Description);
            }

            return Page();
        }

        // Opening the mailed link proved the address is theirs.
        if (!user!.EmailConfirmed)
        {
            user.EmailConfirmed = true;
            await users.UpdateAsync(user);
        }

        await users.ResetAccessFailedCountAsync(user);
        logger.LogInformation("Account {UserId} chose a new password through a reset link", user.Id);
        Notice = "Your new password is saved. Sign in with it.";
        return RedirectToPage("/Account/Login");
    }

    public sealed class InputModel
    {
        public string UserId { get; set; } = "";

        public string Code { get; set; } = "";

        [Required, StringLength(200, MinimumLength = 10, ErrorMessage = "Use at least 10 characters for your password.")]
        [DataType(DataType.Password)]
        public string Password { get; set; } = "";

        [Required, DataType(DataType.Password), Display(Name = "Repeat password")]
        [Compare(nameof(Password), ErrorMessage = "The two passwords are not the same.")]
        public string ConfirmPassword { get; set; } = "";
    }
}
