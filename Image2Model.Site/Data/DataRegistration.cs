using Image2Model.Site.Storage;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Image2Model.Site.Data;

public static class DataRegistration
{
    /// <summary>
    /// The one place that picks the database: SQLite in the data directory unless
    /// <c>Database:Provider</c> is "Postgres" (then <c>ConnectionStrings:Default</c> is required).
    /// </summary>
    /// <remarks>
    /// Contexts are pooled: building one per request (its internal services, its options) cost a
    /// status poll about a tenth of its time (profile in README, "Scale and failure drills").
    /// </remarks>
    public static IHostApplicationBuilder AddData(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        var connectionString = builder.Configuration.GetConnectionString("Default");
        if (IsPostgres(builder.Configuration))
        {
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new InvalidOperationException("Database:Provider is Postgres, so ConnectionStrings:Default must be set.");
            }

            services.AddDbContextPool<PostgresDbContext>(o => o.UseNpgsql(connectionString));
            services.AddScoped<AppDbContext>(sp => sp.GetRequiredService<PostgresDbContext>());
        }
        else
        {
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                var dataDirectory = Path.GetFullPath(builder.Configuration[$"{StorageOptions.Section}:DataDirectory"] ?? "data", builder.Environment.ContentRootPath);
                Directory.CreateDirectory(dataDirectory);
                connectionString = new SqliteConnectionStringBuilder { DataSource = Path.Combine(dataDirectory, "image2model.db") }.ToString();
            }

            services.AddDbContextPool<SqliteDbContext>(o => o.UseSqlite(connectionString));
            services.AddScoped<AppDbContext>(sp => sp.GetRequiredService<SqliteDbContext>());
        }

        // Keys in the database: cookies, antiforgery tokens and signed links work on every node and survive restarts.
        services.AddDataProtection().SetApplicationName("Image2Model").PersistKeysToDbContext<AppDbContext>();
        return builder;
    }

    /// <summary>Applies migrations at start-up, before any job runs.</summary>
    public static async Task MigrateDatabaseAsync(this WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        await db.Database.MigrateAsync();
        if (db.Database.IsSqlite())
        {
            // WAL lets the site read while the dispatcher writes.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
        }
    }

    /// <summary>PostgreSQL means a deployment that may have several nodes.</summary>
    public static bool IsPostgres(IConfiguration configuration) =>
        string.Equals(configuration["Database:Provider"], "Postgres", StringComparison.OrdinalIgnoreCase);
}
