using Image2Model.Site.Accounts;
using Image2Model.Site.Data;
using Microsoft.AspNetCore.Identity;

namespace Image2Model.Site.Cli;

/// <summary>
/// <c>unlock EMAIL [--new-password]</c>: lets an account sign in again, whatever locked it: an
/// admin's lock, or failed sign-ins from anywhere. With <c>--new-password</c> it also sets a new
/// password (from ADMIN_PASSWORD or standard input, never the command line) and ends every
/// session of the account. Whoever can run the site's executable can always get back in.
/// </summary>
public static class UnlockCommand
{
    public const string Usage = "usage: unlock EMAIL [--new-password]   (new password from ADMIN_PASSWORD or standard input)";

    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        var (email, newPassword) = args switch
        {
            [var address] => (address, false),
            [var address, "--new-password"] => (address, true),
            _ => (null, false),
        };
        if (email is null || !email.Contains('@'))
        {
            await stderr.WriteLineAsync(Usage);
            return 2;
        }

        await using var scope = services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var throttle = scope.ServiceProvider.GetRequiredService<SignInThrottle>();
        var user = await users.FindByEmailAsync(email);
        if (user is null)
        {
            await stderr.WriteLineAsync($"No account has the address {email}.");
            return 2;
        }

        if (newPassword)
        {
            var password = Environment.GetEnvironmentVariable("ADMIN_PASSWORD") ?? (await stdin.ReadLineAsync())?.Trim();
            if (string.IsNullOrEmpty(password))
            {
                await stderr.WriteLineAsync("No password given: set ADMIN_PASSWORD or type it on standard input.");
                return 2;
            }

            var result = await users.ResetPasswordAsync(user, await users.GeneratePasswordResetTokenAsync(user), password);
            if (!result.Succeeded)
            {
                await stderr.WriteLineAsync(string.Join(Environment.NewLine, result.Errors.Select(e => e.Description)));
                return 2;
            }

            await scope.ServiceProvider.GetRequiredService<SignInSessions>().EndAllAsync(user.Id);
        }

        await users.SetLockoutEndDateAsync(user, null);
        await users.ResetAccessFailedCountAsync(user);
        await throttle.ClearAllAsync(email, CancellationToken.None);
        await stdout.WriteLineAsync(newPassword ? $"{email} is unlocked and has a new password." : $"{email} is unlocked.");
        return 0;
    }
}
