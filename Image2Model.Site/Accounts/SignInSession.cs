namespace Image2Model.Site.Accounts;

/// <summary>
/// One signed-in browser. The cookie carries the id; every request checks that the row still
/// exists, so signing out (deleting the row) ends the session on every node at once.
/// </summary>
public sealed class SignInSession
{
    /// <summary>Random, 32 hex digits.</summary>
    public required string Id { get; set; }

    public required string UserId { get; set; }

    public DateTime CreatedAt { get; set; }
}
