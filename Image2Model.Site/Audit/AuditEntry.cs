using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Image2Model.Site.Audit;

/// <summary>One security event or admin action. Emails are copied in, so the entry still reads after an account is deleted.</summary>
public sealed class AuditEntry
{
    public long Id { get; set; }

    public DateTime At { get; set; }

    /// <summary>One of <see cref="AuditActions"/>, e.g. "sign_in.failed".</summary>
    public required string Action { get; set; }

    public string? ActorId { get; set; }

    public string? ActorEmail { get; set; }

    /// <summary>The account the action was about (may be the actor's own).</summary>
    public string? SubjectId { get; set; }

    public string? SubjectEmail { get; set; }

    /// <summary>A short, plain detail such as a token's name; never a secret.</summary>
    public string? Detail { get; set; }

    public string? IpAddress { get; set; }
}

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> b)
    {
        b.HasIndex(x => x.At);
        b.HasIndex(x => new { x.Action, x.At });
        b.Property(x => x.Action).HasMaxLength(64);
        b.Property(x => x.ActorId).HasMaxLength(450);
        b.Property(x => x.ActorEmail).HasMaxLength(254);
        b.Property(x => x.SubjectId).HasMaxLength(450);
        b.Property(x => x.SubjectEmail).HasMaxLength(254);
        b.Property(x => x.Detail).HasMaxLength(500);
        b.Property(x => x.IpAddress).HasMaxLength(64);
    }
}
