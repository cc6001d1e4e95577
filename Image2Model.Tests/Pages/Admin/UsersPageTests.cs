using System.Net;
using Image2Model.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static Image2Model.Tests.Infrastructure.AdminStories;

namespace Image2Model.Tests.Pages.Admin;

/// <summary>
/// The accounts page as admins use it: lock and unlock, make and remove admins. Sessions are
/// re-checked on every request here (not once a minute), so a change shows at the next request.
/// </summary>
public sealed class UsersPageTests(UsersPageTests.CheckingSite factory) : IClassFixture<UsersPageTests.CheckingSite>
{
    public sealed class CheckingSite : SiteFactory
    {
        protected override void ConfigureTestServices(IServiceCollection services) =>
            services.Configure<SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.Zero);
    }

    [Fact]
    public async Task Admin_locks_an_account_which_then_cannot_sign_in_and_unlocks_it_again()
    {
        var email = NewEmail();
        await UserStories.SignedInUserAsync(factory, email);
        var admin = await SignedInAdminAsync(factory);

        var locked = await admin.FollowAsync(await admin.SubmitAsync(Form(Row(await admin.GetPageAsync("/admin/users"), email), "Lock")!));

        Assert.Contains("Account locked.", locked.QuerySelector(".alert.info")!.TextContent);
        Assert.Equal("Locked", Cell(Row(locked, email), "Status"));
        Assert.NotNull(Form(Row(locked, email), "Unlock"));
        Assert.Equal(HttpStatusCode.OK, (await UserStories.SignInAsync(factory.CreateSiteClient(), email)).StatusCode);

        var unlocked = await admin.FollowAsync(await admin.SubmitAsync(Form(Row(locked, email), "Unlock")!));

        Assert.Contains("Account unlocked.", unlocked.QuerySelector(".alert.info")!.TextContent);
        Assert.Equal("Active", Cell(Row(unlocked, email), "Status"));
        Assert.Equal(HttpStatusCode.Redirect, (await UserStories.SignInAsync(factory.CreateSiteClient(), email)).StatusCode);
    }

    [Fact]
    public async Task Locking_an_account_ends_the_session_it_has_open()
    {
        var email = NewEmail();
        var user = await UserStories.SignedInUserAsync(factory, email);
        Assert.Equal(HttpStatusCode.OK, (await user.Http.GetAsync("/models")).StatusCode);
        var admin = await SignedInAdminAsync(factory);

        await admin.SubmitAsync(Form(Row(await admin.GetPageAsync("/admin/users"), email), "Lock")!);

        var next = await user.Http.GetAsync("/models");
        Assert.Equal(HttpStatusCode.Redirect, next.StatusCode);
        Assert.StartsWith("/account/login", next.Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task Admin_makes_an_account_admin_and_takes_it_back()
    {
        var email = NewEmail();
        var user = await UserStories.SignedInUserAsync(factory, email);
        Assert.Equal(HttpStatusCode.Redirect, (await user.Http.GetAsync("/admin/queue")).StatusCode);
        var admin = await SignedInAdminAsync(factory);

        var promoted = await admin.FollowAsync(await admin.SubmitAsync(Form(Row(await admin.GetPageAsync("/admin/users"), email), "MakeAdmin")!));

        Assert.Contains("Account is now an admin.", promoted.QuerySelector(".alert.info")!.TextContent);
        Assert.Equal("Admin", Cell(Row(promoted, email), "Role"));
        // The change signs the account's sessions out; signed in again, it has the admin pages.
        await UserStories.SignInAsync(user, email);
        Assert.Equal(HttpStatusCode.OK, (await user.Http.GetAsync("/admin/queue")).StatusCode);

        var demoted = await admin.FollowAsync(await admin.SubmitAsync(Form(Row(promoted, email), "RemoveAdmin")!));

        Assert.Contains("Admin rights removed.", demoted.QuerySelector(".alert.info")!.TextContent);
        Assert.Equal("User", Cell(Row(demoted, email), "Role"));
        await UserStories.SignInAsync(user, email);
        var denied = await user.Http.GetAsync("/admin/queue");
        Assert.Equal(HttpStatusCode.Redirect, denied.StatusCode);
        Assert.StartsWith("/account/access-denied", denied.Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task Admins_cannot_lock_or_demote_themselves()
    {
        var admin = await SignedInAdminAsync(factory);
        var page = await admin.GetPageAsync("/admin/users");
        var own = Row(page, SiteFactory.AdminEmail);
        Assert.Contains("You", own.TextContent);
        Assert.Empty(own.QuerySelectorAll("form"));
        var adminId = await factory.CreateDbContext().Users.Where(u => u.Email == SiteFactory.AdminEmail).Select(u => u.Id).SingleAsync();

        foreach (var handler in new[] { "Lock", "RemoveAdmin" })
        {
            var after = await admin.FollowAsync(await PostAsync(admin, page, $"/admin/users?handler={handler}", ("userId", adminId)));
            Assert.Contains("You cannot change your own account here.", after.QuerySelector(".alert.info")!.TextContent);
        }

        Assert.Equal(HttpStatusCode.OK, (await admin.Http.GetAsync("/admin/queue")).StatusCode);
    }

    [Fact]
    public async Task Changing_an_account_that_does_not_exist_answers_404()
    {
        var admin = await SignedInAdminAsync(factory);
        var page = await admin.GetPageAsync("/admin/users");

        var response = await PostAsync(admin, page, "/admin/users?handler=Lock", ("userId", "no-such-account"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task A_user_who_is_not_admin_can_neither_open_the_accounts_page_nor_lock_anyone()
    {
        var victim = NewEmail();
        await UserStories.SignedInUserAsync(factory, victim);
        var victimId = await factory.CreateDbContext().Users.Where(u => u.Email == victim).Select(u => u.Id).SingleAsync();
        var user = await UserStories.SignedInUserAsync(factory);
        var ownPage = await user.GetPageAsync("/upload");

        var open = await user.Http.GetAsync("/admin/users");
        var lockIt = await PostAsync(user, ownPage, "/admin/users?handler=Lock", ("userId", victimId));

        foreach (var response in new[] { open, lockIt })
        {
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.StartsWith("/account/access-denied", response.Headers.Location!.PathAndQuery);
        }

        Assert.Equal(HttpStatusCode.Redirect, (await UserStories.SignInAsync(factory.CreateSiteClient(), victim)).StatusCode);
    }

    private static string NewEmail() => $"account-{Guid.NewGuid():N}@example.com";
}
