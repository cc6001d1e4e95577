using Image2Model.Site.Accounts;
using Image2Model.Site.Data;
using Microsoft.AspNetCore.Identity;

namespace Image2Model.Site.Cli;

/// <summary>
/// <c>create-admin EMAIL</c>: makes EMAIL an admin, creating the account if needed. The password
/// comes from the ADMIN_PASSWORD environment variable or is read from standard input, never from
/// the command line (where it would end up in shell history and process lists).
/// </summary>
public static class CreateAdminCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        if (args is not [var email] || !email.Contains('@'))
        {
            await stderr.WriteLineAsync("usage: create-admin EMAIL   (password from ADMIN_PASSWORD or standard input)");
            return 2;
        }

        await using var scope = services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var registration = scope.ServiceProvider.GetRequiredService<Registration>();
        var user = await users.FindByEmailAsync(email);
        if (user is null)
        {
            var password = Environment.GetEnvironmentVariable("ADMIN_PASSWORD") ?? (await stdin.ReadLineAsync())?.Trim();
            if (string.IsNullOrEmpty(password))
            {
                await stderr.WriteLineAsync("No password given: set ADMIN_PASSWORD or type it on standard input.");
                return 2;
            }

            var result = await registration.RegisterAsync(email, password, admin: true);
            if (!result.Succeeded)
            {
                await stderr.WriteLineAsync(string.Join(Environment.NewLine, result.Errors.Select(e => e.Description)));
                return 2;
            }

            await stdout.WriteLineAsync($"Created admin account {email}.");
            return 0;
        }

        if (!await users.IsInRoleAsync(user, AccountsRegistration.AdminRole))
        {
            await registration.MakeAdminAsync(user);
        }

        await stdout.WriteLineAsync($"{email} is an admin.");
        return 0;
    }
}
