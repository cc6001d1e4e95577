using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Image2Model.Site.Email;

/// <summary>Sends through an SMTP server (MailKit): STARTTLS on 587, TLS from the start on 465, and credentials when given.</summary>
internal sealed class SmtpTransport(IOptions<EmailOptions> options) : IEmailTransport
{
    private SmtpOptions Smtp => options.Value.Smtp;

    public string Name => "smtp";

    public bool IsConfigured => true;

    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        var security = Smtp.Port == 465 ? SecureSocketOptions.SslOnConnect : Smtp.StartTls ? SecureSocketOptions.StartTls : SecureSocketOptions.None;
        using var client = new SmtpClient { Timeout = 30_000 };
        if (!string.IsNullOrWhiteSpace(Smtp.CertificateThumbprint))
        {
            var pinned = Smtp.CertificateThumbprint.Replace(":", "").Trim();
            client.ServerCertificateValidationCallback = (_, certificate, _, errors) =>
                errors == System.Net.Security.SslPolicyErrors.None
                || (certificate is not null && string.Equals(certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256), pinned, StringComparison.OrdinalIgnoreCase));
        }

        await client.ConnectAsync(Smtp.Host!, Smtp.Port, security, cancellationToken);
        if (!string.IsNullOrEmpty(Smtp.User))
        {
            await client.AuthenticateAsync(Smtp.User, Smtp.Password ?? "", cancellationToken);
        }

        await client.SendAsync(message, cancellationToken);
        await client.DisconnectAsync(quit: true, cancellationToken);
    }
}

/// <summary>Writes each message as an .eml file (open it in any mail program); written to a temp name, then renamed, so readers never see half a file.</summary>
internal sealed class PickupFolderTransport(string directory) : IEmailTransport
{
    public string Name => "pickup folder";

    public bool IsConfigured => true;

    public string Directory => directory;

    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        System.IO.Directory.CreateDirectory(directory);
        var name = $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid():N}";
        var temp = Path.Combine(directory, name + ".tmp");
        await using (var file = File.Create(temp))
        {
            await message.WriteToAsync(file, cancellationToken);
        }

        File.Move(temp, Path.Combine(directory, name + ".eml"));
    }
}

/// <summary>No email configured: messages are dropped with a warning, and pages that need mail say so.</summary>
internal sealed class NoTransport(ILogger<NoTransport> logger) : IEmailTransport
{
    public string Name => "none";

    public bool IsConfigured => false;

    public Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        logger.LogWarning("Email is not configured (Email:Smtp:Host or Email:PickupDirectory); a message was not sent");
        return Task.CompletedTask;
    }
}
