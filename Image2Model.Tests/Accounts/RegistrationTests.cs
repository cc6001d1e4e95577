using Image2Model.Site.Accounts;
using Image2Model.Site.Data;
using Image2Model.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Image2Model.Tests.Accounts;

public sealed class RegistrationTests
{
    [Fact]
    public async Task Registrations_at_the_same_moment_on_an_empty_site_leave_exactly_one_admin()
    {
        using var factory = new SiteFactory();
        using var start = new Barrier(8);

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            await using var scope = factory.Services.CreateAsyncScope();
            var registration = scope.ServiceProvider.GetRequiredService<Registration>();
            start.SignalAndWait();
            return await registration.RegisterAsync($"early{i}@example.com", UserStories.Password);
        })));

        Assert.All(results, r => Assert.True(r.Succeeded));
        await using var check = factory.Services.CreateAsyncScope();
        var users = check.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var admins = await users.GetUsersInRoleAsync(AccountsRegistration.AdminRole);
        Assert.Single(admins);
    }
}
