using Image2Model.Site.Conversions;
using Image2Model.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Image2Model.Tests.Conversions;

public sealed class RunnerTests
{
    [Fact]
    public async Task Graceful_shutdown_hands_unfinished_work_back_to_the_queue_with_its_saved_state()
    {
        using var factory = new SlowSiteFactory();
        factory.Settings["Conversions:ShutdownGracePeriod"] = "00:00:00.200";
        var client = await UserStories.SignedInUserAsync(factory);
        var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(client, [Fixtures.File("apple.png")],
            new Dictionary<string, string> { ["Input.Generator"] = SlowGenerator.GeneratorName }));
        await SlowGenerator.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var lifetime = factory.Services.GetRequiredService<IHostApplicationLifetime>();
        lifetime.StopApplication();
        await WaitUntilAsync(lifetime.ApplicationStopped);

        await using var db = new Image2Model.Site.Data.SqliteDbContext(
            new DbContextOptionsBuilder<Image2Model.Site.Data.SqliteDbContext>().UseSqlite(factory.ConnectionString).Options);
        var conversion = await db.Conversions.SingleAsync(c => c.BatchId == batchId);
        Assert.Equal(ConversionState.Pending, conversion.State);
        Assert.Null(conversion.LeaseOwner);
        Assert.Equal("request-42", conversion.ResumeState);
        Assert.Equal(20, conversion.Progress);
    }

    private static async Task WaitUntilAsync(CancellationToken token)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!token.IsCancellationRequested && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.True(token.IsCancellationRequested, "The host did not stop.");
    }

    private sealed class SlowSiteFactory : SiteFactory
    {
        protected override void ConfigureTestServices(IServiceCollection services) =>
            services.AddSingleton<IGenerator, SlowGenerator>();
    }

    /// <summary>A generator that saves provider state and then waits for ever, like a long remote job.</summary>
    private sealed class SlowGenerator : IGenerator
    {
        public const string GeneratorName = "slow-test";

        public static readonly TaskCompletionSource Started = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name => GeneratorName;

        public string DisplayName => "Slow (test)";

        public string Description => "Never finishes.";

        public bool IsConfigured => true;

        public GeneratorFeatures Features => GeneratorFeatures.None;

        public async Task<GeneratedModel> GenerateAsync(GenerationRequest request, IGenerationContext context, CancellationToken cancellationToken)
        {
            await context.SaveResumeStateAsync("request-42", cancellationToken);
            await context.ReportProgressAsync(20, "Waiting for the provider", cancellationToken);
            Started.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }
    }
}
