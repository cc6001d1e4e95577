using System.ComponentModel.DataAnnotations;
using Image2Model.Site.Accounts;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Image2Model.Site.Pages.Account;

[AllowAnonymous]
public sealed class RegisterModel(Registration registration) : PageModel
{
    [BindProperty]
    public InputModel Input { get; set; } = new();

    public bool IsOpen { get; private set; }

    [TempData]
    public string? Notice { get; set; }

    public async Task OnGetAsync() => IsOpen = await registration.IsOpenAsync();

    public async Task<IActionResult> OnPostAsync()
    {
        IsOpen = await registration.IsOpenAsync();
        if (!IsOpen || !ModelState.IsValid)
        {
            return Page();
        }

        var result = await registration.RegisterAsync(Input.Email.Trim(), Input.Password);
        if (!result.Succeeded)
        {
            foreach (var error in result.Errors)
            {
                ModelState.AddModelError(string.Empty, error.Description);
            }

            return Page();
        }

        // The same answer whether or not the address was new, so nobody learns who has an account.
        Notice = "Your account is ready. Sign in with your email and password.";
        return RedirectToPage("/Account/Login");
    }

    public sealed class InputModel
    {
        [Required, EmailAddress, StringLength(254)]
        public string Email { get; set; } = "";

        [Required, StringLength(200, MinimumLength = 10, ErrorMessage = "Use at least 10 characters for your password.")]
        [DataType(DataType.Password)]
        public string Password { get; set; } = "";

        [Required, DataType(DataType.Password), Display(Name = "Repeat password")]
        [Compare(nameof(Password), ErrorMessage = "The two passwords are not the same.")]
        public string ConfirmPassword { get; set; } = "";
    }
}
