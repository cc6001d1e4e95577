namespace Image2Model.Site.Accounts;

/// <summary>
/// Failed sign-ins counted for one scope: an address from one client, or an address from anywhere.
/// Kept in the database so every node counts the same. Addresses are stored only as hashes, and
/// unknown addresses are counted exactly like known ones, so the table tells nobody who has an account.
/// </summary>
public sealed class SignInFailure
{
    /// <summary>SHA-256 (hex) of the scope: the normalised address, and the client address for a per-client row.</summary>
    public required string Key { get; set; }

    /// <summary>SHA-256 (hex) of the normalised address, so every row of one address can be cleared at once.</summary>
    public required string Account { get; set; }

    public int Count { get; set; }

    public DateTime FirstFailureAt { get; set; }

    public DateTime? LockedUntil { get; set; }
}
