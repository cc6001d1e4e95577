using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using MimeKit;

namespace Image2Model.Tests.Email;

/// <summary>
/// A real SMTP server on loopback: smtp4dev, installed by scripts/install-smtp4dev.sh as a local
/// dotnet tool and started once per test run. Tests read what it received through its web API.
/// </summary>
public sealed class Smtp4dev
{
    private static readonly Lazy<Task<Smtp4dev>> Server = new(() => StartAsync(secure: false));
    private static readonly Lazy<Task<Smtp4dev>> SecureServer = new(() => StartAsync(secure: true));
    private readonly HttpClient _api;

    private Smtp4dev(int smtpPort, Uri api, string? thumbprint)
    {
        SmtpPort = smtpPort;
        Thumbprint = thumbprint;
        _api = new HttpClient { BaseAddress = api };
    }

    public const string User = "mailer";
    public const string Password = "s3cret-password";

    public int SmtpPort { get; }

    /// <summary>SHA-256 of the secure server's self-signed certificate.</summary>
    public string? Thumbprint { get; }

    /// <summary>Plain SMTP, no authentication: the server most tests send through.</summary>
    public static Task<Smtp4dev> InstanceAsync() => Server.Value;

    /// <summary>STARTTLS with a self-signed certificate, and only <see cref="User"/> with <see cref="Password"/> may send.</summary>
    public static Task<Smtp4dev> SecureInstanceAsync() => SecureServer.Value;

    /// <summary>Settings that make the site send through this server.</summary>
    public void Configure(Dictionary<string, string?> settings)
    {
        settings["Email:Smtp:Host"] = "127.0.0.1";
        settings["Email:Smtp:Port"] = SmtpPort.ToString();
        settings["Email:Smtp:From"] = "Image2Model <models@example.com>";
        if (Thumbprint is null)
        {
            settings["Email:Smtp:StartTls"] = "false";
        }
        else
        {
            settings["Email:Smtp:StartTls"] = "true";
            settings["Email:Smtp:User"] = User;
            settings["Email:Smtp:Password"] = Password;
            settings["Email:Smtp:CertificateThumbprint"] = Thumbprint;
        }
    }

    /// <summary>Waits for the newest message to <paramref name="to"/> (optionally with a subject containing <paramref name="subject"/>).</summary>
    public async Task<MimeMessage> WaitForMessageAsync(string to, string? subject = null, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            using var list = JsonDocument.Parse(await _api.GetStringAsync("/api/messages?pageSize=500"));
            var match = list.RootElement.GetProperty("results").EnumerateArray()
                .Where(m => m.GetProperty("to").EnumerateArray().Any(t => string.Equals(t.GetString(), to, StringComparison.OrdinalIgnoreCase)))
                .Where(m => subject is null || m.GetProperty("subject").GetString()!.Contains(subject, StringComparison.OrdinalIgnoreCase))
                .OrderByDescending(m => m.GetProperty("receivedDate").GetDateTime())
                .Select(m => m.GetProperty("id").GetString())
                .FirstOrDefault();
            if (match is not null)
            {
                await using var source = await _api.GetStreamAsync($"/api/messages/{match}/download");
                return await MimeMessage.LoadAsync(source);
            }

            Assert.True(DateTime.UtcNow < deadline, $"No mail to {to} arrived.");
            await Task.Delay(200);
        }
    }

    /// <summary>How many messages went to <paramref name="to"/> so far.</summary>
    public async Task<int> CountAsync(string to)
    {
        using var list = JsonDocument.Parse(await _api.GetStringAsync("/api/messages?pageSize=500"));
        return list.RootElement.GetProperty("results").EnumerateArray()
            .Count(m => m.GetProperty("to").EnumerateArray().Any(t => string.Equals(t.GetString(), to, StringComparison.OrdinalIgnoreCase)));
    }

    /// <summary>The first link in the plain-text body.</summary>
    public static Uri LinkIn(MimeMessage message)
    {
        var match = Regex.Match(message.TextBody ?? "", @"https?://\S+");
        Assert.True(match.Success, $"No link in: {message.TextBody}");
        return new Uri(match.Value);
    }

    private static async Task<Smtp4dev> StartAsync(bool secure)
    {
        var root = Infrastructure.Repository.Root();
        await RunAsync(root, "bash", Path.Combine(root, "scripts", "install-smtp4dev.sh"));

        int smtp = FreePort(), imap = FreePort(), pop3 = FreePort(), web = FreePort();
        var data = Directory.CreateTempSubdirectory("smtp4dev-").FullName;
        List<string> arguments =
        [
            Path.Combine(root, "scripts", "smtp4dev-for-tests.sh"), Environment.ProcessId.ToString(), $"--urls=http://127.0.0.1:{web}", $"--smtpport={smtp}", $"--imapport={imap}", $"--pop3port={pop3}",
            "--bindaddress=127.0.0.1", "--db=", "--nousersettings", $"--baseappdatapath={data}", "--hostname=localhost", "--messagestokeep=1000",
        ];
        string? thumbprint = null;
        if (secure)
        {
            using var key = System.Security.Cryptography.RSA.Create(2048);
            var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=localhost", key, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));
            var pfx = Path.Combine(data, "smtp.pfx");
            await File.WriteAllBytesAsync(pfx, certificate.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pfx, "test"));
            thumbprint = certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256);
            arguments.AddRange(["--tlsmode=StartTls", $"--tlscertificate={pfx}", "--tlscertificatepassword=test",
                "--authenticationrequired", "--smtpallowanycredentials-", $"--user={User}={Password}"]);
        }

        var process = Process.Start(new ProcessStartInfo("bash", arguments)
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }
        };

        var server = new Smtp4dev(smtp, new Uri($"http://127.0.0.1:{web}"), thumbprint);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, smtp);
                (await server._api.GetAsync("/api/messages")).EnsureSuccessStatusCode();
                return server;
            }
            catch (Exception e) when (e is SocketException or HttpRequestException)
            {
                Assert.True(!process.HasExited && DateTime.UtcNow < deadline, "smtp4dev did not start.");
                await Task.Delay(250);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string directory, string file, string argument)
    {
        using var process = Process.Start(new ProcessStartInfo(file, argument) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true })!;
        var errors = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{argument} failed: {await errors}");
    }
}
