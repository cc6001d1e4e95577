using Image2Model.Site.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Image2Model.Site.Email;

/// <summary>
/// Sends the confirmation mail when an account is created while <c>Accounts:RequireConfirmedEmail</c>
/// is on, wherever it is created (the register page, an invite), without those pages knowing about mail.
/// </summary>
public sealed class ConfirmingUserManager : UserManager<AppUser>
{
    private readonly IServiceProvider _services;

    public ConfirmingUserManager(
        IUserStore<AppUser> store,
        IOptions<IdentityOptions> optionsAccessor,
        IPasswordHasher<AppUser> passwordHasher,
        IEnumerable<IUserValidator<AppUser>> userValidators,
        IEnumerable<IPasswordValidator<AppUser>> passwordValidators,
        ILookupNormalizer keyNormalizer,
        IdentityErrorDescriber errors,
        IServiceProvider services,
        ILogger<UserManager<AppUser>> logger)
        : base(store, optionsAccessor, passwordHasher, userValidators, passwordValidators, keyNormalizer, errors, services, logger) =>
        _services = services;

    public override async Task<IdentityResult> CreateAsync(AppUser user)
    {
        var result = await base.CreateAsync(user);
        if (!result.Succeeded || !Options.SignIn.RequireConfirmedEmail || user.EmailConfirmed || user.Email is null)
        {
            return result;
        }

        // The first account (the admin) and accounts made on the server's command line are the
        // operator's own: there may be no working mail yet, and nobody else to vouch for them.
        var inRequest = _services.GetService<IHttpContextAccessor>()?.HttpContext is not null;
        if (!inRequest || !await Users.AnyAsync(u => u.Id != user.Id))
        {
            user.EmailConfirmed = true;
            await UpdateAsync(user);
        }
        else
        {
            await _services.GetRequiredService<AccountMail>().SendConfirmationAsync(user);
        }

        return result;
    }
}
