using Image2Model.Site.Accounts;
using Image2Model.Site.Api;
using Image2Model.Site.Conversions;
using Image2Model.Site.Sharing;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Image2Model.Site.Data;

/// <summary>
/// The one database. Each provider has a subclass only so that each keeps its own migrations
/// (<see cref="SqliteDbContext"/>, <see cref="PostgresDbContext"/>); code depends on this type.
/// </summary>
public abstract class AppDbContext(DbContextOptions options) : IdentityDbContext<AppUser>(options), IDataProtectionKeyContext
{
    public DbSet<Batch> Batches => Set<Batch>();

    public DbSet<Conversion> Conversions => Set<Conversion>();

    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<SiteSetting> SiteSettings => Set<SiteSetting>();

    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();

    public DbSet<Quotas.UserQuota> UserQuotas => Set<Quotas.UserQuota>();

    public DbSet<Invites.Invite> Invites => Set<Invites.Invite>();

    public DbSet<Audit.AuditEntry> AuditEntries => Set<Audit.AuditEntry>();

    public DbSet<ShareLink> ShareLinks => Set<ShareLink>();

    public DbSet<SignInSession> SignInSessions => Set<SignInSession>();

    public DbSet<SignInFailure> SignInFailures => Set<SignInFailure>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfiguration(new Quotas.UserQuotaConfiguration());
        builder.ApplyConfiguration(new Invites.InviteConfiguration());
        builder.ApplyConfiguration(new Audit.AuditEntryConfiguration());

        builder.Entity<Batch>(b =>
        {
            b.HasIndex(x => new { x.OwnerId, x.CreatedAt });
            b.HasIndex(x => x.TaskId).IsUnique();
            b.HasMany(x => x.Conversions).WithOne(x => x.Batch).HasForeignKey(x => x.BatchId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<Conversion>(c =>
        {
            c.HasIndex(x => new { x.State, x.CreatedAt });
            // Fair claiming walks the users with pending work, and takes a user's oldest, by this index (WorkQueue).
            c.HasIndex(x => new { x.State, x.OwnerId, x.CreatedAt });
            // Running rows are few; this keeps "whose leases expired" and "who is busy" to those few
            // (SQLite's planner otherwise scans the table when its statistics say State is not selective).
            c.HasIndex(x => new { x.LeaseExpiresAt, x.OwnerId }).HasFilter("\"State\" = 'Running'").HasDatabaseName("IX_Conversions_Running");
            c.HasIndex(x => new { x.OwnerId, x.CreatedAt });
            c.Property(x => x.State).HasConversion<string>().HasMaxLength(16);
            c.Property(x => x.Texture).HasConversion<string>().HasMaxLength(16);
            c.Property(x => x.FileName).HasMaxLength(260);
            c.Property(x => x.Generator).HasMaxLength(32);
            c.Property(x => x.Message).HasMaxLength(1000);
            c.Property(x => x.LeaseOwner).HasMaxLength(200);
            c.Property(x => x.OriginalBlob).HasMaxLength(64);
            c.Property(x => x.ThumbnailBlob).HasMaxLength(64);
            c.Property(x => x.ModelBlob).HasMaxLength(64);
            c.Property(x => x.PreviewBlob).HasMaxLength(64);
            c.Property(x => x.ContentType).HasMaxLength(64);
            c.Ignore(x => x.Options);
        });

        builder.Entity<SiteSetting>().HasKey(x => x.Key);

        builder.Entity<ApiToken>(t =>
        {
            t.HasIndex(x => x.Hash).IsUnique();
            t.HasIndex(x => new { x.UserId, x.CreatedAt });
            t.HasOne<AppUser>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
            t.Property(x => x.Name).HasMaxLength(100);
            t.Property(x => x.Hash).HasMaxLength(64);
            t.Property(x => x.Prefix).HasMaxLength(16);
        });

        builder.Entity<ShareLink>(l =>
        {
            l.HasIndex(x => new { x.ConversionId, x.CreatedAt });
            l.HasOne<Conversion>().WithMany().HasForeignKey(x => x.ConversionId).OnDelete(DeleteBehavior.Cascade);
            l.Property(x => x.OwnerId).HasMaxLength(450);
        });

        builder.Entity<SignInSession>(s =>
        {
            s.HasIndex(x => x.UserId);
            s.HasOne<AppUser>().WithMany().HasForeignKey(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
            s.Property(x => x.Id).HasMaxLength(32);
        });

        builder.Entity<SignInFailure>(f =>
        {
            f.HasKey(x => x.Key);
            f.HasIndex(x => x.Account);
            f.Property(x => x.Key).HasMaxLength(64);
            f.Property(x => x.Account).HasMaxLength(64);
        });
    }
}

public sealed class SqliteDbContext(DbContextOptions<SqliteDbContext> options) : AppDbContext(options);

public sealed class PostgresDbContext(DbContextOptions<PostgresDbContext> options) : AppDbContext(options);

/// <summary>Admin-editable switches such as "registration open".</summary>
public sealed class SiteSetting
{
    public required string Key { get; set; }

    public required string Value { get; set; }
}
