using System.Net;
using Image2Model.Site.Conversions;
using Image2Model.Site.Generators.Fal;
using Image2Model.Tests.Fakes;
using Image2Model.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NSec.Cryptography;

namespace Image2Model.Tests.Generators;

/// <summary>
/// fal-tripo with FAL's webhooks, the whole site on real HTTP on loopback: a submit whose answer is
/// lost is found again through FAL's signed callback, and nothing else can pretend to be FAL.
/// </summary>
public sealed class FalWebhookTests : IAsyncLifetime
{
    /// <summary>What the site believes its public address is; the fake FAL's "load balancer" sends it on to Kestrel.</summary>
    private static readonly Uri PublicBase = new("http://models.example.test/");

    private FakeFalServer _fal = null!;

    public async Task InitializeAsync() => _fal = await FakeFalServer.StartNewAsync();

    public async Task DisposeAsync() => await _fal.DisposeAsync();

    private (SiteFactory Site, Uri Root) Site(bool webhooks)
    {
        var site = new SiteFactory();
        foreach (var (key, value) in RemoteGeneratorHost.FastSettings("Generators:FalTripo"))
        {
            site.Settings[key] = value;
        }

        site.Settings["FAL_KEY"] = FakeServer.Key;
        site.Settings["Generators:FalTripo:QueueUrl"] = _fal.Root.ToString();
        site.Settings["Generators:FalTripo:RestUrl"] = _fal.Root.ToString();
        site.Settings["Generators:FalTripo:Deadline"] = "00:01:00";
        site.Settings["Generators:FalTripo:SubmitTimeout"] = "00:00:02";
        site.Settings["Generators:FalTripo:WebhookWait"] = "00:00:30";
        site.Settings["Site:PublicBaseUrl"] = PublicBase.ToString();
        if (webhooks)
        {
            site.Settings["Generators:FalTripo:Webhooks"] = "true";
        }

        var root = Loopback.Start(site);
        _fal.WebhookTarget = url => new Uri(root, url.PathAndQuery);
        return (site, root);
    }

    private static async Task<Guid> UploadAsync(Uri root)
    {
        var user = Loopback.Client(root);
        var email = $"user-{Guid.NewGuid():N}@example.com";
        await UserStories.RegisterAsync(user, email);
        Assert.Equal(HttpStatusCode.Redirect, (await UserStories.SignInAsync(user, email)).StatusCode);
        return Waiting.BatchIdFrom(await UserStories.UploadAsync(user, [Fixtures.File("apple.png")], new Dictionary<string, string> { ["Input.Generator"] = "fal-tripo" }));
    }

    private static async Task<Conversion> ConversionAsync(SiteFactory site, Guid batchId)
    {
        await using var db = site.CreateDbContext();
        return await db.Conversions.AsNoTracking().SingleAsync(c => c.BatchId == batchId);
    }

    /// <summary>The callback URL the submit carried, aimed at the real site.</summary>
    private Uri Callback(Uri root)
    {
        var submit = _fal.RequestsTo("submit").Single();
        var named = new Uri(QueryHelpers.ParseQuery(submit.Query)["fal_webhook"].ToString());
        return new Uri(root, named.PathAndQuery);
    }

    [Fact]
    public async Task A_submit_whose_answer_is_lost_ends_succeeded_with_one_submit_when_webhooks_are_on()
    {
        _fal.DropSubmitReplies = 1;
        var (site, root) = Site(webhooks: true);
        using var _ = site;

        var conversion = Assert.Single(await Waiting.ForBatchAsync(site, await UploadAsync(root)));

        Assert.True(conversion.State == ConversionState.Succeeded, conversion.Message);
        Assert.Equal(1, _fal.SubmitCount);
        Assert.Contains(_fal.WebhookDeliveries, d => d.Status == 200 && d.RequestId == _fal.Jobs.Keys.Single());
    }

    [Fact]
    public async Task A_submit_whose_answer_is_lost_fails_plainly_and_is_not_repeated_when_webhooks_are_off()
    {
        _fal.DropSubmitReplies = 1;
        var (site, root) = Site(webhooks: false);
        using var _ = site;

        var conversion = Assert.Single(await Waiting.ForBatchAsync(site, await UploadAsync(root)));

        Assert.Equal(ConversionState.Failed, conversion.State);
        Assert.Equal("FAL may have started this job, but its answer never arrived, so it was not sent a second time. Try again to start a new one.", conversion.Message);
        Assert.Equal(1, _fal.SubmitCount);
        Assert.DoesNotContain("fal_webhook", _fal.RequestsTo("submit").Single().Query);
        Assert.Empty(_fal.WebhookDeliveries);
    }

