using System.Data.Common;
using Image2Model.Site.Conversions;
using Image2Model.Site.Data;
using Image2Model.Tests.Fakes;
using Image2Model.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Image2Model.Tests.Conversions;

public sealed class RunnerTests
{
    [Fact]
    public async Task Graceful_shutdown_hands_unfinished_work_back_to_the_queue_with_its_saved_state()
    {
        using var factory = new HeldSiteFactory();
        factory.Settings["Conversions:ShutdownGracePeriod"] = "00:00:00.200";
        var (_, batchId) = await factory.UploadAsync();
        await factory.Generator.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var lifetime = factory.Services.GetRequiredService<IHostApplicationLifetime>();
        lifetime.StopApplication();
        await WaitUntilAsync(lifetime.ApplicationStopped);

        var conversion = await factory.ConversionAsync(batchId);
        Assert.Equal(ConversionState.Pending, conversion.State);
        Assert.Null(conversion.LeaseOwner);
        Assert.Equal("request-42", conversion.ResumeState);
        Assert.Equal(20, conversion.Progress);
    }

    [Fact]
    public async Task A_run_whose_lease_another_node_took_stops_and_stores_nothing()
    {
        using var factory = new HeldSiteFactory { IgnoresCancellation = true };
        factory.Settings["Conversions:LeaseDuration"] = "00:00:00.600";
        var (_, batchId) = await factory.UploadAsync();
        await factory.Generator.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // Another node took the conversion over (its lease had expired there, say).
        await using (var db = factory.CreateDbContext())
        {
            await db.Conversions.Where(c => c.BatchId == batchId).ExecuteUpdateAsync(s => s
                .SetProperty(c => c.LeaseOwner, "other-node")
                .SetProperty(c => c.LeaseExpiresAt, DateTime.UtcNow.AddHours(1)));
        }

        // The heartbeat notices and cancels the local run; this generator finishes anyway, late.
        await factory.Generator.Canceled.Task.WaitAsync(TimeSpan.FromSeconds(30));
        factory.Generator.Finish();
        var runner = factory.Services.GetRequiredService<ConversionRunner>();
        await Waiting.UntilAsync(() => runner.RunningCount == 0, "the abandoned run to end");

        var conversion = await factory.ConversionAsync(batchId);
        Assert.Equal(ConversionState.Running, conversion.State);
        Assert.Equal("other-node", conversion.LeaseOwner);
        Assert.Null(conversion.ModelBlob);
        Assert.Equal(1, factory.Generator.Runs);
    }

    [Fact]
    public async Task A_conversion_that_runs_past_the_item_timeout_fails_with_a_plain_message()
    {
        using var factory = new HeldSiteFactory();
        factory.Settings["Conversions:ItemTimeout"] = "00:00:00.500";
        var (_, batchId) = await factory.UploadAsync();

        var conversion = Assert.Single(await Waiting.ForBatchAsync(factory, batchId));

        Assert.Equal(ConversionState.Failed, conversion.State);
        Assert.Equal("This took longer than the limit of 1 second, so it was stopped. Please try again.", conversion.Message);
        Assert.Null(conversion.LeaseOwner);
    }

    [Fact]
    public async Task Canceling_a_running_conversion_stops_its_generator_at_once()
    {
        using var factory = new HeldSiteFactory();
        var (client, batchId) = await factory.UploadAsync();
        await factory.Generator.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var page = await client.GetPageAsync($"/batches/{batchId}");
        var canceled = await client.SubmitAsync(page.QuerySelector<AngleSharp.Html.Dom.IHtmlFormElement>("form[action$='handler=cancel']")!);
        Assert.Equal(System.Net.HttpStatusCode.Redirect, canceled.StatusCode);

        await factory.Generator.Canceled.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var runner = factory.Services.GetRequiredService<ConversionRunner>();
        await Waiting.UntilAsync(() => runner.RunningCount == 0, "the canceled run to end");
        var conversion = await factory.ConversionAsync(batchId);
        Assert.Equal(ConversionState.Canceled, conversion.State);
        Assert.Null(conversion.LeaseOwner);
    }

