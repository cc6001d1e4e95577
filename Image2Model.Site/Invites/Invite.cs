using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Image2Model.Site.Invites;

/// <summary>A one-time link an admin made so someone can register while registration is invite-only.</summary>
public sealed class Invite
{
    public Guid Id { get; set; } = Guid.NewGuid();

    /// <summary>SHA-256 of the secret in the link; the secret itself is shown once and never stored.</summary>
    public required string Hash { get; set; }

    /// <summary>When set, only this address may register with the invite (and the link was mailed to it).</summary>
    public string? Email { get; set; }

    public required string CreatedBy { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime ExpiresAt { get; set; }

    public DateTime? UsedAt { get; set; }
}

internal sealed class InviteConfiguration : IEntityTypeConfiguration<Invite>
{
    public void Configure(EntityTypeBuilder<Invite> b)
    {
        b.HasIndex(x => x.Hash).IsUnique();
        b.HasIndex(x => x.CreatedAt);
        b.Property(x => x.Hash).HasMaxLength(64);
        b.Property(x => x.Email).HasMaxLength(254);
        b.Property(x => x.CreatedBy).HasMaxLength(450);
    }
}
