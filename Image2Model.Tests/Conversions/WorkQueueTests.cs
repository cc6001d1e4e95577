using Image2Model.Site.Conversions;
using Image2Model.Site.Data;
using Microsoft.Data.Sqlite;
using Image2Model.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Image2Model.Tests.Conversions;

/// <summary>The claiming contract on SQLite (one node) — an in-memory database shared by several "nodes".</summary>
public sealed class SqliteWorkQueueTests : WorkQueueTests, IDisposable
{
    private readonly string _connectionString = $"Data Source=queue-{Guid.NewGuid():N};Mode=Memory;Cache=Shared";
    private readonly SqliteConnection _keepAlive;

    public SqliteWorkQueueTests()
    {
        _keepAlive = new SqliteConnection(_connectionString);
        _keepAlive.Open();
    }

    protected override AppDbContext NewDb() => new SqliteDbContext(new DbContextOptionsBuilder<SqliteDbContext>().UseSqlite(_connectionString).Options);

    public void Dispose() => _keepAlive.Dispose();
}

/// <summary>The same contract on PostgreSQL, the multi-node database.</summary>
public sealed class PostgresWorkQueueTests : WorkQueueTests
{
    private string _connectionString = "";

    public override async Task InitializeAsync()
    {
        _connectionString = await PostgresServer.CreateDatabaseAsync();
        await base.InitializeAsync();
    }

    protected override AppDbContext NewDb() => new PostgresDbContext(new DbContextOptionsBuilder<PostgresDbContext>().UseNpgsql(_connectionString).Options);
}

