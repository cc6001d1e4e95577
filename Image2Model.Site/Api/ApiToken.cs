namespace Image2Model.Site.Api;

/// <summary>
/// A personal access token for scripts. Only the SHA-256 of the secret is stored; the secret
/// itself is shown once, when the token is created.
/// </summary>
public sealed class ApiToken
{
    public Guid Id { get; set; } = Guid.NewGuid();

    public required string UserId { get; set; }

    /// <summary>What the user called it, e.g. "laptop script".</summary>
    public required string Name { get; set; }

    /// <summary>Lower-case hex SHA-256 of the whole token; a secret this long needs no salt or slow hash.</summary>
    public required string Hash { get; set; }

    /// <summary>The first characters of the token, so users can tell their tokens apart.</summary>
    public required string Prefix { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? LastUsedAt { get; set; }

    public DateTime? RevokedAt { get; set; }
}
