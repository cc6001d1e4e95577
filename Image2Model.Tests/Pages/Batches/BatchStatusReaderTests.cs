using System.Security.Claims;
using Image2Model.Site.Conversions;
using Image2Model.Site.Data;
using Image2Model.Site.Pages.Batches;
using Image2Model.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Image2Model.Tests.Pages.Batches;

/// <summary>The revalidation's plain SQL read on SQLite (one node).</summary>
public sealed class SqliteBatchStatusReaderTests : BatchStatusReaderTests
{
    private readonly string _connectionString = $"Data Source=status-{Guid.NewGuid():N};Mode=Memory;Cache=Shared";
    private readonly SqliteConnection _keepAlive;

    public SqliteBatchStatusReaderTests()
    {
        _keepAlive = new SqliteConnection(_connectionString);
        _keepAlive.Open();
    }

    protected override void AddDatabase(IServiceCollection services) =>
        services.AddDbContextPool<SqliteDbContext>(o => o.UseSqlite(_connectionString)).AddScoped<AppDbContext>(sp => sp.GetRequiredService<SqliteDbContext>());

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _keepAlive.Dispose();
    }
}

/// <summary>The same on PostgreSQL, where two nodes share the database.</summary>
public sealed class PostgresBatchStatusReaderTests : BatchStatusReaderTests
{
    private string _connectionString = "";

    public override async Task InitializeAsync()
    {
        _connectionString = await PostgresServer.CreateDatabaseAsync();
        await base.InitializeAsync();
    }

    protected override void AddDatabase(IServiceCollection services) =>
        services.AddDbContextPool<PostgresDbContext>(o => o.UseNpgsql(_connectionString)).AddScoped<AppDbContext>(sp => sp.GetRequiredService<PostgresDbContext>());
}

/// <summary>
/// What a poll's revalidation reads (<see cref="BatchStatusReader"/>) must be what the page reads
/// (<see cref="BatchReadModel"/>), or a 304 could answer for a batch that changed.
/// </summary>
public abstract class BatchStatusReaderTests : IAsyncLifetime
{
    private ServiceProvider _node = null!;
    private ServiceProvider _otherNode = null!;

    protected abstract void AddDatabase(IServiceCollection services);

    public virtual async Task InitializeAsync()
    {
        _node = Node();
        _otherNode = Node();
        await using var scope = _node.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<AppDbContext>().Database.MigrateAsync();
    }

    /// <summary>One site node's services: its database contexts and its reader.</summary>
    private ServiceProvider Node()
    {
        var services = new ServiceCollection();
        AddDatabase(services);
        services.AddSingleton<BatchStatusReader>();
        return services.BuildServiceProvider();
    }

