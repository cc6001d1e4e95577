using System.ComponentModel.DataAnnotations;
using Image2Model.Site.Data;
using Image2Model.Site.Operations;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Image2Model.Site.Pages.Account;

/// <summary>Deletes the signed-in account with all its models and files, after the password (when it has one).</summary>
public sealed class DeleteAccountModel(UserManager<AppUser> users, SignInManager<AppUser> signIn, UserDeletion deletion) : PageModel
{
    [BindProperty]
    public InputModel Input { get; set; } = new();

    [TempData]
    public string? Notice { get; set; }

    public UserDeletion.Summary Summary { get; private set; } = new(0, 0);

    public string StorageText => Summary.StoredBytes < 1024 * 1024 ? $"{Summary.StoredBytes / 1024.0:0.#} KB" : $"{Summary.StoredBytes / (1024.0 * 1024):0.#} MB";

    public bool HasPassword { get; private set; }

    public bool LastAdmin { get; private set; }

    public async Task<IActionResult> OnGetAsync() => await LoadAsync() is null ? Challenge() : Page();

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (await LoadAsync() is not { } user)
        {
            return Challenge();
        }

        if (LastAdmin || !ModelState.IsValid)
        {
            return Page();
        }

        if (!Input.Understood)
        {
            ModelState.AddModelError(string.Empty, "Tick the box to confirm that everything should be deleted.");
            return Page();
        }

        if (HasPassword && !await users.CheckPasswordAsync(user, Input.Password ?? ""))
        {
            ModelState.AddModelError(string.Empty, "That is not your password.");
            return Page();
        }

        await deletion.DeleteAsync(user, cancellationToken);
        await signIn.SignOutAsync();
        Notice = "Your account and everything in it are deleted. Goodbye!";
        return RedirectToPage("/Account/Login");
    }

    private async Task<AppUser?> LoadAsync()
    {
        var user = await users.GetUserAsync(User);
        if (user is not null)
        {
            Summary = await deletion.SummarizeAsync(user.Id);
            HasPassword = await users.HasPasswordAsync(user);
            LastAdmin = await deletion.IsLastAdminAsync(user);
        }

        return user;
    }

    public sealed class InputModel
    {
        [DataType(DataType.Password)]
        public string? Password { get; set; }

        public bool Understood { get; set; }
    }
}
