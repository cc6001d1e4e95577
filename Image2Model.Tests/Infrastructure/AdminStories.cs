using AngleSharp.Dom;
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

    /// <summary>The table row that shows <paramref name="text"/> (an email, a file name).</summary>
    public static IElement Row(IHtmlDocument page, string text) =>
        page.QuerySelectorAll("main table tbody tr").Single(row => row.TextContent.Contains(text, StringComparison.Ordinal));

    /// <summary>The text of <paramref name="row"/>'s cell under the column headed <paramref name="column"/>.</summary>
    public static string Cell(IElement row, string column)
    {
        var headings = row.Closest("table")!.QuerySelectorAll("thead th").Select(th => th.TextContent.Trim()).ToList();
        return row.Children[headings.IndexOf(column)].TextContent.Trim();
    }

    public static IHtmlFormElement? Form(IElement row, string handler) =>
        row.QuerySelectorAll<IHtmlFormElement>("form").SingleOrDefault(f => f.GetAttribute("action")!.Contains($"handler={handler}", StringComparison.OrdinalIgnoreCase));

    /// <summary>A form post to <paramref name="url"/> with the antiforgery token of the poster's own <paramref name="page"/>.</summary>
    public static Task<HttpResponseMessage> PostAsync(SiteClient client, IHtmlDocument page, string url, params (string Name, string Value)[] fields) =>
        client.Http.PostAsync(url, new FormUrlEncodedContent(
            fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))
                .Append(new("__RequestVerificationToken", page.QuerySelector<IHtmlInputElement>("input[name=__RequestVerificationToken]")!.Value))));
}