    public virtual async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await _otherNode.DisposeAsync();
    }

    [Fact]
    public async Task The_revalidation_reads_a_batch_exactly_as_the_page_does()
    {
        var batch = await AddBatchAsync("alice", at =>
        [
            // Same upload time: the order falls back to the name, then the id.
            Row(at, "b.png", ConversionState.Succeeded, 100, "Done", model: "m1", preview: "p1", thumbnail: "t1", size: 1234, triangles: 500, finished: at.AddSeconds(30)),
            Row(at, "a.png", ConversionState.Failed, 40, "The photo could not be read", thumbnail: "t2", finished: at.AddSeconds(20)),
            Row(at, "a.png", ConversionState.Running, 65, "Building the mesh…"),
            Row(at.AddSeconds(-1), "z.png", ConversionState.Pending, 0, "Waiting in the queue"),
            Row(at.AddSeconds(1), "c.png", ConversionState.Canceled, 10, "Canceled", model: "stale-model-of-a-retry"),
        ]);

        var read = await ReadAsync(_node, batch);
        await using var scope = _node.CreateAsyncScope();
        var page = await BatchReadModel.ByIdAsync(scope.ServiceProvider.GetRequiredService<AppDbContext>(), batch, default);

        Assert.NotNull(read);
        Assert.NotNull(page);
        Assert.Equal((page.Id, page.TaskId, page.OwnerId, page.CreatedAt), (read.Id, read.TaskId, read.OwnerId, read.CreatedAt));
        Assert.Equal(page.Items, read.Items);
        Assert.Equal(["z.png", "a.png", "a.png", "b.png", "c.png"], read.Items.Select(i => i.FileName));
        Assert.Equal(new BatchView(page).ETagFor(User("alice")), new BatchView(read).ETagFor(User("alice")));
    }

    [Fact]
    public async Task A_change_made_on_another_node_is_read_by_the_next_poll_on_this_one()
    {
        var batch = await AddBatchAsync("alice", at => [Row(at, "apple.png", ConversionState.Running, 20, "Building the mesh…")]);
        var before = new BatchView((await ReadAsync(_node, batch))!).ETagFor(User("alice"));

        // The other node's worker reports progress.
        await using (var scope = _otherNode.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<AppDbContext>().Conversions.Where(c => c.BatchId == batch)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.Progress, 80).SetProperty(c => c.Message, "Painting the texture…"));
        }

        var after = await ReadAsync(_node, batch);
        Assert.Equal((80, "Painting the texture…"), (after!.Items[0].Progress, after.Items[0].Message));
        Assert.NotEqual(before, new BatchView(after).ETagFor(User("alice")));
    }

    [Fact]
    public async Task A_deleted_batch_reads_as_none()
    {
        var batch = await AddBatchAsync("alice", at => [Row(at, "apple.png", ConversionState.Pending, 0, "Waiting in the queue")]);
        await using (var scope = _otherNode.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<AppDbContext>().Batches.Where(b => b.Id == batch).ExecuteDeleteAsync();
        }

        Assert.Null(await ReadAsync(_node, batch));
        Assert.Null(await ReadAsync(_node, Guid.NewGuid()));
    }

    [Fact]
    public async Task Many_polls_at_once_each_read_their_own_batch()
    {
        var batches = new List<Guid>();
        for (var i = 0; i < 8; i++)
        {
            var progress = i * 10;
            batches.Add(await AddBatchAsync($"user-{i}", at => [Row(at, $"photo-{progress}.png", ConversionState.Running, progress, "Working")]));
        }

        // Pollers on threads of their own, each reading in a loop, as a busy node's requests do.
        var reads = await Task.WhenAll(Enumerable.Range(0, 8).Select(poller => Task.Factory.StartNew(() =>
        {
            var mine = new List<(int Index, BatchReadModel? Batch)>();
            for (var i = 0; i < 500; i++)
            {
                var index = (poller + i) % 8;
                mine.Add((index, ReadAsync(_node, batches[index]).GetAwaiter().GetResult()));
            }

            return mine;
        }, TaskCreationOptions.LongRunning)));

        Assert.All(reads.SelectMany(r => r), r => Assert.Equal((batches[r.Index], $"user-{r.Index}", r.Index * 10), (r.Batch!.Id, r.Batch.OwnerId, r.Batch.Items.Single().Progress)));
    }

    private static async Task<BatchReadModel?> ReadAsync(ServiceProvider node, Guid batch) =>
        await node.GetRequiredService<BatchStatusReader>().ReadAsync(batch, default);

    private static ClaimsPrincipal User(string id) => new(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, id)], "test"));

    private async Task<Guid> AddBatchAsync(string owner, Func<DateTime, IEnumerable<Conversion>> rows)
    {
        // Microseconds: what PostgreSQL keeps.
        var at = new DateTime(DateTime.UtcNow.Ticks / 10 * 10, DateTimeKind.Utc);
        var batch = new Batch { OwnerId = owner, CreatedAt = at };
        foreach (var row in rows(at))
        {
            row.OwnerId = owner;
            batch.Conversions.Add(row);
        }

        await using var scope = _node.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        db.Batches.Add(batch);
        await db.SaveChangesAsync();
        return batch.Id;
    }

    private static Conversion Row(DateTime at, string name, ConversionState state, int progress, string message,
        string? model = null, string? preview = null, string? thumbnail = null, long? size = null, int? triangles = null, DateTime? finished = null) =>
        new()
        {
            OwnerId = "",
            FileName = name,
            OriginalBlob = "original",
            ContentType = "image/png",
            Generator = "local",
            State = state,
            Progress = progress,
            Message = message,
            ModelBlob = model,
            PreviewBlob = preview,
            ThumbnailBlob = thumbnail,
            ModelSize = size,
            Triangles = triangles,
            CreatedAt = at,
            FinishedAt = finished,
        };
}
