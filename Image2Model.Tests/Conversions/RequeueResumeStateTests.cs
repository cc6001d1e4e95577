using Image2Model.Site.Conversions;
using Image2Model.Site.Data;
using Image2Model.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Image2Model.Tests.Conversions;

public sealed class SqliteRequeueResumeStateTests : RequeueResumeStateTests, IDisposable
{
    private readonly string _connectionString = $"Data Source=requeue-{Guid.NewGuid():N};Mode=Memory;Cache=Shared";
    private readonly SqliteConnection _keepAlive;

    public SqliteRequeueResumeStateTests()
    {
        _keepAlive = new SqliteConnection(_connectionString);
        _keepAlive.Open();
    }

    protected override AppDbContext NewDb() => new SqliteDbContext(new DbContextOptionsBuilder<SqliteDbContext>().UseSqlite(_connectionString).Options);

    public void Dispose() => _keepAlive.Dispose();
}

public sealed class PostgresRequeueResumeStateTests : RequeueResumeStateTests
{
    private string _connectionString = "";

    public override async Task InitializeAsync()
    {
        _connectionString = await PostgresServer.CreateDatabaseAsync();
        await base.InitializeAsync();
    }

    protected override AppDbContext NewDb() => new PostgresDbContext(new DbContextOptionsBuilder<PostgresDbContext>().UseNpgsql(_connectionString).Options);
}

/// <summary>What Try again and "Make it again" keep of a remote job (one conditional UPDATE on both databases).</summary>
public abstract class RequeueResumeStateTests : IAsyncLifetime
{
    private const string Finished = """{"uid":"u1","provider":"hunyuan3d","phase":"finished","submittedAt":"2026-12-01T12:00:00+00:00"}""";
    private const string Submitted = """{"uid":"u1","provider":"hunyuan3d","phase":"submitted","submittedAt":"2026-12-01T12:00:00+00:00"}""";

    protected abstract AppDbContext NewDb();

    public virtual async Task InitializeAsync()
    {
        await using var db = NewDb();
        await db.Database.MigrateAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData(ConversionState.Failed, Finished, Finished)]
    [InlineData(ConversionState.Failed, Submitted, null)]
    [InlineData(ConversionState.Failed, null, null)]
    [InlineData(ConversionState.Succeeded, Finished, null)]
    [InlineData(ConversionState.Canceled, Finished, null)]
    public async Task Try_again_keeps_only_a_job_the_provider_finished_before_our_side_failed(ConversionState state, string? before, string? after)
    {
        var id = await AddAsync(state, before);
        await using var db = NewDb();

        Assert.True(await new WorkQueue(db, TimeProvider.System).RequeueAsync(id, CancellationToken.None));

        var conversion = await db.Conversions.AsNoTracking().SingleAsync(c => c.Id == id);
        Assert.Equal(ConversionState.Pending, conversion.State);
        Assert.Equal(after, conversion.ResumeState);
    }

    private async Task<Guid> AddAsync(ConversionState state, string? resumeState)
    {
        await using var db = NewDb();
        var batch = new Batch { OwnerId = "alice", CreatedAt = DateTime.UtcNow };
        var conversion = new Conversion
        {
            OwnerId = "alice",
            FileName = "apple.png",
            OriginalBlob = new string('0', 64),
            ContentType = "image/png",
            Generator = "hunyuan3d",
            State = state,
            ResumeState = resumeState,
            CreatedAt = DateTime.UtcNow,
        };
        batch.Conversions.Add(conversion);
        db.Batches.Add(batch);
        await db.SaveChangesAsync();
        return conversion.Id;
    }
}
