using Image2Model.Site.Data;
using Microsoft.AspNetCore.Identity;

namespace Image2Model.Site.Accounts;

/// <summary>
/// Beyond the length rule (NIST 800-63B): refuse passwords from the 10,000 most common, those a
/// couple of digits away from one ("password12"), those of one repeated character or two, and
/// those containing the account's email address or its name part.
/// </summary>
public sealed class PasswordRules : IPasswordValidator<AppUser>
{
    private static readonly Lazy<HashSet<string>> Common = new(Load);

    public Task<IdentityResult> ValidateAsync(UserManager<AppUser> manager, AppUser user, string? password)
    {
        if (string.IsNullOrEmpty(password))
        {
            return Task.FromResult(IdentityResult.Success);
        }

        var lower = password.ToLowerInvariant();
        if (IsCommon(lower) || lower.Distinct().Count() <= 2)
        {
            return Task.FromResult(Fail("CommonPassword", "That password is one of the most common ones, so it is easy to guess. Please choose another."));
        }

        var email = (user.Email ?? user.UserName ?? "").Trim().ToLowerInvariant();
        var name = email.Split('@')[0];
        if ((email.Length > 0 && lower.Contains(email, StringComparison.Ordinal)) || (name.Length >= 3 && lower.Contains(name, StringComparison.Ordinal)))
        {
            return Task.FromResult(Fail("PasswordContainsEmail", "Your password must not contain your email address."));
        }

        return Task.FromResult(IdentityResult.Success);
    }

    /// <summary>On the list as it is, or once trailing digits and marks are taken off ("password12!" is "password").</summary>
    public static bool IsCommon(string password)
    {
        var lower = password.ToLowerInvariant();
        var stem = lower.TrimEnd("0123456789!?.*#$@ ".ToCharArray());
        return Common.Value.Contains(lower) || (stem.Length >= 4 && Common.Value.Contains(stem));
    }

    private static IdentityResult Fail(string code, string description) => IdentityResult.Failed(new IdentityError { Code = code, Description = description });

    private static HashSet<string> Load()
    {
        using var stream = typeof(PasswordRules).Assembly.GetManifestResourceStream("Image2Model.Site.Accounts.common-passwords.txt")
            ?? throw new InvalidOperationException("The common password list is not embedded.");
        using var reader = new StreamReader(stream);
        var set = new HashSet<string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0)
            {
                set.Add(line.ToLowerInvariant());
            }
        }

        return set;
    }
}
