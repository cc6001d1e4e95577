using Image2Model.Site.Data;
using Microsoft.AspNetCore.Identity;
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
        if (result.Succeeded && Options.SignIn.RequireConfirmedEmail && !user.EmailConfirmed && user.Email is not null
            && _services.GetService<IHttpContextAccessor>()?.HttpContext is not null)
        {
            await _services.GetRequiredService<AccountMail>().SendConfirmationAsync(user);
        }

        return result;
    }
}
