namespace Image2Model.Site.Generators.Remote;

/// <summary>A generator that runs on a server the site's admins operate, so the admin page can say whether it answers.</summary>
public interface IServerCheck
{
    /// <summary>A short status line for admins ("Answers", "Does not answer: …"). Never throws; never sends billed work.</summary>
    Task<string> CheckAsync(CancellationToken cancellationToken);
}
