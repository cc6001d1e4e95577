using System.Net;
using AngleSharp.Html.Dom;

namespace Image2Model.Tests.Infrastructure;

/// <summary>The steps users take again and again, each through the real pages.</summary>
public static class UserStories
{
    public const string Password = "correct horse battery";

    public static async Task RegisterAsync(SiteClient client, string email, string password = Password)
    {
        var page = await client.GetPageAsync("/account/register");
        var response = await client.SubmitAsync(Form(page), new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.Password"] = password,
            ["Input.ConfirmPassword"] = password,
        });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
    }

    public static async Task<HttpResponseMessage> SignInAsync(SiteClient client, string email, string password = Password)
    {
        var page = await client.GetPageAsync("/account/login");
        return await client.SubmitAsync(Form(page), new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.Password"] = password,
        });
    }

    /// <summary>A new client signed in as a newly registered user.</summary>
    public static async Task<SiteClient> SignedInUserAsync(SiteFactory factory, string? email = null)
    {
        await factory.EnsureAdminAsync();
        var client = factory.CreateSiteClient();
        email ??= $"user-{Guid.NewGuid():N}@example.com";
        await RegisterAsync(client, email);
        var response = await SignInAsync(client, email);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return client;
    }

    /// <summary>Uploads files through the upload form; returns the response (a redirect to the batch on success).</summary>
    public static async Task<HttpResponseMessage> UploadAsync(SiteClient client, IEnumerable<FileField> files, IReadOnlyDictionary<string, string>? options = null)
    {
        var page = await client.GetPageAsync("/upload");
        var form = page.QuerySelector<IHtmlFormElement>("#upload-form")!;
        return await client.SubmitAsync(form, options, files);
    }

    public static IHtmlFormElement Form(IHtmlDocument page) =>
        page.QuerySelector<IHtmlFormElement>("main form") ?? throw new InvalidOperationException("The page has no form.");
}
