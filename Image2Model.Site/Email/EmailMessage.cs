namespace Image2Model.Site.Email;

/// <summary>One mail to one person: a plain-text body, and the same content as HTML.</summary>
public sealed record EmailMessage(string To, string Subject, string Text, string Html);

/// <summary>How a message leaves the site: SMTP, or a file in the pickup folder.</summary>
public interface IEmailTransport
{
    /// <summary>For logs and the admin page: "smtp", "pickup folder" or "none".</summary>
    string Name { get; }

    bool IsConfigured { get; }

    Task SendAsync(MimeKit.MimeMessage message, CancellationToken cancellationToken);
}
