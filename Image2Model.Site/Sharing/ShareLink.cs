namespace Image2Model.Site.Sharing;

/// <summary>
/// A link that shows one model to anyone who has it, until it expires or its owner revokes it.
/// The URL carries a Data Protection token for <see cref="Id"/>; this row decides whether it still works.
/// </summary>
public sealed class ShareLink
{
    public Guid Id { get; set; } = Guid.NewGuid();

    public Guid ConversionId { get; set; }

    public required string OwnerId { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime ExpiresAt { get; set; }

    public DateTime? RevokedAt { get; set; }

    /// <summary>How often the link's page was opened.</summary>
    public int Uses { get; set; }

    public DateTime? LastUsedAt { get; set; }

    public bool WorksAt(DateTime now) => RevokedAt is null && ExpiresAt > now;
}
