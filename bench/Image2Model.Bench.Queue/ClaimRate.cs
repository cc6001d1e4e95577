using System.Diagnostics;
using System.Runtime.InteropServices;
using Image2Model.Site.Conversions;
using Image2Model.Site.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Image2Model.Bench.Queue;

// Claims per second at depth: the site's WorkQueue with a no-op generator (claim, then mark
// Succeeded at once), 1, 2 and 4 dispatchers on PostgreSQL and 1 on SQLite, 1k/10k/100k pending
// over 100 and 1,000 users, the claim before issue 12 ("old") and now ("new") in the same run.
// Usage: dotnet run -c Release --project bench/Image2Model.Bench.Queue -- [seconds per run, default 3] [postgres|sqlite]
internal static class ClaimRate
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    public static async Task Main(string[] args)
    {
        var seconds = double.TryParse(args.ElementAtOrDefault(0), out var s) ? s : 3;
        var only = args.ElementAtOrDefault(1);
        // BENCH_DEPTHS / BENCH_USERS / BENCH_DISPATCHERS (comma-separated) run a subset, e.g. BENCH_DEPTHS=100000 BENCH_DISPATCHERS=4.
        var depths = Subset("BENCH_DEPTHS", [1_000, 10_000, 100_000]);
        var userCounts = Subset("BENCH_USERS", [100, 1_000]);
        var dispatcherCounts = Subset("BENCH_DISPATCHERS", [1, 2, 4]);
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}; {seconds:0.#} s per run");
        Console.WriteLine("| database | pending | users | dispatchers | old claims/s | new claims/s | new/old | empty claims old / new |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");

        if (only is null or "postgres")
        {
            var (server, database) = await CreatePostgresDatabaseAsync();
            try
            {
                foreach (var depth in depths)
                {
                    foreach (var users in userCounts)
                    {
                        await SeedAsync(() => Postgres(database), depth, users);
                        foreach (var dispatchers in dispatcherCounts)
                        {
                            await MeasurePairAsync("PostgreSQL", () => Postgres(database), depth, users, dispatchers, seconds);
                        }
                    }
                }
            }
            finally
            {
                NpgsqlConnection.ClearAllPools();
                await using var connection = new NpgsqlConnection(server);
                await connection.OpenAsync();
                // BENCH_KEEP=1 leaves the last seeded database for EXPLAIN ANALYZE.
                if (Environment.GetEnvironmentVariable("BENCH_KEEP") == "1")
                {
                    Console.WriteLine($"kept database {new NpgsqlConnectionStringBuilder(database).Database}");
                }
                else
                {
                    await new NpgsqlCommand($"DROP DATABASE IF EXISTS {new NpgsqlConnectionStringBuilder(database).Database} WITH (FORCE)", connection).ExecuteNonQueryAsync();
                }
            }
        }

        if (only is null or "sqlite")
        {
            var directory = Directory.CreateTempSubdirectory("image2model-claims-").FullName;
            var file = new SqliteConnectionStringBuilder { DataSource = Path.Combine(directory, "queue.db") }.ToString();
            try
            {
                foreach (var depth in depths)
                {
                    foreach (var users in userCounts)
                    {
                        await SeedAsync(() => Sqlite(file), depth, users);
                        await MeasurePairAsync("SQLite", () => Sqlite(file), depth, users, 1, seconds);
                    }
                }
            }
            finally
            {
                SqliteConnection.ClearAllPools();
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private static int[] Subset(string variable, int[] all) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } list ? [.. list.Split(',').Select(int.Parse)] : all;

    private static AppDbContext Postgres(string connectionString) =>
        new PostgresDbContext(Logged(new DbContextOptionsBuilder<PostgresDbContext>().UseNpgsql(connectionString)).Options);

    /// <summary>BENCH_SQL=1 prints every statement with its duration (to see a plan go wrong).</summary>
    private static DbContextOptionsBuilder<T> Logged<T>(DbContextOptionsBuilder<T> builder) where T : DbContext =>
        Environment.GetEnvironmentVariable("BENCH_SQL") == "1"
            ? builder.LogTo(Console.WriteLine, [Microsoft.EntityFrameworkCore.Diagnostics.RelationalEventId.CommandExecuted])
            : builder;

    private static AppDbContext Sqlite(string connectionString) =>
        new SqliteDbContext(Logged(new DbContextOptionsBuilder<SqliteDbContext>().UseSqlite(connectionString)).Options);

    private static async Task MeasurePairAsync(string database, Func<AppDbContext> newDb, int depth, int users, int dispatchers, double seconds)
    {
        // Warm-up (JIT, connection pool, plan caches), not counted.
        await MeasureAsync(newDb, depth, dispatchers, 0.3, legacy: false);
        var old = await MeasureAsync(newDb, depth, dispatchers, seconds, legacy: true);
        var now = await MeasureAsync(newDb, depth, dispatchers, seconds, legacy: false);
        Console.WriteLine($"| {database} | {depth:N0} | {users:N0} | {dispatchers} | {old.Rate:N1} | {now.Rate:N0} | {now.Rate / old.Rate:N0}x | {old.Empty} / {now.Empty} |");
    }

    /// <summary>
    /// Each dispatcher claims and finishes conversions, a fresh context per claim as the site's
    /// runner does, for <paramref name="seconds"/> or until half the backlog is gone (so the depth
    /// stays near what the row says); then every row is put back to Pending for the next run.
    /// </summary>
    private static async Task<(double Rate, int Empty)> MeasureAsync(Func<AppDbContext> newDb, int depth, int dispatchers, double seconds, bool legacy)
    {
        var budget = depth / 2;
        var claims = 0;
        var empty = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var clock = Stopwatch.StartNew();

        async Task Dispatch(int index)
        {
            var node = $"bench-{index}";
            while (!stop.IsCancellationRequested && Volatile.Read(ref claims) < budget)
            {
                await using var db = newDb();
                var now = DateTime.UtcNow;
                var claimed = legacy
                    ? await LegacyClaim.ClaimNextAsync(db, now, node, Lease, CancellationToken.None)
                    : await new WorkQueue(db, TimeProvider.System).ClaimNextAsync(node, Lease, [], CancellationToken.None);
                if (claimed is null)
                {
                    // A claim that lost every race comes back empty; the runner would try at its next tick.
                    Interlocked.Increment(ref empty);
                    continue;
                }

                // The no-op generator: done at once.
                await new WorkQueue(db, TimeProvider.System).SucceedAsync(claimed.Id, node, new string('0', 64), 1, null, 12, "done", CancellationToken.None);
                Interlocked.Increment(ref claims);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, dispatchers).Select(i => Task.Run(() => Dispatch(i))));
        var rate = claims / clock.Elapsed.TotalSeconds;
        await ResetAsync(newDb);
        return (rate, empty);
    }

    /// <summary>
    /// <paramref name="depth"/> Pending conversions over <paramref name="users"/> users, uploaded as
    /// batches of up to 25 photos (as the upload form sends them), the users taking turns.
    /// </summary>
    private static async Task SeedAsync(Func<AppDbContext> newDb, int depth, int users)
    {
        await using var db = newDb();
        await db.Database.EnsureDeletedAsync();
        await db.Database.MigrateAsync();
        if (db.Database.IsSqlite())
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
        }

        var perUser = Math.Max(1, depth / users);
        var batchSize = Math.Min(25, perUser);
        var start = new DateTime(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc);
        var made = 0;
        var batchIndex = 0;
        var rows = new List<Conversion>();
        while (made < depth)
        {
            var owner = $"user-{batchIndex % users:D4}";
            var batch = new Batch { OwnerId = owner, CreatedAt = start.AddMilliseconds(made) };
            db.Batches.Add(batch);
            for (var i = 0; i < batchSize && made < depth; i++, made++)
            {
                batch.Conversions.Add(new Conversion
                {
                    OwnerId = owner,
                    FileName = $"photo-{made}.jpg",
                    OriginalBlob = new string('0', 64),
                    ContentType = "image/jpeg",
                    Generator = "local",
                    CreatedAt = start.AddMilliseconds(made),
                });
            }

            batchIndex++;
            if (db.ChangeTracker.Entries().Count() > 5_000)
            {
                await db.SaveChangesAsync();
                db.ChangeTracker.Clear();
            }
        }

        await db.SaveChangesAsync();
        await AnalyzeAsync(db);
    }

    private static async Task ResetAsync(Func<AppDbContext> newDb)
    {
        await using var db = newDb();
        await db.Conversions.Where(c => c.State != ConversionState.Pending).ExecuteUpdateAsync(s => s
            .SetProperty(c => c.State, ConversionState.Pending)
            .SetProperty(c => c.LeaseOwner, (string?)null)
            .SetProperty(c => c.LeaseExpiresAt, (DateTime?)null)
            .SetProperty(c => c.StartedAt, (DateTime?)null)
            .SetProperty(c => c.FinishedAt, (DateTime?)null)
            .SetProperty(c => c.ModelBlob, (string?)null)
            .SetProperty(c => c.Progress, 0));
        await AnalyzeAsync(db);
    }

    /// <summary>Fresh statistics and no dead rows, so every run starts from the same table.</summary>
    private static async Task AnalyzeAsync(AppDbContext db)
    {
        if (db.Database.IsNpgsql())
        {
            await db.Database.ExecuteSqlRawAsync("VACUUM ANALYZE \"Conversions\"");
        }
        else
        {
            await db.Database.ExecuteSqlRawAsync("ANALYZE");
        }
    }

    /// <summary>A database of its own on the test PostgreSQL (scripts/postgres-for-tests.sh starts it when needed).</summary>
    private static async Task<(string Server, string Database)> CreatePostgresDatabaseAsync()
    {
        var script = Path.Combine(BenchRepository.Root(), "scripts", "postgres-for-tests.sh");
        using var process = Process.Start(new ProcessStartInfo("bash", script) { RedirectStandardOutput = true })!;
        var server = (await process.StandardOutput.ReadToEndAsync()).Trim().Split('\n').Last();
        await process.WaitForExitAsync();
        var name = $"image2model_claims_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync();
            await new NpgsqlCommand($"CREATE DATABASE {name}", connection).ExecuteNonQueryAsync();
        }

        // BENCH_PG_OPTIONS: extra connection string settings to try (e.g. "Max Auto Prepare=10").
        return (server, new NpgsqlConnectionStringBuilder($"{server};{Environment.GetEnvironmentVariable("BENCH_PG_OPTIONS")}") { Database = name, MaxPoolSize = 20 }.ToString());
    }
}
