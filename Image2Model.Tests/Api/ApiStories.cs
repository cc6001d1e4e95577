using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using AngleSharp.Html.Dom;
using Image2Model.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Image2Model.Tests.Api;

/// <summary>What a script does: get a token from the tokens page, then talk JSON with it.</summary>
public static class ApiStories
{
    /// <summary>Creates a token on the tokens page (no JavaScript) and returns the secret it shows once.</summary>
    public static async Task<string> CreateTokenAsync(SiteClient user, string name = "script")
    {
        var page = await user.GetPageAsync("/tokens");
        var response = await user.SubmitAsync(page.QuerySelector<IHtmlFormElement>("#create-token")!, new Dictionary<string, string> { ["Input.Name"] = name });
        var shown = await user.FollowAsync(response);
        return shown.QuerySelector("#new-token code")?.TextContent ?? throw new InvalidOperationException("The new token was not shown.");
    }

    /// <summary>A newly registered user's script: an HTTP client with no cookies and that user's token.</summary>
    public static async Task<HttpClient> ScriptAsync(SiteFactory factory)
    {
        var user = await UserStories.SignedInUserAsync(factory);
        return Script(factory, await CreateTokenAsync(user));
    }

    public static HttpClient Script(SiteFactory factory, string? token)
    {
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    public static MultipartFormDataContent Form(IEnumerable<FileField> files, IReadOnlyDictionary<string, string>? fields = null)
    {
        var form = new MultipartFormDataContent();
        foreach (var file in files)
        {
            var part = new ByteArrayContent(file.Content);
            part.Headers.ContentType = new MediaTypeHeaderValue(file.ContentType);
            form.Add(part, "files", file.FileName);
        }

        foreach (var (name, value) in fields ?? new Dictionary<string, string>())
        {
            form.Add(new StringContent(value), name);
        }

        return form;
    }

    /// <summary>Uploads and expects success; returns the JSON answer.</summary>
    public static async Task<JsonElement> UploadAsync(HttpClient script, params string[] fixtures)
    {
        var response = await script.PostAsync("/api/v1/upload", Form(fixtures.Select(Fixtures.File)));
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Upload answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await JsonAsync(response);
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    /// <summary>Asserts the body is exactly <c>{"detail": "&lt;non-empty string&gt;"}</c> and returns the detail.</summary>
    public static async Task<string> DetailAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        var json = await JsonAsync(response);
        Assert.Equal(["detail"], json.EnumerateObject().Select(p => p.Name));
        var detail = Assert.IsType<string>(json.GetProperty("detail").GetString());
        Assert.NotEmpty(detail);
        return detail;
    }

    /// <summary>Asserts the object has exactly these properties, each of the given JSON kind.</summary>
    public static void HasShape(JsonElement json, params (string Name, JsonValueKind Kind)[] fields)
    {
        Assert.Equal(JsonValueKind.Object, json.ValueKind);
        Assert.Equal(fields.Select(f => f.Name).Order(), json.EnumerateObject().Select(p => p.Name).Order());
        foreach (var (name, kind) in fields)
        {
            Assert.True(json.GetProperty(name).ValueKind == kind, $"\"{name}\" is {json.GetProperty(name).ValueKind}, expected {kind}: {json}");
        }
    }

    public static async Task WaitForFinishAsync(SiteFactory factory, JsonElement upload) =>
        await Waiting.ForBatchAsync(factory, Guid.Parse(upload.GetProperty("job_id").GetString()!));
}
