using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Image2Model.Site.Quotas;

/// <summary>An admin's override of the configured limits for one account; null keeps the default.</summary>
public sealed class UserQuota
{
    public required string UserId { get; set; }

    /// <summary>0 means no limit.</summary>
    public int? ConversionsPerDay { get; set; }

    /// <summary>0 means no limit.</summary>
    public long? StorageBytes { get; set; }
}

internal sealed class UserQuotaConfiguration : IEntityTypeConfiguration<UserQuota>
{
    public void Configure(EntityTypeBuilder<UserQuota> b)
    {
        b.HasKey(x => x.UserId);
        b.HasOne<Data.AppUser>().WithOne().HasForeignKey<UserQuota>(x => x.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