    [Fact]
    public async Task A_claim_that_was_under_way_when_shutdown_began_is_handed_back_before_shutdown_ends()
    {
        using var factory = new HeldSiteFactory();
        factory.Settings["Conversions:ShutdownGracePeriod"] = "00:00:00.200";
        factory.Claims.Hold = true;
        var (_, batchId) = await factory.UploadAsync();
        await factory.Claims.Claimed.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // The claim is on its way to the database but has not returned to the runner, and shutdown begins.
        var runner = factory.Services.GetRequiredService<ConversionRunner>();
        var stop = runner.StopAsync(CancellationToken.None);
        var stoppedDuringClaim = await Task.WhenAny(stop, Task.Delay(TimeSpan.FromSeconds(2))) == stop;
        factory.Claims.Release();
        await stop.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.False(stoppedDuringClaim, "Shutdown ended while a claim was still under way, leaving it leased to a stopped node.");
        var conversion = await factory.ConversionAsync(batchId);
        Assert.Equal(ConversionState.Pending, conversion.State);
        Assert.Null(conversion.LeaseOwner);
    }

    private static async Task WaitUntilAsync(CancellationToken token) =>
        await Waiting.UntilAsync(() => token.IsCancellationRequested, "the host to stop");

    private sealed class HeldSiteFactory : SiteFactory
    {
        public HeldGenerator Generator { get; } = new();

        public ClaimGate Claims { get; } = new();

        public bool IgnoresCancellation
        {
            init => Generator.IgnoresCancellation = value;
        }

        protected override void ConfigureTestServices(IServiceCollection services)
        {
            services.AddSingleton<IGenerator>(Generator);
            services.ConfigureDbContext<SqliteDbContext>(o => o.AddInterceptors(Claims));
        }

        public async Task<(SiteClient Client, Guid BatchId)> UploadAsync()
        {
            var client = await UserStories.SignedInUserAsync(this);
            var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(client, [Fixtures.File("apple.png")],
                new Dictionary<string, string> { ["Input.Generator"] = HeldGenerator.GeneratorName }));
            return (client, batchId);
        }

        public async Task<Conversion> ConversionAsync(Guid batchId)
        {
            await using var db = new SqliteDbContext(new DbContextOptionsBuilder<SqliteDbContext>().UseSqlite(ConnectionString).Options);
            return await db.Conversions.AsNoTracking().SingleAsync(c => c.BatchId == batchId);
        }
    }

    /// <summary>A generator that saves provider state and then waits, like a long remote job.</summary>
    private sealed class HeldGenerator : IGenerator
    {
        public const string GeneratorName = "held-test";
        private readonly TaskCompletionSource _finish = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _runs;

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Canceled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Like a provider call that cannot be interrupted: it returns a model after being canceled.</summary>
        public bool IgnoresCancellation { get; set; }

        public int Runs => _runs;

        public string Name => GeneratorName;

        public string DisplayName => "Held (test)";

        public string Description => "Waits until the test lets it finish.";

        public bool IsConfigured => true;

        public GeneratorFeatures Features => GeneratorFeatures.None;

        public void Finish() => _finish.TrySetResult();

        public async Task<GeneratedModel> GenerateAsync(GenerationRequest request, IGenerationContext context, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _runs);
            using var registration = cancellationToken.Register(() => Canceled.TrySetResult());
            await context.SaveResumeStateAsync("request-42", cancellationToken);
            await context.ReportProgressAsync(20, "Waiting for the provider", cancellationToken);
            Started.TrySetResult();
            try
            {
                await (IgnoresCancellation ? _finish.Task : _finish.Task.WaitAsync(cancellationToken));
            }
            catch (OperationCanceledException)
            {
                // WaitAsync can resume this method inside Cancel(), before the registration's callback runs.
                Canceled.TrySetResult();
                throw;
            }

            return new GeneratedModel(TestGlb.Create(12, "held"), null, 12, "Done");
        }
    }

    /// <summary>Holds the claim's UPDATE just before the database runs it, until the test lets it go on.</summary>
    private sealed class ClaimGate : DbCommandInterceptor
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Hold { get; set; }

        public TaskCompletionSource Claimed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _release.TrySetResult();

        public override async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            await HoldClaimAsync(command);
            return result;
        }

        public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            await HoldClaimAsync(command);
            return result;
        }

        private async Task HoldClaimAsync(DbCommand command)
        {
            // The claim is the only UPDATE of a conversion that sets StartedAt.
            if (Hold && command.CommandText.Contains("UPDATE \"Conversions\"") && command.CommandText.Contains("\"StartedAt\""))
            {
                Hold = false;
                Claimed.TrySetResult();
                await _release.Task;
            }
        }
    }
}
