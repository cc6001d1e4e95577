using System.Net;
using System.Text.Json;
using Image2Model.Tests.Api;
using Image2Model.Tests.Infrastructure;

namespace Image2Model.Tests.Quotas;

public sealed class QuotaTests
{
    [Fact]
    public async Task A_user_at_the_daily_limit_is_told_when_it_resets_on_the_page_and_in_the_api()
    {
        using var factory = new SiteFactory();
        var email = $"busy-{Guid.NewGuid():N}@example.com";
        var user = await UserStories.SignedInUserAsync(factory, email);
        var token = await ApiStories.CreateTokenAsync(user);
        var admin = await AdminStories.SignedInAdminAsync(factory);
        var userId = await AdminStories.UserIdAsync(factory, email);
        var details = await admin.GetPageAsync($"/admin/users/{userId}");
        await admin.SubmitAsync(AdminStories.FormOf(details, "#quota-form"), new Dictionary<string, string> { ["conversionsPerDay"] = "2", ["storageMegabytes"] = "" });

        var page = await user.GetPageAsync("/upload");
        Assert.Contains("0 of 2 conversions", page.QuerySelector("#quota-usage")!.TextContent.Replace("\n", " ").Replace("  ", " "));
        Assert.Equal(HttpStatusCode.Redirect, (await UserStories.UploadAsync(user, [Fixtures.File("apple.png")])).StatusCode);

        var refused = await UserStories.UploadAsync(user, [Fixtures.File("horse.png"), Fixtures.File("rubber_duck.png")]);
        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        var message = (await SiteClient.ParseAsync(refused)).QuerySelector(".alert.error")!.TextContent.Trim();
        Assert.StartsWith("You can convert 1 more photo today; you chose 2.", message);
        Assert.Contains("starts again at midnight UTC, in", message);

        var script = ApiStories.Script(factory, token);
        var api = await script.PostAsync("/api/v1/upload", ApiStories.Form([Fixtures.File("horse.png"), Fixtures.File("rubber_duck.png")]));
        Assert.Equal(HttpStatusCode.TooManyRequests, api.StatusCode);
        Assert.True(api.Headers.RetryAfter!.Delta > TimeSpan.Zero && api.Headers.RetryAfter.Delta <= TimeSpan.FromDays(1));
        using var json = JsonDocument.Parse(await api.Content.ReadAsStringAsync());
        Assert.Equal(message, json.RootElement.GetProperty("detail").GetString());

        // One more still fits; then the day is used up.
        Assert.Equal(HttpStatusCode.Redirect, (await UserStories.UploadAsync(user, [Fixtures.File("horse.png")])).StatusCode);
        var full = await UserStories.UploadAsync(user, [Fixtures.File("horse.png")]);
        Assert.StartsWith("You have used all 2 conversions for today.", (await SiteClient.ParseAsync(full)).QuerySelector(".alert.error")!.TextContent.Trim());
        Assert.Contains("2 of 2 conversions", (await user.GetPageAsync("/upload")).QuerySelector("#quota-usage")!.TextContent.Replace("\n", " ").Replace("  ", " "));
    }

    [Fact]
    public async Task Full_storage_refuses_uploads_with_a_plain_message_and_the_api_says_403()
    {
        using var factory = new SiteFactory();
        factory.Settings["Quotas:StorageBytes"] = "20000";
        var user = await UserStories.SignedInUserAsync(factory);
        var token = await ApiStories.CreateTokenAsync(user);

        var refused = await UserStories.UploadAsync(user, [Fixtures.File("coffee.png")]);
        var message = (await SiteClient.ParseAsync(refused)).QuerySelector(".alert.error")!.TextContent.Trim();
        Assert.StartsWith("Your storage is full: 0 bytes of 19.5 KB used", message);
        Assert.Contains("Delete some models to make room.", message);

        var api = await ApiStories.Script(factory, token).PostAsync("/api/v1/upload", ApiStories.Form([Fixtures.File("coffee.png")]));
        Assert.Equal(HttpStatusCode.Forbidden, api.StatusCode);
        Assert.Contains("storage is full", await api.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Redirect, (await UserStories.UploadAsync(user, [Fixtures.File("apple.png")])).StatusCode);
    }
}