public abstract class WorkQueueTests : IAsyncLifetime
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);
    private readonly MovableClock _clock = new(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));

    protected abstract AppDbContext NewDb();

    public virtual async Task InitializeAsync()
    {
        await using var db = NewDb();
        await db.Database.MigrateAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Two_dispatchers_racing_over_the_same_rows_never_claim_one_conversion_twice()
    {
        await AddPendingAsync("alice", 40);

        async Task<List<Guid>> Drain(string node)
        {
            var claimed = new List<Guid>();
            await using var db = NewDb();
            var queue = new WorkQueue(db, _clock);
            while (await queue.ClaimNextAsync(node, Lease, [], default) is { } conversion)
            {
                claimed.Add(conversion.Id);
            }

            return claimed;
        }

        var results = await Task.WhenAll(Task.Run(() => Drain("node-a")), Task.Run(() => Drain("node-b")));

        var all = results.SelectMany(r => r).ToList();
        Assert.Equal(40, all.Count);
        Assert.Equal(40, all.Distinct().Count());
        await using var check = NewDb();
        Assert.All(await check.Conversions.ToListAsync(), c => Assert.Equal(ConversionState.Running, c.State));
        Assert.Equal(all.Count, await check.Conversions.CountAsync(c => c.LeaseOwner == "node-a" || c.LeaseOwner == "node-b"));
    }

    [Fact]
    public async Task A_conversion_whose_lease_expired_is_claimed_again_by_another_node()
    {
        await AddPendingAsync("alice", 1);
        await using var db = NewDb();
        var queue = new WorkQueue(db, _clock);
        var first = await queue.ClaimNextAsync("crashed-node", Lease, [], default);
        Assert.NotNull(first);
        Assert.Null(await queue.ClaimNextAsync("other-node", Lease, [], default));

        _clock.Advance(Lease + TimeSpan.FromSeconds(1));
        var second = await queue.ClaimNextAsync("other-node", Lease, [], default);

        Assert.Equal(first.Id, second?.Id);
        await using var check = NewDb();
        Assert.Equal("other-node", (await check.Conversions.SingleAsync()).LeaseOwner);
        // The crashed node, should it come back, can no longer write to the row.
        await queue.ReportAsync(first.Id, "crashed-node", 90, "late report", default);
        await using var after = NewDb();
        Assert.NotEqual(90, (await after.Conversions.SingleAsync()).Progress);
    }

    [Fact]
    public async Task A_renewed_lease_is_not_taken_over()
    {
        await AddPendingAsync("alice", 1);
        await using var db = NewDb();
        var queue = new WorkQueue(db, _clock);
        var claimed = (await queue.ClaimNextAsync("node-a", Lease, [], default))!;

        _clock.Advance(Lease * 0.8);
        var owned = await queue.RenewAsync("node-a", [claimed.Id], Lease, default);
        _clock.Advance(Lease * 0.8);

        Assert.Contains(claimed.Id, owned);
        Assert.Null(await queue.ClaimNextAsync("node-b", Lease, [], default));
    }

    [Fact]
    public async Task Progress_never_goes_backwards()
    {
        await AddPendingAsync("alice", 1);
        await using var db = NewDb();
        var queue = new WorkQueue(db, _clock);
        var claimed = (await queue.ClaimNextAsync("node-a", Lease, [], default))!;

        await queue.ReportAsync(claimed.Id, "node-a", 60, "Most of the way", default);
        await queue.ReportAsync(claimed.Id, "node-a", 30, "Still working", default);

        var stored = await NewDb().Conversions.SingleAsync();
        Assert.Equal(60, stored.Progress);
        Assert.Equal("Still working", stored.Message);
    }

    [Fact]
    public async Task One_users_many_photos_do_not_starve_another_user()
    {
        await AddPendingAsync("alice", 25);
        _clock.Advance(TimeSpan.FromSeconds(1));
        await AddPendingAsync("bob", 1);
        await using var db = NewDb();
        var queue = new WorkQueue(db, _clock);

        var first = await queue.ClaimNextAsync("node-a", Lease, [], default);
        var second = await queue.ClaimNextAsync("node-a", Lease, [], default);

        Assert.Equal("alice", first!.OwnerId);
        Assert.Equal("bob", second!.OwnerId);
    }

    [Fact]
    public async Task A_new_users_photo_goes_next_even_behind_a_scripts_deep_backlog()
    {
        // More than the fast path's window, so the claim has to look past it.
        await AddPendingAsync("script", WorkQueue.Window + 40);
        _clock.Advance(TimeSpan.FromSeconds(1));
        await AddPendingAsync("carol", 1);
        await using var db = NewDb();
        var queue = new WorkQueue(db, _clock);

        var first = await queue.ClaimNextAsync("node-a", Lease, [], default);
        var second = await queue.ClaimNextAsync("node-a", Lease, [], default);
        var third = await queue.ClaimNextAsync("node-a", Lease, [], default);

        Assert.Equal("script", first!.OwnerId);
        Assert.Equal("carol", second!.OwnerId);
        Assert.Equal("script", third!.OwnerId);
    }

    [Fact]
    public async Task Users_with_fewer_running_conversions_go_first_then_the_oldest_work()
    {
        await AddPendingAsync("alice", 5);
        _clock.Advance(TimeSpan.FromSeconds(1));
        await AddPendingAsync("bob", 5);
        _clock.Advance(TimeSpan.FromSeconds(1));
        await AddPendingAsync("carol", 5);
        await using var db = NewDb();
        var queue = new WorkQueue(db, _clock);

        var owners = new List<string>();
        for (var i = 0; i < 9; i++)
        {
            owners.Add((await queue.ClaimNextAsync("node-a", Lease, [], default))!.OwnerId);
        }

        // Round after round: everyone's next photo before anyone's third, oldest user first.
        Assert.Equal(["alice", "bob", "carol", "alice", "bob", "carol", "alice", "bob", "carol"], owners);
    }

    [Fact]
    public async Task A_finished_conversion_no_longer_counts_against_its_user()
    {
        await AddPendingAsync("alice", 3);
        _clock.Advance(TimeSpan.FromSeconds(1));
        await AddPendingAsync("bob", 3);
        await using var db = NewDb();
        var queue = new WorkQueue(db, _clock);

        var alice = (await queue.ClaimNextAsync("node-a", Lease, [], default))!;
        var bob = (await queue.ClaimNextAsync("node-a", Lease, [], default))!;
        await queue.SucceedAsync(alice.Id, "node-a", new string('a', 64), 1, null, 12, "done", default);

        // Bob still has one running, Alice none: Alice's next photo goes first.
        Assert.Equal("bob", bob.OwnerId);
        Assert.Equal("alice", (await queue.ClaimNextAsync("node-a", Lease, [], default))!.OwnerId);
    }

    [Fact]
    public async Task A_node_without_a_generators_key_leaves_its_conversions_for_a_node_that_has_one()
    {
        await AddPendingAsync("alice", 2, generator: "fal-tripo");
        _clock.Advance(TimeSpan.FromSeconds(1));
        await AddPendingAsync("alice", 1);
        await using var db = NewDb();
        var localOnly = new WorkQueue(db, _clock, new GeneratorCatalog([new StubGenerator("local", true), new StubGenerator("fal-tripo", false)]));
        var withKey = new WorkQueue(db, _clock, new GeneratorCatalog([new StubGenerator("local", true), new StubGenerator("fal-tripo", true)]));

        var local = await localOnly.ClaimNextAsync("no-key", Lease, [], default);
        var nothing = await localOnly.ClaimNextAsync("no-key", Lease, [], default);
        var remote = await withKey.ClaimNextAsync("has-key", Lease, [], default);

        Assert.Equal("local", local!.Generator);
        Assert.Null(nothing);
        Assert.Equal("fal-tripo", remote!.Generator);
        await using var check = NewDb();
        Assert.Equal(1, await check.Conversions.CountAsync(c => c.State == ConversionState.Pending && c.Generator == "fal-tripo"));
    }

    [Fact]
    public async Task A_lease_that_expired_is_reclaimed_before_waiting_work()
    {
        await AddPendingAsync("alice", 1);
        await using var db = NewDb();
        var queue = new WorkQueue(db, _clock);
        var crashed = (await queue.ClaimNextAsync("crashed-node", Lease, [], default))!;
        _clock.Advance(Lease + TimeSpan.FromSeconds(1));
        await AddPendingAsync("bob", 3);

        Assert.Equal(crashed.Id, (await queue.ClaimNextAsync("other-node", Lease, [], default))!.Id);
    }

    [Fact]
    public async Task A_node_never_claims_a_conversion_it_is_still_running()
    {
        await AddPendingAsync("alice", 1);
        await using var db = NewDb();
        var queue = new WorkQueue(db, _clock);
        var claimed = (await queue.ClaimNextAsync("node-a", Lease, [], default))!;
        _clock.Advance(Lease * 2);

        Assert.Null(await queue.ClaimNextAsync("node-a", Lease, [claimed.Id], default));
        Assert.Equal(claimed.Id, (await queue.ClaimNextAsync("node-b", Lease, [], default))?.Id);
    }

    [Fact]
    public async Task A_canceled_conversion_is_not_claimed_and_its_runner_loses_the_lease()
    {
        await AddPendingAsync("alice", 1);
        await using var db = NewDb();
        var queue = new WorkQueue(db, _clock);
        var claimed = (await queue.ClaimNextAsync("node-a", Lease, [], default))!;

        Assert.True(await queue.CancelAsync(claimed.Id, default));
        var owned = await queue.RenewAsync("node-a", [claimed.Id], Lease, default);

        Assert.Empty(owned);
        Assert.False(await queue.SucceedAsync(claimed.Id, "node-a", new string('a', 64), 1, null, 12, "done", default));
        Assert.Equal(ConversionState.Canceled, (await NewDb().Conversions.SingleAsync()).State);
    }

    private async Task AddPendingAsync(string owner, int count, string generator = "local")
    {
        await using var db = NewDb();
        var batch = new Batch { OwnerId = owner, CreatedAt = _clock.GetUtcNow().UtcDateTime };
        for (var i = 0; i < count; i++)
        {
            batch.Conversions.Add(new Conversion
            {
                OwnerId = owner,
                FileName = $"{owner}-{i}.png",
                OriginalBlob = new string('0', 64),
                ContentType = "image/png",
                Generator = generator,
                CreatedAt = _clock.GetUtcNow().UtcDateTime.AddMilliseconds(i),
            });
        }

        db.Batches.Add(batch);
        await db.SaveChangesAsync();
    }

    private sealed class StubGenerator(string name, bool configured) : IGenerator
    {
        public string Name => name;

        public string DisplayName => name;

        public string Description => name;

        public bool IsConfigured => configured;

        public GeneratorFeatures Features => GeneratorFeatures.None;

        public Task<GeneratedModel> GenerateAsync(GenerationRequest request, IGenerationContext context, CancellationToken cancellationToken) =>
            throw new NotSupportedException("Claiming only");
    }

    private sealed class MovableClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public void Advance(TimeSpan by) => _now += by;

        public override DateTimeOffset GetUtcNow() => _now;
    }
}
