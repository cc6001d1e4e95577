using System.Net;
using Image2Model.Site.Audit;
using Image2Model.Tests.Api;
using Image2Model.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Image2Model.Tests.Audit;

public sealed class AuditTests
{
    [Fact]
    public async Task Failed_sign_ins_lockouts_tokens_and_admin_actions_are_in_the_audit_log()
    {
        using var factory = new SiteFactory();
        var email = $"audited-{Guid.NewGuid():N}@example.com";
        var user = await UserStories.SignedInUserAsync(factory, email);
        await ApiStories.CreateTokenAsync(user, "nightly backup");
        var tokens = await user.GetPageAsync("/tokens");
        await user.SubmitAsync(tokens.QuerySelector<AngleSharp.Html.Dom.IHtmlFormElement>("form[action='/tokens?handler=revoke']")!);
        var attacker = factory.CreateSiteClient();
        for (var i = 0; i < 5; i++)
        {
            await UserStories.SignInAsync(attacker, email, "guessing wrong");
        }

        await UserStories.SignInAsync(attacker, "nobody-at-all@example.com", "guessing wrong");
        var admin = await AdminStories.SignedInAdminAsync(factory);
        var users = await admin.GetPageAsync($"/admin/users?q={email}");
        await admin.SubmitAsync(users.QuerySelector("tbody tr")!.QuerySelector<AngleSharp.Html.Dom.IHtmlFormElement>("form[action*='handler=Lock']")!);
        users = await admin.GetPageAsync($"/admin/users?q={email}");
        await admin.SubmitAsync(users.QuerySelector("tbody tr")!.QuerySelector<AngleSharp.Html.Dom.IHtmlFormElement>("form[action*='handler=Unlock']")!);

        var log = await admin.GetPageAsync("/admin/audit");
        var rows = log.QuerySelectorAll("tbody tr").Select(r => r.TextContent).ToList();
        Assert.Equal(5, rows.Count(r => r.Contains(AuditActions.SignInFailed) && r.Contains(email)));
        Assert.Contains(rows, r => r.Contains(AuditActions.SignInFailed) && r.Contains("nobody-at-all@example.com") && r.Contains("no such account"));
        Assert.Single(rows, r => r.Contains(AuditActions.LockedOut) && r.Contains(email));
        Assert.Single(rows, r => r.Contains(AuditActions.TokenCreated) && r.Contains("nightly backup"));
        Assert.Single(rows, r => r.Contains(AuditActions.TokenRevoked));
        Assert.Single(rows, r => r.Contains(AuditActions.UserUnlocked) && r.Contains(SiteFactory.AdminEmail) && r.Contains(email));

        var filtered = await admin.GetPageAsync($"/admin/audit?action={AuditActions.LockedOut}");
        Assert.Single(filtered.QuerySelectorAll("tbody tr"));
        var byAddress = await admin.GetPageAsync("/admin/audit?q=nobody-at-all");
        Assert.Single(byAddress.QuerySelectorAll("tbody tr"));
        // Never a password or a token secret.
        Assert.DoesNotContain("guessing wrong", log.Body!.TextContent);
        Assert.DoesNotContain("i2m_", log.Body!.TextContent);
    }

    [Fact]
    public async Task Entries_older_than_the_retention_period_are_deleted()
    {
        using var factory = new SiteFactory();
        factory.Settings["Audit:RetentionDays"] = "30";
        await using (var db = factory.CreateDbContext())
        {
            db.AuditEntries.AddRange(
                new AuditEntry { Action = AuditActions.SignInFailed, At = DateTime.UtcNow.AddDays(-31), Detail = "old" },
                new AuditEntry { Action = AuditActions.SignInFailed, At = DateTime.UtcNow.AddDays(-29), Detail = "recent" });
            await db.SaveChangesAsync();
        }

        var purged = await factory.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<AuditRetention>().Single().PurgeAsync(default);

        Assert.Equal(1, purged);
        await using var check = factory.CreateDbContext();
        Assert.Equal(["recent"], await check.AuditEntries.Select(e => e.Detail).ToListAsync());
    }

    [Fact]
    public async Task A_sign_in_is_noted_as_the_last_sign_in()
    {
        using var factory = new SiteFactory();
        var email = $"returning-{Guid.NewGuid():N}@example.com";
        await UserStories.SignedInUserAsync(factory, email);
        await using var db = factory.CreateDbContext();
        var user = await db.Users.SingleAsync(u => u.Email == email);
        Assert.True(user.LastSignInAt > DateTime.UtcNow.AddMinutes(-1));
        Assert.Equal(HttpStatusCode.Redirect, (await UserStories.SignInAsync(factory.CreateSiteClient(), email)).StatusCode);
    }
}
