namespace Image2Model.Site.Email;

public sealed class EmailOptions
{
    public const string Section = "Email";

    public SmtpOptions Smtp { get; set; } = new();

    /// <summary>
    /// A folder that receives one .eml file per message instead of sending it (what Development
    /// uses when no SMTP host is set). Relative paths are under the content root.
    /// </summary>
    public string? PickupDirectory { get; set; }

    /// <summary>Pause before each message is sent, so sending never overlaps the request that asked for it.</summary>
    public TimeSpan DeliveryDelay { get; set; } = TimeSpan.FromMilliseconds(500);
}

public sealed class SmtpOptions
{
    /// <summary>Empty: no SMTP (the pickup folder, if any, is used).</summary>
    public string? Host { get; set; }

    /// <summary>587 is the submission port (STARTTLS); 465 means TLS from the first byte.</summary>
    public int Port { get; set; } = 587;

    /// <summary>Require STARTTLS on a plain port. Turn off only for a relay on the same machine or network.</summary>
    public bool StartTls { get; set; } = true;

    public string? User { get; set; }

    public string? Password { get; set; }

    /// <summary>
    /// SHA-256 fingerprint (hex) of a server certificate to trust although no authority signed it,
    /// for a relay with its own self-signed certificate. Certificates from a trusted authority need nothing here.
    /// </summary>
    public string? CertificateThumbprint { get; set; }

    /// <summary>The sender, e.g. "Image2Model &lt;models@example.com&gt;".</summary>
    public string From { get; set; } = "Image2Model <no-reply@localhost>";
}
