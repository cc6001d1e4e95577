using System.Net;
using Image2Model.Tests.Infrastructure;

namespace Image2Model.Tests.Invites;

public sealed class InviteTests
{
    private static async Task<SiteClient> InviteOnlySiteAsync(SiteFactory factory)
    {
        var admin = await AdminStories.SignedInAdminAsync(factory);
        var users = await admin.GetPageAsync("/admin/users");
        await admin.SubmitAsync(AdminStories.FormOf(users, "form[action*='handler=Mode']"));
        return admin;
    }

    private static async Task<Uri> CreateInviteAsync(SiteClient admin, string email = "")
    {
        var users = await admin.GetPageAsync("/admin/users");
        var created = await admin.SubmitAsync(AdminStories.FormOf(users, "#invite-form"), new Dictionary<string, string> { ["email"] = email });
        var shown = await admin.FollowAsync(created);
        return new Uri(shown.QuerySelector("#invite-link")!.TextContent);
    }

    private static async Task<HttpResponseMessage> AcceptAsync(SiteClient stranger, Uri link, string email)
    {
        var page = await stranger.GetPageAsync(link.PathAndQuery);
        return await stranger.SubmitAsync(UserStories.Form(page), new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.Password"] = UserStories.Password,
            ["Input.ConfirmPassword"] = UserStories.Password,
        });
    }

    [Fact]
    public async Task On_an_invite_only_site_a_stranger_registers_through_a_one_time_invite_link()
    {
        using var factory = new SiteFactory();
        var admin = await InviteOnlySiteAsync(factory);
        var register = await factory.CreateSiteClient().GetPageAsync("/account/register");
        Assert.Null(register.QuerySelector("input[name='Input.Password']"));

        var link = await CreateInviteAsync(admin);
        var stranger = factory.CreateSiteClient();
        var accepted = await AcceptAsync(stranger, link, "invited@example.com");

        Assert.Equal("/account/login", accepted.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.Redirect, (await UserStories.SignInAsync(stranger, "invited@example.com")).StatusCode);
        var again = await factory.CreateSiteClient().GetPageAsync(link.PathAndQuery);
        Assert.Contains("expired, was already used", again.QuerySelector(".alert.error")!.TextContent);
        Assert.Null(again.QuerySelector("input[name='Input.Password']"));
    }

    [Fact]
    public async Task An_invite_for_an_address_works_only_for_that_address()
    {
        using var factory = new SiteFactory();
        var admin = await InviteOnlySiteAsync(factory);
        var link = await CreateInviteAsync(admin, "named@example.com");

        var wrong = await AcceptAsync(factory.CreateSiteClient(), link, "someone-else@example.com");
        Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        Assert.Contains("another address", (await SiteClient.ParseAsync(wrong)).QuerySelector(".alert.error")!.TextContent);

        var right = await AcceptAsync(factory.CreateSiteClient(), link, "named@example.com");
        Assert.Equal(HttpStatusCode.Redirect, right.StatusCode);
    }

    [Fact]
    public async Task An_expired_invite_registers_nobody()
    {
        using var factory = new SiteFactory();
        factory.Settings["Invites:Lifetime"] = "00:00:00.300";
        var admin = await InviteOnlySiteAsync(factory);
        var link = await CreateInviteAsync(admin);
        await Task.Delay(500);

        var page = await factory.CreateSiteClient().GetPageAsync(link.PathAndQuery);

        Assert.Contains("expired", page.QuerySelector(".alert.error")!.TextContent);
        Assert.Null(page.QuerySelector("input[name='Input.Password']"));
    }

    [Fact]
    public async Task A_closed_site_takes_nobody_even_with_an_invite()
    {
        using var factory = new SiteFactory();
        var admin = await InviteOnlySiteAsync(factory);
        var link = await CreateInviteAsync(admin);
        var users = await admin.GetPageAsync("/admin/users");
        await admin.SubmitAsync(AdminStories.FormOf(users, "form[action*='handler=Mode']"));
        Assert.Contains("closed", (await admin.GetPageAsync("/admin/users")).QuerySelector(".card")!.TextContent);

        var page = await factory.CreateSiteClient().GetPageAsync(link.PathAndQuery);

        Assert.Null(page.QuerySelector("input[name='Input.Password']"));
    }
}