    [Fact]
    public async Task Forged_stale_misaddressed_webhooks_are_refused_and_change_nothing_and_a_repeated_one_is_harmless()
    {
        // FAL itself stays quiet: the test plays FAL, and the forger.
        _fal.WebhookDelay = TimeSpan.FromHours(1);
        _fal.DropSubmitReplies = 1;
        var (site, root) = Site(webhooks: true);
        using var _ = site;
        var batchId = await UploadAsync(root);
        await Waiting.UntilAsync(async () => (await ConversionAsync(site, batchId)).Message.StartsWith("Waiting to hear back from FAL", StringComparison.Ordinal), "the conversion to wait for FAL");
        var waiting = await ConversionAsync(site, batchId);
        var requestId = _fal.Jobs.Keys.Single();
        var callback = Callback(root);
        var body = _fal.WebhookBody(requestId);
        using var http = new HttpClient();
        using var forger = new Key(SignatureAlgorithm.Ed25519);
        var otherId = Guid.NewGuid();
        var otherToken = site.Services.GetRequiredService<FalWebhooks>().CallbackFor(otherId);

        var forged = await http.SendAsync(_fal.SignedWebhook(callback, requestId, body, key: forger));
        var stale = await http.SendAsync(_fal.SignedWebhook(callback, requestId, body, timestamp: DateTimeOffset.UtcNow.AddMinutes(-6)));
        var tampered = _fal.SignedWebhook(callback, requestId, body);
        tampered.Content = new StringContent(body.Replace(requestId, Guid.NewGuid().ToString()), System.Text.Encoding.UTF8, "application/json");
        var bodySwapped = await http.SendAsync(tampered);
        var wrongToken = await http.SendAsync(_fal.SignedWebhook(new Uri(root, $"/webhooks/fal/{waiting.Id:N}{otherToken.Query}"), requestId, body));
        var noToken = await http.SendAsync(_fal.SignedWebhook(new Uri(root, $"/webhooks/fal/{waiting.Id:N}"), requestId, body));
        var unknown = await http.SendAsync(_fal.SignedWebhook(new Uri(root, otherToken.PathAndQuery), requestId, body));

        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, stale.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, bodySwapped.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, wrongToken.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, noToken.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var after = await ConversionAsync(site, batchId);
        Assert.Equal(waiting.ResumeState, after.ResumeState);
        Assert.DoesNotContain(requestId, after.ResumeState);

        var genuine = await http.SendAsync(_fal.SignedWebhook(callback, requestId, body));
        var named = (await ConversionAsync(site, batchId)).ResumeState;
        var repeated = await http.SendAsync(_fal.SignedWebhook(callback, requestId, body));

        Assert.Equal(HttpStatusCode.OK, genuine.StatusCode);
        Assert.Equal(HttpStatusCode.OK, repeated.StatusCode);
        Assert.Contains(requestId, named);
        var conversion = Assert.Single(await Waiting.ForBatchAsync(site, batchId));
        Assert.True(conversion.State == ConversionState.Succeeded, conversion.Message);
        Assert.Equal(1, _fal.SubmitCount);
        var late = await http.SendAsync(_fal.SignedWebhook(callback, requestId, body));
        Assert.Equal(HttpStatusCode.OK, late.StatusCode);
        Assert.Equal(ConversionState.Succeeded, (await ConversionAsync(site, batchId)).State);
    }

    private RemoteGeneratorHost Generator(string wait = "00:00:30") => RemoteGeneratorHost.ForFal(_fal, s =>
    {
        s["Site:PublicBaseUrl"] = PublicBase.ToString();
        s["Generators:FalTripo:Webhooks"] = "true";
        s["Generators:FalTripo:WebhookWait"] = wait;
    });

    /// <summary>The state an attempt leaves when its node dies during the submit, and the job FAL made meanwhile.</summary>
    private async Task<(string InFlight, string RequestId)> SubmitInFlightAsync()
    {
        _fal.WebhookDelay = TimeSpan.FromHours(1);
        using var first = Generator();
        var context = new RecordingGenerationContext();
        await first.Generator.GenerateAsync(RemoteGeneratorHost.Request(), context, CancellationToken.None);
        return (context.States[0], _fal.Jobs.Keys.Single());
    }

    [Fact]
    public async Task An_attempt_resumed_after_a_kill_mid_submit_waits_for_fal_to_name_the_job_then_finishes_it_without_a_second_submit()
    {
        var (inFlight, requestId) = await SubmitInFlightAsync();
        using var second = Generator();
        var generator = (FalTripoGenerator)second.Generator;
        var context = new RecordingGenerationContext { Stored = inFlight };

        var run = generator.GenerateAsync(RemoteGeneratorHost.Request(resumeState: inFlight), context, CancellationToken.None);
        await context.WaitForMessageAsync("Waiting to hear back from FAL about this job", TimeSpan.FromSeconds(10));
        Assert.False(run.IsCompleted);
        context.Stored = generator.WithJob(inFlight, generator.JobNamed(requestId));
        var model = await run;

        Assert.True(model.Triangles > 0);
        Assert.Equal(1, _fal.SubmitCount);
        Assert.Contains(_fal.RequestsTo("status"), r => r.Path.Contains(requestId, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_attempt_resumed_after_a_kill_mid_submit_fails_plainly_when_fal_never_names_the_job()
    {
        var (inFlight, _) = await SubmitInFlightAsync();
        using var second = Generator(wait: "00:00:00.300");
        var context = new RecordingGenerationContext { Stored = inFlight };

        var failure = await Assert.ThrowsAsync<GenerationFailedException>(() =>
            second.Generator.GenerateAsync(RemoteGeneratorHost.Request(resumeState: inFlight), context, CancellationToken.None));

        Assert.Equal("FAL may have started this job, but its answer never arrived, so it was not sent a second time. Try again to start a new one.", failure.Message);
        Assert.Contains(context.Progress, p => p.Message == "Waiting to hear back from FAL about this job");
        Assert.Equal(1, _fal.SubmitCount);
    }

    [Fact]
    public async Task Without_a_lost_answer_a_webhook_run_submits_once_and_succeeds_by_polling()
    {
        var (site, root) = Site(webhooks: true);
        using var _ = site;

        var conversion = Assert.Single(await Waiting.ForBatchAsync(site, await UploadAsync(root)));

        Assert.True(conversion.State == ConversionState.Succeeded, conversion.Message);
        Assert.Equal(1, _fal.SubmitCount);
        Assert.Contains("fal_webhook=", _fal.RequestsTo("submit").Single().Query);
    }
}
