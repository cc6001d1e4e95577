using System.IO.Compression;
using System.Net;
using AngleSharp.Html.Dom;
using Image2Model.Site.Conversions;
using Image2Model.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Image2Model.Tests.Pages.Models;

public sealed class LibraryPageTests(SiteFactory factory) : IClassFixture<SiteFactory>
{
    [Fact]
    public async Task Library_pages_thirty_at_a_time_newest_first_with_plain_links()
    {
        var (client, _) = await UserWithModelsAsync(65);

        var first = await client.GetPageAsync("/models");
        var next = first.QuerySelector<IHtmlAnchorElement>("nav.pager a[rel=next]")!;
        var second = await client.GetPageAsync(next.GetAttribute("href")!);
        var last = await client.GetPageAsync(second.QuerySelector("nav.pager a[rel=next]")!.GetAttribute("href")!);

        Assert.Equal(30, Names(first).Count);
        Assert.Equal("model 064.jpg", Names(first)[0]);
        Assert.Equal("/models?p=2", next.GetAttribute("href"));
        Assert.Equal("model 034.jpg", Names(second)[0]);
        Assert.Equal(5, Names(last).Count);
        Assert.Null(last.QuerySelector("nav.pager a[rel=next]"));
        Assert.Contains("page 3 of 3", last.QuerySelector(".library-count")!.TextContent);
    }

