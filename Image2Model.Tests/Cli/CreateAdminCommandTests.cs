using Image2Model.Site.Cli;
using Image2Model.Tests.Infrastructure;

namespace Image2Model.Tests.Cli;

public sealed class CreateAdminCommandTests
{
    [Fact]
    public async Task Create_admin_makes_a_new_admin_who_can_open_the_admin_pages()
    {
        using var site = new SiteFactory();
        await site.EnsureAdminAsync();
        var output = new StringWriter();

        var exit = await CreateAdminCommand.RunAsync(site.Services, ["ops@example.com"], new StringReader("a long enough password\n"), output, new StringWriter());

        Assert.Equal(0, exit);
        Assert.Contains("Created admin account", output.ToString());
        var client = site.CreateSiteClient();
        await UserStories.SignInAsync(client, "ops@example.com", "a long enough password");
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.Http.GetAsync("/admin/users")).StatusCode);
    }

    [Fact]
    public async Task Create_admin_without_an_email_explains_its_usage()
    {
        using var site = new SiteFactory();
        var errors = new StringWriter();

        var exit = await CreateAdminCommand.RunAsync(site.Services, [], new StringReader(""), new StringWriter(), errors);

        Assert.Equal(2, exit);
        Assert.Contains("usage: create-admin EMAIL", errors.ToString());
    }
}
