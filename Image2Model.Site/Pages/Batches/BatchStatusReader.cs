using System.Collections.Concurrent;
using System.Data.Common;
using Image2Model.Site.Conversions;
using Image2Model.Site.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Image2Model.Site.Pages.Batches;

/// <summary>
/// Reads one batch's <see cref="BatchReadModel"/> for the status fragment's polls, which a browser
/// sends once a second: the same rows, order and read model as
/// <see cref="BatchReadModel.ByIdAsync"/>, by one plain SQL query instead of through EF Core.
/// </summary>
/// <remarks>
/// Why not EF: a poll answered 304 spent about half its time in EF's query pipeline and in
/// SQLite's connection pool (its lock, contended under load), and another tenth preparing the
/// same statement again. On SQLite this keeps a few connections of its own open, each with the
/// statement prepared once. On PostgreSQL it takes a connection from Npgsql's pool (the one EF
/// uses: same connection string), whose pool takes no lock. Every poll still reads the database,
/// so a change made on any node is seen by the next poll on every node.
/// A test holds this to the EF read model, field by field (Pages/Batches/StatusRevalidationTests).
/// </remarks>
public sealed class BatchStatusReader : IDisposable
{
    // The ORDER BY is BatchReadModel's: upload order, then name, then id.
    private const string Sql = """
        SELECT b."TaskId", b."OwnerId", b."CreatedAt",
               c."Id", c."FileName", c."State", c."Progress", c."Message", c."Generator", c."ThumbnailBlob" IS NOT NULL,
               c."ModelBlob", c."ModelSize", c."PreviewBlob", c."Triangles", c."CreatedAt", c."FinishedAt"
        FROM "Conversions" AS c
        INNER JOIN "Batches" AS b ON b."Id" = c."BatchId"
        WHERE c."BatchId" = @id
        ORDER BY c."CreatedAt", c."FileName", c."Id"
        """;

    /// <summary>Idle SQLite connections kept open beyond this many are closed.</summary>
    private static readonly int MaxIdle = Math.Max(4, Environment.ProcessorCount * 2);

    private readonly string _connectionString;
    private readonly bool _sqlite;
    private readonly ConcurrentBag<SqliteCommand> _idle = [];
    private bool _disposed;

    public BatchStatusReader(IServiceScopeFactory scopes)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        _connectionString = db.Database.GetConnectionString() ?? throw new InvalidOperationException("The database has no connection string.");
        _sqlite = db.Database.IsSqlite();
    }

    private long _reads;

    /// <summary>Queries run so far (EF's interceptors do not see them; tests count them here).</summary>
    public long Reads => Interlocked.Read(ref _reads);

    /// <summary>The batch, or null when it does not exist (or has no conversions, as for the read model).</summary>
    public async Task<BatchReadModel?> ReadAsync(Guid id, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _reads);
        if (_sqlite)
        {
            // SQLite answers in-process and synchronously: no async to pay for.
            var command = Take();
            BatchReadModel? batch;
            try
            {
                command.Parameters[0].Value = SqliteGuid(id);
                using (var reader = command.ExecuteReader())
                {
                    batch = Read(reader, id);
                }
            }
            catch
            {
                Discard(command);
                throw;
            }

            // Only once its reader is closed: another poll may take it the moment it is back.
            Give(command);
            return batch;
        }

        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var postgres = new NpgsqlCommand(Sql, connection);
        postgres.Parameters.Add(new NpgsqlParameter<Guid>("id", id));
        await using var rows = await postgres.ExecuteReaderAsync(cancellationToken);
        return Read(rows, id);
    }

    /// <summary>EF Core's SQLite provider stores a Guid as upper-case text.</summary>
    private static string SqliteGuid(Guid id) => id.ToString().ToUpperInvariant();

    private static BatchReadModel? Read(DbDataReader reader, Guid id)
    {
        var items = new List<BatchItem>();
        (Guid TaskId, string OwnerId, DateTime CreatedAt) batch = (Guid.Empty, "", default);
        while (reader.Read())
        {
            if (items.Count == 0)
            {
                batch = (reader.GetGuid(0), reader.GetString(1), reader.GetDateTime(2));
            }

            items.Add(new BatchItem(
                reader.GetGuid(3),
                reader.GetString(4),
                Enum.Parse<ConversionState>(reader.GetString(5)),
                reader.GetInt32(6),
                reader.GetString(7),
                reader.GetString(8),
                reader.GetBoolean(9),
                reader.IsDBNull(10) ? null : reader.GetString(10),
                reader.IsDBNull(11) ? null : reader.GetInt64(11),
                reader.IsDBNull(12) ? null : reader.GetString(12),
                reader.IsDBNull(13) ? null : reader.GetInt32(13),
                reader.GetDateTime(14),
                reader.IsDBNull(15) ? null : reader.GetDateTime(15)));
        }

        return items.Count == 0 ? null : new BatchReadModel(id, batch.TaskId, batch.OwnerId, batch.CreatedAt, items);
    }

    private SqliteCommand Take()
    {
        if (_idle.TryTake(out var command))
        {
            return command;
        }

        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            command = connection.CreateCommand();
            command.CommandText = Sql;
            command.Parameters.Add(new SqliteParameter("@id", SqliteType.Text));
            command.Prepare();
            return command;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private void Give(SqliteCommand command)
    {
        if (_disposed || _idle.Count >= MaxIdle)
        {
            Discard(command);
            return;
        }

        _idle.Add(command);
    }

    private static void Discard(SqliteCommand command)
    {
        var connection = command.Connection;
        command.Dispose();
        connection?.Dispose();
    }

    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryTake(out var command))
        {
            Discard(command);
        }
    }
}