    [Fact]
    public async Task Search_filters_and_sorts_are_a_get_form_that_works_without_javascript()
    {
        var (client, _) = await UserWithModelsAsync(12);

        var page = await client.GetPageAsync("/models");
        var form = page.QuerySelector<IHtmlFormElement>("form.library-filters")!;
        Assert.Equal("get", form.Method);
        var searched = await client.GetPageAsync(GetUrl(form, new Dictionary<string, string> { ["q"] = "MODEL 00", ["sort"] = "oldest" }));
        var failed = await client.GetPageAsync("/models?state=failed");
        var byTriangles = await client.GetPageAsync("/models?sort=triangles");
        var byGenerator = await client.GetPageAsync("/models?generator=tripo");
        var none = await client.GetPageAsync("/models?q=nothing-like-this");

        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"model {i:000}.jpg"), Names(searched));
        Assert.Equal("MODEL 00", searched.QuerySelector<IHtmlInputElement>("input[name=q]")!.Value);
        Assert.All(Names(failed), n => Assert.Contains(n, new[] { "model 003.jpg", "model 006.jpg", "model 009.jpg" }));
        Assert.Equal(3, Names(failed).Count);
        Assert.Equal("model 011.jpg", Names(byTriangles)[0]);
        Assert.Equal(["model 005.jpg", "model 010.jpg"], Names(byGenerator).Order());
        Assert.Contains("No models match", none.QuerySelector("#library")!.TextContent);
    }

    [Fact]
    public async Task Htmx_gets_only_the_results_and_a_history_restore_gets_the_whole_page()
    {
        var (client, _) = await UserWithModelsAsync(3);

        var fragment = await client.Http.SendAsync(Htmx("/models?q=model"));
        var restore = Htmx("/models?q=model");
        restore.Headers.Add("HX-History-Restore-Request", "true");
        var restored = await client.Http.SendAsync(restore);
        var full = await client.Http.GetAsync("/models?q=model");

        var html = await fragment.Content.ReadAsStringAsync();
        Assert.DoesNotContain("<html", html);
        Assert.StartsWith("<section id=\"library\"", html.Trim());
        Assert.Contains("HX-Request", fragment.Headers.Vary);
        Assert.Contains("<html", await restored.Content.ReadAsStringAsync());
        var page = await SiteClient.ParseAsync(full);
        Assert.NotNull(page.QuerySelector("main form.library-filters[hx-push-url=true]"));
        Assert.NotNull(page.QuerySelector("main #library"));
        Assert.Contains("HX-Request", full.Headers.Vary);
    }

    [Fact]
    public async Task Library_shows_each_finished_model_as_its_rendered_preview()
    {
        var client = await UserStories.SignedInUserAsync(factory);
        var conversion = Assert.Single(await Waiting.ForBatchAsync(factory, Waiting.BatchIdFrom(await UserStories.UploadAsync(client, [Fixtures.File("apple.png")]))));

        var page = await client.GetPageAsync("/models");

        var image = page.QuerySelector<IHtmlImageElement>($"a[href='/models/{conversion.Id}'] img.preview")!;
        Assert.Equal($"/files/{conversion.Id}/preview.png", image.GetAttribute("src"));
    }

    [Fact]
    public async Task Selected_models_download_as_one_zip_and_delete_together_but_only_the_users_own()
    {
        var client = await UserStories.SignedInUserAsync(factory);
        var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(client, [Fixtures.File("apple.png"), Fixtures.File("rubber_duck.png"), Fixtures.File("horse.png")]));
        var conversions = await Waiting.ForBatchAsync(factory, batchId);
        var (_, strangerIds) = await UserWithModelsAsync(1);
        var page = await client.GetPageAsync("/models");
        var form = page.QuerySelector<IHtmlFormElement>("form.library-selection")!;
        var apple = conversions.Single(c => c.FileName == "apple.png").Id.ToString();
        var duck = conversions.Single(c => c.FileName == "rubber_duck.png").Id.ToString();

        foreach (var box in form.QuerySelectorAll<IHtmlInputElement>("input[name=ids]"))
        {
            box.IsChecked = box.Value == apple || box.Value == duck;
        }

        var zipResponse = await client.SubmitAsync(form, new Dictionary<string, string> { ["format"] = "stl" });
        Assert.Equal(HttpStatusCode.OK, zipResponse.StatusCode);
        using (var zip = new ZipArchive(await zipResponse.Content.ReadAsStreamAsync()))
        {
            Assert.Equal(["apple.stl", "rubber_duck.stl"], zip.Entries.Select(e => e.FullName).Order());
        }

        // Someone else's id slipped into the post is ignored, exactly as if it did not exist.
        var deleteButton = form.QuerySelector<IHtmlButtonElement>("button[formaction*='handler=delete']")!;
        var extra = page.CreateElement("input");
        extra.SetAttribute("type", "hidden");
        extra.SetAttribute("name", "ids");
        extra.SetAttribute("value", strangerIds[0].ToString());
        form.AppendChild(extra);
        var deleted = await client.SubmitAsync(form, configure: request => request.RequestUri = new Uri(deleteButton.GetAttribute("formaction")!, UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, deleted.StatusCode);

        await using var db = factory.CreateDbContext();
        var left = await db.Conversions.Where(c => c.BatchId == batchId).Select(c => c.FileName).ToListAsync();
        Assert.Equal(["horse.png"], left);
        Assert.True(await db.Conversions.AnyAsync(c => c.Id == strangerIds[0]));
        Assert.Contains("Deleted 2 models", (await client.FollowAsync(deleted)).QuerySelector(".alert.info")!.TextContent);
    }

    [Fact]
    public async Task Admins_see_every_users_models_with_an_owner_filter_and_users_cannot()
    {
        var email = $"owner-{Guid.NewGuid():N}@example.com";
        var (owner, _) = await UserWithModelsAsync(2, email);
        var admin = factory.CreateSiteClient();
        await UserStories.SignInAsync(admin, SiteFactory.AdminEmail);

        var all = await admin.GetPageAsync($"/models?scope=all&owner={Uri.EscapeDataString(email[..12])}");
        var ownView = await owner.GetPageAsync("/models?scope=all");

        Assert.Equal("All models", all.QuerySelector("h1")!.TextContent);
        Assert.Equal(2, Names(all).Count);
        Assert.All(all.QuerySelectorAll(".tile .owner"), o => Assert.Equal(email, o.TextContent));
        Assert.Equal("My models", ownView.QuerySelector("h1")!.TextContent);
        Assert.Null(ownView.QuerySelector("select[name=scope]"));
    }

    private static List<string> Names(IHtmlDocument page) =>
        page.QuerySelectorAll("#library .tile .name").Select(n => n.TextContent).ToList();

    /// <summary>What a browser requests when the GET form is submitted with these values filled in.</summary>
    private static string GetUrl(IHtmlFormElement form, IReadOnlyDictionary<string, string> values)
    {
        var fields = new List<(string Name, string Value)>();
        foreach (var element in form.Elements)
        {
            var (name, value) = element switch
            {
                IHtmlInputElement input => (input.Name, input.Value),
                IHtmlSelectElement select => (select.Name, select.Value ?? ""),
                _ => (null, ""),
            };
            if (!string.IsNullOrEmpty(name))
            {
                fields.Add((name, values.TryGetValue(name, out var given) ? given : value));
            }
        }

        return form.GetAttribute("action") + "?" + string.Join("&", fields.Select(f => $"{f.Name}={Uri.EscapeDataString(f.Value)}"));
    }

    private static HttpRequestMessage Htmx(string url)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("HX-Request", "true");
        return request;
    }

    /// <summary>
    /// A new user with <paramref name="count"/> models written straight to the database: "model 000.jpg"
    /// is the oldest; every third is failed, every fifth made by "tripo", triangles rise with the number.
    /// </summary>
    private async Task<(SiteClient Client, List<Guid> Ids)> UserWithModelsAsync(int count, string? email = null)
    {
        email ??= $"user-{Guid.NewGuid():N}@example.com";
        var client = await UserStories.SignedInUserAsync(factory, email);
        await using var db = factory.CreateDbContext();
        var userId = await db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();
        var start = DateTime.UtcNow.AddDays(-1);
        var batch = new Batch { OwnerId = userId, CreatedAt = start };
        for (var i = 0; i < count; i++)
        {
            var failed = i % 3 == 0 && i > 0;
            batch.Conversions.Add(new Conversion
            {
                OwnerId = userId,
                FileName = $"model {i:000}.jpg",
                OriginalBlob = new string('0', 64),
                ContentType = "image/jpeg",
                Generator = i % 5 == 0 && i > 0 ? "tripo" : "local",
                State = failed ? ConversionState.Failed : ConversionState.Succeeded,
                Triangles = failed ? null : 1000 + i,
                CreatedAt = start.AddMinutes(i),
            });
        }

        db.Batches.Add(batch);
        await db.SaveChangesAsync();
        return (client, batch.Conversions.Select(c => c.Id).ToList());
    }
}
