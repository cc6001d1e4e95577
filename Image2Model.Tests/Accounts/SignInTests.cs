using System.Diagnostics;
using System.Net;
using Image2Model.Site.Accounts;
using Image2Model.Site.Cli;
using Image2Model.Site.Data;
using Image2Model.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Image2Model.Tests.Accounts;

/// <summary>
/// Sign-in tells nobody which addresses have accounts, and wrong guesses cannot lock an owner out.
/// Real HTTP on loopback: each browser connects from its own address in 127.0.0.0/8.
/// </summary>
public sealed class SignInTests
{
    private const string Wrong = "not the password at all";
    private const string Throttled = "Too many failed attempts for this email address. Please wait 15 minutes and try again.";
    private const string NoMatch = "That email and password do not match an account.";

    [Fact]
    public async Task Known_and_unknown_addresses_get_the_same_answers_before_and_after_too_many_failures()
    {
        using var site = new SiteFactory();
        var address = Loopback.Start(site);
        var known = await AccountAsync(site);
        var guesser = Loopback.Client(address, "127.0.0.2");

        var forKnown = new List<string>();
        var forUnknown = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            forKnown.Add(await ErrorAsync(await UserStories.SignInAsync(guesser, known, Wrong)));
            forUnknown.Add(await ErrorAsync(await UserStories.SignInAsync(guesser, "nobody-at-all@example.com", Wrong)));
        }

        Assert.Equal(forKnown, forUnknown);
        Assert.Equal(NoMatch, forKnown[0]);
        Assert.Equal(Throttled, forKnown[^1]);
    }

    [Fact]
    public async Task A_stranger_guessing_wrong_does_not_lock_the_owner_out()
    {
        using var site = new SiteFactory();
        var address = Loopback.Start(site);
        var victim = await AccountAsync(site);
        var stranger = Loopback.Client(address, "127.0.0.3");
        for (var i = 0; i < 10; i++)
        {
            await UserStories.SignInAsync(stranger, victim, Wrong);
        }

        Assert.Equal(Throttled, await ErrorAsync(await UserStories.SignInAsync(stranger, victim, UserStories.Password)));
        var owner = await UserStories.SignInAsync(Loopback.Client(address, "127.0.0.1"), victim);
        Assert.Equal(HttpStatusCode.Redirect, owner.StatusCode);
    }

    [Fact]
    public async Task Failures_from_many_clients_together_reach_the_higher_account_wide_threshold()
    {
        using var site = new SiteFactory();
        site.Settings["SignIn:MaxFailuresPerAccount"] = "8";
        var address = Loopback.Start(site);
        var victim = await AccountAsync(site);
        foreach (var from in new[] { "127.0.0.4", "127.0.0.5" })
        {
            var client = Loopback.Client(address, from);
            for (var i = 0; i < 4; i++)
            {
                Assert.Equal(NoMatch, await ErrorAsync(await UserStories.SignInAsync(client, victim, Wrong)));
            }
        }

        Assert.Equal(Throttled, await ErrorAsync(await UserStories.SignInAsync(Loopback.Client(address, "127.0.0.6"), victim, UserStories.Password)));
    }

    [Fact]
    public async Task An_unknown_address_takes_as_long_to_refuse_as_a_known_one()
    {
        using var site = new SiteFactory();
        var address = Loopback.Start(site);
        var client = Loopback.Client(address, "127.0.0.7");
        var known = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            known.Add(await AccountAsync(site));
        }

        await UserStories.SignInAsync(client, "warm-up@example.com", Wrong);
        var knownTimes = new List<double>();
        var unknownTimes = new List<double>();
        // Interleaved, and each address tried once, so load on the machine and the throttle hit both alike.
        foreach (var email in known)
        {
            knownTimes.Add(await TimeAsync(() => UserStories.SignInAsync(client, email, Wrong)));
            unknownTimes.Add(await TimeAsync(() => UserStories.SignInAsync(client, $"unknown-{Guid.NewGuid():N}@example.com", Wrong)));
        }

        var ratio = Median(unknownTimes) / Median(knownTimes);
        Assert.True(ratio is > 0.5 and < 2, $"unknown {Median(unknownTimes):0} ms, known {Median(knownTimes):0} ms");
    }

    [Fact]
    public async Task An_admin_locked_out_every_way_gets_back_in_from_the_command_line()
    {
        using var site = new SiteFactory();
        site.Settings["SignIn:MaxFailuresPerAccount"] = "3";
        var address = Loopback.Start(site);
        await site.EnsureAdminAsync();
        var attacker = Loopback.Client(address, "127.0.0.8");
        for (var i = 0; i < 3; i++)
        {
            await UserStories.SignInAsync(attacker, SiteFactory.AdminEmail, Wrong);
        }

        await using (var scope = site.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            await users.SetLockoutEndDateAsync((await users.FindByEmailAsync(SiteFactory.AdminEmail))!, DateTimeOffset.MaxValue);
        }

        var admin = Loopback.Client(address);
        Assert.Equal(Throttled, await ErrorAsync(await UserStories.SignInAsync(admin, SiteFactory.AdminEmail)));

        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await UnlockCommand.RunAsync(site.Services, [SiteFactory.AdminEmail, "--new-password"], new StringReader("a brand new passphrase\n"), stdout, stderr);

        Assert.True(exit == 0, stderr.ToString());
        Assert.Contains("unlocked", stdout.ToString());
        Assert.Equal(NoMatch, await ErrorAsync(await UserStories.SignInAsync(admin, SiteFactory.AdminEmail)));
        Assert.Equal(HttpStatusCode.Redirect, (await UserStories.SignInAsync(admin, SiteFactory.AdminEmail, "a brand new passphrase")).StatusCode);
    }

    [Fact]
    public async Task The_unlock_verb_names_an_unknown_address_and_its_usage()
    {
        using var site = new SiteFactory();
        var stderr = new StringWriter();

        Assert.Equal(2, await UnlockCommand.RunAsync(site.Services, ["nobody@example.com"], TextReader.Null, TextWriter.Null, stderr));
        Assert.Contains("No account", stderr.ToString());
        Assert.Equal(2, await UnlockCommand.RunAsync(site.Services, [], TextReader.Null, TextWriter.Null, stderr));
        Assert.Contains(UnlockCommand.Usage, stderr.ToString());
    }

    private static async Task<string> AccountAsync(SiteFactory site)
    {
        await site.EnsureAdminAsync();
        var email = $"user-{Guid.NewGuid():N}@example.com";
        await using var scope = site.Services.CreateAsyncScope();
        Assert.True((await scope.ServiceProvider.GetRequiredService<Registration>().RegisterAsync(email, UserStories.Password)).Succeeded);
        return email;
    }

    private static async Task<string> ErrorAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await SiteClient.ParseAsync(response);
        return page.QuerySelector(".validation-summary-errors li")?.TextContent.Trim() ?? "(no error shown)";
    }

    private static async Task<double> TimeAsync(Func<Task<HttpResponseMessage>> signIn)
    {
        var watch = Stopwatch.StartNew();
        (await signIn()).Dispose();
        return watch.Elapsed.TotalMilliseconds;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}
