using AngleSharp.Html.Dom;

namespace Image2Model.Tests.Infrastructure;

/// <summary>What admins do, through the real pages.</summary>
public static class AdminStories
{
    public static async Task<SiteClient> SignedInAdminAsync(SiteFactory factory)
    {
        await factory.EnsureAdminAsync();
        var admin = factory.CreateSiteClient();
        Assert.Equal(System.Net.HttpStatusCode.Redirect, (await UserStories.SignInAsync(admin, SiteFactory.AdminEmail)).StatusCode);
        return admin;
    }

    public static async Task<string> UserIdAsync(SiteFactory factory, string email)
    {
        await using var db = factory.CreateDbContext();
        return db.Users.Single(u => u.Email == email).Id;
    }

    public static IHtmlFormElement FormOf(AngleSharp.Dom.IParentNode page, string selector) =>
        page.QuerySelector<IHtmlFormElement>(selector) ?? throw new InvalidOperationException($"No form {selector}.");
}
