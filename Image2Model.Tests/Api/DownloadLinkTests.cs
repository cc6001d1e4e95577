using System.Net;
using System.Text.Json;
using Image2Model.Site.Data;
using Image2Model.Site.Storage;
using Image2Model.Tests.Fakes;
using Image2Model.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Image2Model.Tests.Api;

/// <summary>A signed link opens exactly the model it was made for, and only while its owner may sign in.</summary>
public sealed class DownloadLinkTests
{
    [Fact]
    public async Task A_signed_link_stops_working_while_its_owner_is_locked()
    {
        using var site = new SiteFactory();
        var (link, conversionId) = await LinkAsync(site);
        var anonymous = ApiStories.Script(site, null);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(link)).StatusCode);
        var owner = await OwnerOfAsync(site, conversionId);

        await SetLockAsync(site, owner, DateTimeOffset.MaxValue);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(link)).StatusCode);

        await SetLockAsync(site, owner, null);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(link)).StatusCode);
    }

    [Fact]
    public async Task A_link_made_before_make_it_again_does_not_open_the_new_model()
    {
        using var site = new SiteFactory();
        var (link, conversionId) = await LinkAsync(site);
        var anonymous = ApiStories.Script(site, null);
        var newKey = await site.Services.GetRequiredService<BlobStore>().PutAsync(TestGlb.Create(3, "made again"));
        await using (var db = site.CreateDbContext())
        {
            await db.Conversions.Where(c => c.Id == conversionId).ExecuteUpdateAsync(s => s.SetProperty(c => c.ModelBlob, newKey));
        }

        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(link)).StatusCode);
    }

    private static async Task<(string Link, Guid ConversionId)> LinkAsync(SiteFactory site)
    {
        var script = await ApiStories.ScriptAsync(site);
        var upload = await ApiStories.UploadAsync(script, "apple.png");
        await ApiStories.WaitForFinishAsync(site, upload);
        var list = await ApiStories.JsonAsync(await script.GetAsync($"/api/v1/download/{upload.GetProperty("job_id").GetString()}/all"));
        var file = list.GetProperty("files").EnumerateArray().Single();
        return (list.GetProperty("download_urls")[0].GetString()!, Guid.Parse(file.GetProperty("file_id").GetString()!));
    }

    private static async Task<string> OwnerOfAsync(SiteFactory site, Guid conversionId)
    {
        await using var db = site.CreateDbContext();
        return await db.Conversions.Where(c => c.Id == conversionId).Select(c => c.OwnerId).SingleAsync();
    }

    private static async Task SetLockAsync(SiteFactory site, string userId, DateTimeOffset? until)
    {
        await using var scope = site.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        Assert.True((await users.SetLockoutEndDateAsync((await users.FindByIdAsync(userId))!, until)).Succeeded);
    }
}
