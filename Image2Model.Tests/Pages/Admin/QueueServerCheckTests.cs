using Image2Model.Tests.Fakes;
using Image2Model.Tests.Infrastructure;

namespace Image2Model.Tests.Pages.Admin;

/// <summary>Admins see whether the Hunyuan3D server the site points at answers.</summary>
public sealed class QueueServerCheckTests
{
    [Fact]
    public async Task Admin_sees_that_the_hunyuan3d_server_answers()
    {
        await using var server = await FakeHunyuan3DServer.StartNewAsync();
        using var site = new SiteFactory();
        site.Settings["Generators:Hunyuan3D:BaseUrl"] = server.Root.ToString();

        var status = await HunyuanStatusAsync(site);

        Assert.Contains("Configured; server: Answers", status);
        Assert.Equal(0, server.SendCount);
        Assert.Single(server.RequestsTo("status"));
    }

    [Fact]
    public async Task Admin_sees_that_the_hunyuan3d_server_does_not_answer()
    {
        using var site = new SiteFactory();
        site.Settings["Generators:Hunyuan3D:BaseUrl"] = "http://127.0.0.1:9/";
        site.Settings["Generators:Hunyuan3D:Http:Retry:MaxRetryAttempts"] = "1";
        site.Settings["Generators:Hunyuan3D:Http:Retry:Delay"] = "00:00:00.010";

        var status = await HunyuanStatusAsync(site);

        Assert.Contains("server: Does not answer", status);
    }

    [Fact]
    public async Task Without_a_base_url_the_queue_page_checks_no_server()
    {
        using var site = new SiteFactory();

        var status = await HunyuanStatusAsync(site);

        Assert.Equal("Not configured (no key or server set)", status);
    }

    private static async Task<string> HunyuanStatusAsync(SiteFactory site)
    {
        await site.EnsureAdminAsync();
        var admin = site.CreateSiteClient();
        await UserStories.SignInAsync(admin, SiteFactory.AdminEmail);
        var page = await admin.GetPageAsync("/admin/queue");
        var row = page.QuerySelectorAll("tr").Single(r => r.QuerySelector("code")?.TextContent == "hunyuan3d");
        return row.QuerySelectorAll("td")[2].TextContent.Trim();
    }
}
