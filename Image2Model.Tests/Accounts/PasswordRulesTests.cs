using System.Net;
using Image2Model.Site.Accounts;
using Image2Model.Tests.Infrastructure;

namespace Image2Model.Tests.Accounts;

/// <summary>Long enough is not enough: common passwords and ones made of the email address are refused.</summary>
public sealed class PasswordRulesTests(SiteFactory factory) : IClassFixture<SiteFactory>
{
    [Theory]
    [InlineData("aaaaaaaaaa", "one of the most common")]
    [InlineData("password12", "one of the most common")]
    [InlineData("1234567890", "one of the most common")]
    [InlineData("Iloveyou2024!", "one of the most common")]
    [InlineData("abababababab", "one of the most common")]
    [InlineData("{email}", "must not contain your email address")]
    [InlineData("my {email} 1", "must not contain your email address")]
    [InlineData("{name}-secret-words", "must not contain your email address")]
    public async Task Registering_with_a_weak_password_is_refused_with_a_reason(string password, string reason)
    {
        await factory.EnsureAdminAsync();
        var name = $"weak{Guid.NewGuid():N}"[..12];
        var email = $"{name}@example.com";
        password = password.Replace("{email}", email).Replace("{name}", name);
        var client = factory.CreateSiteClient();
        var page = await client.GetPageAsync("/account/register");

        var response = await client.SubmitAsync(UserStories.Form(page), new Dictionary<string, string>
        {
            ["Input.Email"] = email, ["Input.Password"] = password, ["Input.ConfirmPassword"] = password,
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(reason, (await SiteClient.ParseAsync(response)).QuerySelector(".validation-summary-errors")!.TextContent);
        Assert.NotEqual(HttpStatusCode.Redirect, (await UserStories.SignInAsync(factory.CreateSiteClient(), email, password)).StatusCode);
    }

    [Fact]
    public async Task A_weak_password_is_refused_alike_for_a_new_and_an_existing_address()
    {
        await factory.EnsureAdminAsync();
        var client = factory.CreateSiteClient();
        var answers = new List<string>();
        foreach (var email in new[] { SiteFactory.AdminEmail, $"new-{Guid.NewGuid():N}@example.com" })
        {
            var page = await client.GetPageAsync("/account/register");
            var response = await client.SubmitAsync(UserStories.Form(page), new Dictionary<string, string>
            {
                ["Input.Email"] = email, ["Input.Password"] = "password12", ["Input.ConfirmPassword"] = "password12",
            });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            answers.Add((await SiteClient.ParseAsync(response)).QuerySelector(".validation-summary-errors")!.TextContent);
        }

        Assert.Equal(answers[0], answers[1]);
    }

    [Fact]
    public async Task A_long_uncommon_password_is_accepted()
    {
        await factory.EnsureAdminAsync();
        var email = $"user-{Guid.NewGuid():N}@example.com";
        var client = factory.CreateSiteClient();
        await UserStories.RegisterAsync(client, email, "purple kettle on the moon");

        Assert.Equal(HttpStatusCode.Redirect, (await UserStories.SignInAsync(client, email, "purple kettle on the moon")).StatusCode);
    }

    [Fact]
    public void The_bundled_list_holds_the_ten_thousand_most_common_passwords()
    {
        Assert.True(PasswordRules.IsCommon("123456"));
        Assert.True(PasswordRules.IsCommon("qwertyuiop"));
        Assert.True(PasswordRules.IsCommon("Trustno1"));
        Assert.False(PasswordRules.IsCommon("purple kettle on the moon"));
    }
}
