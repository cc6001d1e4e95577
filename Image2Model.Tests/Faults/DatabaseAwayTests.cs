using System.Net.Sockets;
using Image2Model.Site.Conversions;
using Image2Model.Tests.Fakes;
using Image2Model.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Image2Model.Tests.Faults;

/// <summary>
/// A run that loses its database connection (PostgreSQL restarting) must not be failed for it: the
/// failure would be written the moment the database is back, for work that only had to wait.
/// </summary>
public sealed class DatabaseAwayTests
{
    [Fact]
    public async Task A_run_cut_off_by_a_lost_database_connection_is_claimed_again_after_its_lease_and_succeeds()
    {
        using var site = new CutOffSiteFactory();
        site.Settings["Conversions:LeaseDuration"] = "00:00:01";
        var user = await UserStories.SignedInUserAsync(site);
        var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(user, [Fixtures.File("apple.png")],
            new Dictionary<string, string> { ["Input.Generator"] = CutOffGenerator.GeneratorName }));

        var conversion = Assert.Single(await Waiting.ForBatchAsync(site, batchId, TimeSpan.FromSeconds(30)));

        Assert.Equal(ConversionState.Succeeded, conversion.State);
        Assert.Equal(2, site.Generator.Runs);
    }

    private sealed class CutOffSiteFactory : SiteFactory
    {
        public CutOffGenerator Generator { get; } = new();

        protected override void ConfigureTestServices(IServiceCollection services) => services.AddSingleton<IGenerator>(Generator);
    }

    /// <summary>Its first run fails the way a progress report does when PostgreSQL has just gone away.</summary>
    private sealed class CutOffGenerator : IGenerator
    {
        public const string GeneratorName = "cut-off-test";
        private int _runs;

        public int Runs => _runs;

        public string Name => GeneratorName;

        public string DisplayName => "Cut off (test)";

        public string Description => "Loses the database on its first run.";

        public bool IsConfigured => true;

        public GeneratorFeatures Features => GeneratorFeatures.None;

        public Task<GeneratedModel> GenerateAsync(GenerationRequest request, IGenerationContext context, CancellationToken cancellationToken) =>
            Interlocked.Increment(ref _runs) == 1
                ? throw new Npgsql.NpgsqlException("Exception while reading from stream", new SocketException((int)SocketError.ConnectionReset))
                : Task.FromResult(new GeneratedModel(TestGlb.Create(12, "cut-off"), null, 12, "Done"));
    }
}
