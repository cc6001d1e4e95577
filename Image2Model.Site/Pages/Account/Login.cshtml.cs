using System.ComponentModel.DataAnnotations;
using Image2Model.Site.Accounts;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Image2Model.Site.Pages.Account;

[AllowAnonymous]
public sealed class LoginModel(PasswordSignIn signIn) : PageModel
{
    [BindProperty]
    public InputModel Input { get; set; } = new();

    [FromQuery]
    public string? ReturnUrl { get; set; }

    [TempData]
    public string? Notice { get; set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            return Page();
        }

        var outcome = await signIn.SignInAsync(Input.Email, Input.Password, Input.RememberMe, HttpContext.Connection.RemoteIpAddress, cancellationToken);
        if (outcome == SignInOutcome.SignedIn)
        {
            return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/upload");
        }

        ModelState.AddModelError(string.Empty, outcome switch
        {
            SignInOutcome.Throttled => "Too many failed attempts for this email address. Please wait 15 minutes and try again.",
            SignInOutcome.Locked => "This account is locked. Please ask the site's admin.",
            SignInOutcome.NotConfirmed => "Please confirm your email address first: open the link we sent you, or ask for a new one below.",
            _ => "That email and password do not match an account.",
        });
        return Page();
    }

    public sealed class InputModel
    {
        [Required, EmailAddress]
        public string Email { get; set; } = "";

        [Required, DataType(DataType.Password)]
        public string Password { get; set; } = "";

        [Display(Name = "Keep me signed in")]
        public bool RememberMe { get; set; }
    }
}
