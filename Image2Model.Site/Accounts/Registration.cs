using Image2Model.Site.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Image2Model.Site.Accounts;

/// <summary>Creating accounts: the first one becomes admin; admins can close registration.</summary>
public sealed class Registration(AppDbContext db, UserManager<AppUser> users, RoleManager<IdentityRole> roles, ILogger<Registration> logger)
{
    private const string RegistrationOpenKey = "RegistrationOpen";
    private const string FirstAdminKey = "FirstAdmin";

    /// <summary>Open until an admin closes it; always open while there is no account at all.</summary>
    public async Task<bool> IsOpenAsync(CancellationToken cancellationToken = default) =>
        !await db.Users.AnyAsync(cancellationToken)
        || (await db.SiteSettings.FindAsync([RegistrationOpenKey], cancellationToken))?.Value != "false";

    public async Task SetOpenAsync(bool open, CancellationToken cancellationToken = default)
    {
        var setting = await db.SiteSettings.FindAsync([RegistrationOpenKey], cancellationToken);
        if (setting is null)
        {
            db.SiteSettings.Add(new SiteSetting { Key = RegistrationOpenKey, Value = open ? "true" : "false" });
        }
        else
        {
            setting.Value = open ? "true" : "false";
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>
    /// Creates the account. An address that is already registered is not an error the caller
    /// can see (no account enumeration): it returns success and creates nothing.
    /// </summary>
    public async Task<IdentityResult> RegisterAsync(string email, string password, bool admin = false)
    {
        if (await users.FindByEmailAsync(email) is { } existing)
        {
            // A password the rules refuse is refused here too: otherwise a weak password would be
            // "accepted" only for addresses that already have an account, which gives them away.
            foreach (var validator in users.PasswordValidators)
            {
                if (await validator.ValidateAsync(users, new AppUser { UserName = email, Email = email }, password) is { Succeeded: false } refused)
                {
                    return refused;
                }
            }

            // Spend the same time as a real registration (hashing is most of it), so timing tells nothing either.
            users.PasswordHasher.HashPassword(existing, password);
            logger.LogInformation("Registration for an address that already has an account; nothing created");
            return IdentityResult.Success;
        }

        var user = new AppUser { UserName = email, Email = email };
        var result = await users.CreateAsync(user, password);
        if (!result.Succeeded)
        {
            return result;
        }

        if (admin || await IsFirstAsync(user))
        {
            await MakeAdminAsync(user);
        }

        logger.LogInformation("Account {UserId} created", user.Id);
        return result;
    }

    /// <summary>
    /// Whether this new account is the site's first admin: while the site has no admin, the one
    /// registration that stores the claim row first. Comparing creation times instead lets two
    /// registrations at the same moment each see itself as the oldest committed account.
    /// </summary>
    private async Task<bool> IsFirstAsync(AppUser user)
    {
        if ((await users.GetUsersInRoleAsync(AccountsRegistration.AdminRole)).Count > 0)
        {
            return false;
        }

        var claim = db.SiteSettings.Add(new SiteSetting { Key = FirstAdminKey, Value = user.Id });
        try
        {
            await db.SaveChangesAsync();
            return true;
        }
        catch (DbUpdateException)
        {
            // Another registration stored it first (the key is the primary key).
            claim.State = EntityState.Detached;
            return false;
        }
    }

    public async Task MakeAdminAsync(AppUser user)
    {
        if (!await roles.RoleExistsAsync(AccountsRegistration.AdminRole))
        {
            await roles.CreateAsync(new IdentityRole(AccountsRegistration.AdminRole));
        }

        await users.AddToRoleAsync(user, AccountsRegistration.AdminRole);
    }
}
