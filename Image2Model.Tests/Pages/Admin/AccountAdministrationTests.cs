using System.Net;
using Image2Model.Site.Accounts;
using Image2Model.Tests.Infrastructure;
using Image2Model.Tests.Pages.Account;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Image2Model.Tests.Pages.Admin;

public sealed class AccountAdministrationTests
{
    [Fact]
    public async Task An_admin_searches_and_pages_through_accounts_and_sees_usage_and_quota()
    {
        using var factory = new SiteFactory();
        var admin = await AdminStories.SignedInAdminAsync(factory);
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var registration = scope.ServiceProvider.GetRequiredService<Registration>();
            for (var i = 0; i < 29; i++)
            {
                Assert.True((await registration.RegisterAsync($"person{i:00}@example.com", UserStories.Password)).Succeeded);
            }
        }

        var first = await admin.GetPageAsync("/admin/users");
        Assert.Equal(25, first.QuerySelectorAll("tbody tr").Length);
        Assert.Contains("30 accounts", first.QuerySelector("main h2")!.TextContent);
        var next = first.QuerySelector("a[rel='next']")!.GetAttribute("href")!;
        var second = await admin.GetPageAsync(next);
        Assert.Equal(5, second.QuerySelectorAll("tbody tr").Length);
        Assert.Contains("Page 2 of 2", second.QuerySelector(".pager")!.TextContent);

        var found = await admin.GetPageAsync("/admin/users?q=PERSON07");
        var row = Assert.Single(found.QuerySelectorAll("tbody tr"));
        Assert.Contains("person07@example.com", row.TextContent);
        Assert.Contains("never", row.TextContent);
        Assert.Contains("500/day, 10 GB (default)", row.TextContent);
        var me = await admin.GetPageAsync("/admin/users?q=admin@");
        Assert.DoesNotContain("never", Assert.Single(me.QuerySelectorAll("tbody tr")).TextContent);
    }

    [Fact]
    public async Task An_admin_deletes_an_account_and_nothing_of_it_remains_on_disk_or_in_the_database()
    {
        using var factory = new ImmediateStampCheckFactory();
        var email = $"deleted-{Guid.NewGuid():N}@example.com";
        var user = await UserStories.SignedInUserAsync(factory, email);
        await Api.ApiStories.CreateTokenAsync(user);
        var batch = Waiting.BatchIdFrom(await UserStories.UploadAsync(user, [Fixtures.File("horse.png"), Fixtures.File("rubber_duck.png")]));
        await Waiting.ForBatchAsync(factory, batch);
        var userId = await AdminStories.UserIdAsync(factory, email);
        List<string> files;
        await using (var db = factory.CreateDbContext())
        {
            files = AccountMailTests.Keys(await db.Conversions.Where(c => c.OwnerId == userId).ToListAsync());
        }

        Assert.True(files.Count >= 6, $"{files.Count} files: originals, thumbnails and models of both photos");
        Assert.All(files, key => Assert.True(File.Exists(AccountMailTests.BlobPath(factory, key))));
        var admin = await AdminStories.SignedInAdminAsync(factory);

        var details = await admin.GetPageAsync($"/admin/users/{userId}");
        var deleted = await admin.SubmitAsync(AdminStories.FormOf(details, "#delete-form"));

        Assert.Equal("/admin/users", deleted.Headers.Location!.OriginalString);
        Assert.All(files, key => Assert.False(File.Exists(AccountMailTests.BlobPath(factory, key)), $"{key} is still on disk"));
        var onDisk = Directory.EnumerateFiles(factory.DataDirectory, "*", SearchOption.AllDirectories).Select(Path.GetFileName).ToHashSet();
        Assert.DoesNotContain(files, onDisk.Contains);
        await using (var db = factory.CreateDbContext())
        {
            Assert.False(await db.Users.AnyAsync(u => u.Id == userId));
            Assert.False(await db.Conversions.AnyAsync(c => c.OwnerId == userId));
            Assert.False(await db.Batches.AnyAsync(b => b.OwnerId == userId));
            Assert.False(await db.ApiTokens.AnyAsync(t => t.UserId == userId));
        }

        Assert.Equal(HttpStatusCode.Redirect, (await user.Http.GetAsync("/models")).StatusCode);
        Assert.Contains(email, (await admin.GetPageAsync("/admin/audit?action=user.deleted")).QuerySelector("tbody")!.TextContent);
    }

    /// <summary>Checks the cookie against the account on every request (the site does it once a minute).</summary>
    private sealed class ImmediateStampCheckFactory : SiteFactory
    {
        protected override void ConfigureTestServices(IServiceCollection services) =>
            services.Configure<Microsoft.AspNetCore.Identity.SecurityStampValidatorOptions>(o => o.ValidationInterval = TimeSpan.Zero);
    }

    [Fact]
    public async Task Plain_users_cannot_open_account_details_or_the_audit_log()
    {
        using var factory = new SiteFactory();
        var user = await UserStories.SignedInUserAsync(factory);
        var adminId = await AdminStories.UserIdAsync(factory, SiteFactory.AdminEmail);

        foreach (var url in new[] { $"/admin/users/{adminId}", "/admin/audit" })
        {
            var response = await user.Http.GetAsync(url);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.StartsWith("/account/access-denied", response.Headers.Location!.PathAndQuery);
        }
    }
}
