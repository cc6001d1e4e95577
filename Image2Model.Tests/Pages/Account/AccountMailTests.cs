using System.Diagnostics;
using System.Net;
using Image2Model.Site.Conversions;
using Image2Model.Tests.Email;
using Image2Model.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Image2Model.Tests.Pages.Account;

/// <summary>Password reset, confirmation and address change, through a real SMTP server and the links in its mail.</summary>
public sealed class AccountMailTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static async Task<(SiteFactory Factory, Smtp4dev Smtp)> SiteWithSmtpAsync(bool requireConfirmed = false)
    {
        var smtp = await Smtp4dev.InstanceAsync();
        var factory = new SiteFactory();
        smtp.Configure(factory.Settings);
        if (requireConfirmed)
        {
            factory.Settings["Accounts:RequireConfirmedEmail"] = "true";
        }

        return (factory, smtp);
    }

    private static Task<HttpResponseMessage> AskForResetAsync(SiteClient client, string email) =>
        SubmitAsync(client, "/account/forgot-password", new() { ["Input.Email"] = email });

    private static async Task<HttpResponseMessage> SubmitAsync(SiteClient client, string url, Dictionary<string, string> values)
    {
        var page = await client.GetPageAsync(url);
        return await client.SubmitAsync(UserStories.Form(page), values);
    }

    [Fact]
    public async Task A_user_who_forgot_the_password_follows_the_mailed_link_and_signs_in_with_a_new_one()
    {
        var (factory, smtp) = await SiteWithSmtpAsync();
        using var _ = factory;
        var email = $"forgetful-{Guid.NewGuid():N}@example.com";
        await UserStories.SignedInUserAsync(factory, email);
        var client = factory.CreateSiteClient();

        var asked = await AskForResetAsync(client, email);
        var notice = await client.FollowAsync(asked);
        Assert.Contains("If an account uses that address", notice.QuerySelector(".alert.info")!.TextContent);

        var mail = await smtp.WaitForMessageAsync(email, "new password");
        var link = Smtp4dev.LinkIn(mail);
        Assert.Equal("/account/reset-password", link.AbsolutePath);
        var resetPage = await client.GetPageAsync(link.PathAndQuery);
        var saved = await client.SubmitAsync(UserStories.Form(resetPage), new Dictionary<string, string>
        {
            ["Input.Password"] = "a brand new passphrase",
            ["Input.ConfirmPassword"] = "a brand new passphrase",
        });
        Assert.Equal("/account/login", saved.Headers.Location!.OriginalString);

        Assert.Equal(HttpStatusCode.OK, (await UserStories.SignInAsync(factory.CreateSiteClient(), email)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await UserStories.SignInAsync(factory.CreateSiteClient(), email, "a brand new passphrase")).StatusCode);

        // The link works once.
        var again = await client.SubmitAsync(UserStories.Form(resetPage), new Dictionary<string, string>
        {
            ["Input.Password"] = "yet another passphrase",
            ["Input.ConfirmPassword"] = "yet another passphrase",
        });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Contains("expired or was already used", (await SiteClient.ParseAsync(again)).QuerySelector(".alert.error")!.TextContent);
    }

    [Fact]
    public async Task With_a_public_address_configured_mailed_links_ignore_the_host_the_client_sent()
    {
        var (factory, smtp) = await SiteWithSmtpAsync();
        using var _ = factory;
        factory.Settings["Site:PublicBaseUrl"] = "https://models.example.com";
        var email = $"poisoned-{Guid.NewGuid():N}@example.com";
        await UserStories.SignedInUserAsync(factory, email);
        var client = factory.CreateSiteClient();
        var page = await client.GetPageAsync("/account/forgot-password");

        await client.SubmitAsync(UserStories.Form(page), new Dictionary<string, string> { ["Input.Email"] = email },
            configure: request => request.Headers.Host = "attacker.example");

        var link = Smtp4dev.LinkIn(await smtp.WaitForMessageAsync(email, "new password"));
        Assert.Equal("https://models.example.com/account/reset-password", link.GetLeftPart(UriPartial.Path));
    }

    [Fact]
    public async Task Asking_for_a_reset_for_an_unknown_address_looks_and_takes_the_same_as_for_a_real_one()
    {
        var (factory, smtp) = await SiteWithSmtpAsync();
        using var _ = factory;
        var real = $"real-{Guid.NewGuid():N}@example.com";
        var unknown = $"nobody-{Guid.NewGuid():N}@example.com";
        await UserStories.SignedInUserAsync(factory, real);
        var client = factory.CreateSiteClient();

        var forReal = await AskForResetAsync(client, real);
        var realPage = (await client.FollowAsync(forReal)).QuerySelector("main")!.TextContent;
        var forUnknown = await AskForResetAsync(client, unknown);
        var unknownPage = (await client.FollowAsync(forUnknown)).QuerySelector("main")!.TextContent;
        Assert.Equal(forReal.StatusCode, forUnknown.StatusCode);
        Assert.Equal(forReal.Headers.Location, forUnknown.Headers.Location);
        Assert.Equal(realPage, unknownPage);

        // Timing: pairs of requests back to back, the median of the pairs' ratios (a ratio measured in
        // the same run, so a busy machine slows both sides). Sending mail inside the request would
        // add a whole SMTP conversation to one side only.
        var page = await client.GetPageAsync("/account/forgot-password");
        var form = UserStories.Form(page);
        var ratios = new List<double>();
        for (var i = 0; i < 25; i++)
        {
            // Alternate which goes first, so "first of a pair" does not look like "has an account".
            var (realTime, unknownTime) = i % 2 == 0
                ? (await TimeAsync(client, form, real), await TimeAsync(client, form, unknown))
                : (await TimeAsync(client, form, unknown), await TimeAsync(client, form, real)) switch { var (u, r) => (r, u) };
            ratios.Add(realTime / unknownTime);
        }

        output.WriteLine($"Reset request time, existing / unknown address: median ratio {Median(ratios):0.00} over {ratios.Count} pairs");
        Assert.True(Median(ratios) is >= 0.5 and <= 2.0, $"Median ratio {Median(ratios):0.00}; ratios {string.Join(", ", ratios.Select(r => r.ToString("0.00")))}");

        await smtp.WaitForMessageAsync(real);
        Assert.Equal(0, await smtp.CountAsync(unknown));
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static async Task<double> TimeAsync(SiteClient client, AngleSharp.Html.Dom.IHtmlFormElement form, string email)
    {
        var watch = Stopwatch.StartNew();
        (await client.SubmitAsync(form, new Dictionary<string, string> { ["Input.Email"] = email })).Dispose();
        return watch.Elapsed.TotalMilliseconds;
    }

    [Fact]
    public async Task When_confirmation_is_required_a_new_user_signs_in_only_after_opening_the_mailed_link()
    {
        var (factory, smtp) = await SiteWithSmtpAsync(requireConfirmed: true);
        using var _ = factory;
        await factory.EnsureAdminAsync();
        var email = $"new-{Guid.NewGuid():N}@example.com";
        var client = factory.CreateSiteClient();
        await UserStories.RegisterAsync(client, email);

        Assert.Equal(HttpStatusCode.OK, (await UserStories.SignInAsync(client, email)).StatusCode);

        var mail = await smtp.WaitForMessageAsync(email, "Confirm");
        var confirmed = await client.GetPageAsync(Smtp4dev.LinkIn(mail).PathAndQuery);
        Assert.Contains("confirmed", confirmed.QuerySelector(".alert.success")!.TextContent);
        Assert.Equal(HttpStatusCode.Redirect, (await UserStories.SignInAsync(client, email)).StatusCode);
    }

    [Fact]
    public async Task When_confirmation_is_required_the_first_account_the_admin_signs_in_at_once()
    {
        var (factory, _) = await SiteWithSmtpAsync(requireConfirmed: true);
        using var __ = factory;
        var client = factory.CreateSiteClient();

        await UserStories.RegisterAsync(client, "owner@example.com");

        Assert.Equal(HttpStatusCode.Redirect, (await UserStories.SignInAsync(client, "owner@example.com")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.Http.GetAsync("/admin/users")).StatusCode);
    }

    [Fact]
    public async Task A_lost_confirmation_mail_can_be_sent_again()
    {
        var (factory, smtp) = await SiteWithSmtpAsync(requireConfirmed: true);
        using var _ = factory;
        await factory.EnsureAdminAsync();
        var email = $"again-{Guid.NewGuid():N}@example.com";
        var client = factory.CreateSiteClient();
        await UserStories.RegisterAsync(client, email);
        await smtp.WaitForMessageAsync(email, "Confirm");

        var resent = await SubmitAsync(client, "/account/resend-confirmation", new() { ["Input.Email"] = email });
        Assert.Equal(HttpStatusCode.Redirect, resent.StatusCode);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await smtp.CountAsync(email) < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "The second confirmation mail did not arrive.");
            await Task.Delay(200);
        }

        await client.GetPageAsync(Smtp4dev.LinkIn(await smtp.WaitForMessageAsync(email, "Confirm")).PathAndQuery);
        Assert.Equal(HttpStatusCode.Redirect, (await UserStories.SignInAsync(client, email)).StatusCode);
    }

    [Fact]
    public async Task A_user_changes_the_address_by_opening_the_link_sent_to_the_new_one()
    {
        var (factory, smtp) = await SiteWithSmtpAsync();
        using var _ = factory;
        var oldEmail = $"old-{Guid.NewGuid():N}@example.com";
        var newEmail = $"new-{Guid.NewGuid():N}@example.com";
        var client = await UserStories.SignedInUserAsync(factory, oldEmail);

        var asked = await SubmitAsync(client, "/account/change-email", new() { ["Input.NewEmail"] = newEmail });
        Assert.Contains(newEmail, (await client.FollowAsync(asked)).QuerySelector(".alert.info")!.TextContent);
        // Nothing changes before the link is opened.
        Assert.Equal(HttpStatusCode.Redirect, (await UserStories.SignInAsync(factory.CreateSiteClient(), oldEmail)).StatusCode);

        var mail = await smtp.WaitForMessageAsync(newEmail, "new email");
        var done = await client.GetPageAsync(Smtp4dev.LinkIn(mail).PathAndQuery);
        Assert.Contains(newEmail, done.QuerySelector(".alert.success")!.TextContent);

        Assert.Equal(HttpStatusCode.Redirect, (await UserStories.SignInAsync(factory.CreateSiteClient(), newEmail)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await UserStories.SignInAsync(factory.CreateSiteClient(), oldEmail)).StatusCode);
        Assert.Contains(newEmail, (await smtp.WaitForMessageAsync(oldEmail, "was changed")).TextBody);
    }

    [Fact]
    public async Task A_user_deletes_the_account_and_none_of_its_rows_or_files_remain_but_a_photo_another_user_shares_stays()
    {
        using var factory = new SiteFactory();
        var email = $"leaving-{Guid.NewGuid():N}@example.com";
        var leaving = await UserStories.SignedInUserAsync(factory, email);
        var staying = await UserStories.SignedInUserAsync(factory);
        var mine = Waiting.BatchIdFrom(await UserStories.UploadAsync(leaving, [Fixtures.File("coffee.png"), Fixtures.File("apple.png")]));
        var shared = Waiting.BatchIdFrom(await UserStories.UploadAsync(staying, [Fixtures.File("apple.png")]));
        await Waiting.ForBatchAsync(factory, mine);
        await Waiting.ForBatchAsync(factory, shared);
        List<string> myFiles, sharedFiles;
        string userId;
        await using (var db = factory.CreateDbContext())
        {
            userId = (await db.Users.SingleAsync(u => u.Email == email)).Id;
            myFiles = Keys(await db.Conversions.Where(c => c.OwnerId == userId).ToListAsync());
            sharedFiles = Keys(await db.Conversions.Where(c => c.BatchId == shared).ToListAsync());
        }

        Assert.All(myFiles.Concat(sharedFiles), key => Assert.True(File.Exists(BlobPath(factory, key)), key));

        var page = await leaving.GetPageAsync("/account/delete");
        var deleted = await leaving.SubmitAsync(UserStories.Form(page), new Dictionary<string, string>
        {
            ["Input.Password"] = UserStories.Password,
            ["Input.Understood"] = "true",
        });

        Assert.Equal("/account/login", deleted.Headers.Location!.OriginalString);
        Assert.All(myFiles.Except(sharedFiles), key => Assert.False(File.Exists(BlobPath(factory, key)), $"{key} is still on disk"));
        Assert.All(sharedFiles, key => Assert.True(File.Exists(BlobPath(factory, key)), $"{key} of the other user was deleted"));
        await using (var db = factory.CreateDbContext())
        {
            Assert.False(await db.Users.AnyAsync(u => u.Id == userId));
            Assert.False(await db.Conversions.AnyAsync(c => c.OwnerId == userId));
            Assert.False(await db.Batches.AnyAsync(b => b.OwnerId == userId));
            Assert.False(await db.ApiTokens.AnyAsync(t => t.UserId == userId));
        }

        Assert.Equal(HttpStatusCode.OK, (await UserStories.SignInAsync(factory.CreateSiteClient(), email)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await leaving.Http.GetAsync("/models")).StatusCode);
    }

    [Fact]
    public async Task Deleting_the_account_needs_the_password()
    {
        using var factory = new SiteFactory();
        var client = await UserStories.SignedInUserAsync(factory);
        var page = await client.GetPageAsync("/account/delete");

        var refused = await client.SubmitAsync(UserStories.Form(page), new Dictionary<string, string> { ["Input.Password"] = "not my password", ["Input.Understood"] = "true" });

        Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        Assert.Contains("not your password", (await SiteClient.ParseAsync(refused)).QuerySelector(".alert.error")!.TextContent);
        Assert.Equal(HttpStatusCode.OK, (await client.Http.GetAsync("/models")).StatusCode);
    }

    internal static List<string> Keys(IEnumerable<Conversion> conversions) =>
        conversions.SelectMany(c => new[] { c.OriginalBlob, c.ThumbnailBlob, c.ModelBlob, c.PreviewBlob }).OfType<string>().Distinct().ToList();

    internal static string BlobPath(SiteFactory factory, string key) =>
        Directory.EnumerateFiles(factory.DataDirectory, key, SearchOption.AllDirectories).FirstOrDefault() ?? Path.Combine(factory.DataDirectory, "missing", key);
}
