using Image2Model.Site.Email;
using Image2Model.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace Image2Model.Tests.Email;

public sealed class EmailTests
{
    [Fact]
    public async Task A_message_goes_out_through_a_real_smtp_server()
    {
        var smtp = await Smtp4dev.InstanceAsync();
        using var factory = new SiteFactory();
        smtp.Configure(factory.Settings);
        var to = $"someone-{Guid.NewGuid():N}@example.com";

        factory.Services.GetRequiredService<EmailSender>().Enqueue(new EmailMessage(to, "Hello", "Plain hello https://example.com/x", "<p>Hello</p>"));

        var message = await smtp.WaitForMessageAsync(to);
        Assert.Equal("Hello", message.Subject);
        Assert.Equal("models@example.com", message.From.Mailboxes.Single().Address);
        Assert.Contains("Plain hello", message.TextBody);
        Assert.Contains("<p>Hello</p>", message.HtmlBody);
    }

    [Fact]
    public async Task A_message_goes_out_over_starttls_with_the_configured_credentials()
    {
        var smtp = await Smtp4dev.SecureInstanceAsync();
        using var factory = new SiteFactory();
        smtp.Configure(factory.Settings);
        var to = $"secure-{Guid.NewGuid():N}@example.com";

        factory.Services.GetRequiredService<EmailSender>().Enqueue(new EmailMessage(to, "Over TLS", "Sent over STARTTLS", "<p>TLS</p>"));

        Assert.Equal("Over TLS", (await smtp.WaitForMessageAsync(to)).Subject);
    }

    [Fact]
    public async Task Mail_is_not_sent_to_a_server_whose_certificate_is_not_trusted_or_with_a_wrong_password()
    {
        var smtp = await Smtp4dev.SecureInstanceAsync();
        using var untrusted = new SiteFactory();
        smtp.Configure(untrusted.Settings);
        untrusted.Settings["Email:Smtp:CertificateThumbprint"] = "";
        using var wrongPassword = new SiteFactory();
        smtp.Configure(wrongPassword.Settings);
        wrongPassword.Settings["Email:Smtp:Password"] = "not the password";
        var toUntrusted = $"untrusted-{Guid.NewGuid():N}@example.com";
        var toWrong = $"wrong-{Guid.NewGuid():N}@example.com";

        untrusted.Services.GetRequiredService<EmailSender>().Enqueue(new EmailMessage(toUntrusted, "No", "no", "<p>no</p>"));
        wrongPassword.Services.GetRequiredService<EmailSender>().Enqueue(new EmailMessage(toWrong, "No", "no", "<p>no</p>"));
        // The first attempt and the first retry (after 2 s) both fail.
        await Task.Delay(TimeSpan.FromSeconds(4));

        Assert.Equal(0, await smtp.CountAsync(toUntrusted));
        Assert.Equal(0, await smtp.CountAsync(toWrong));
    }

    [Fact]
    public async Task Without_smtp_development_writes_each_message_to_the_pickup_folder()
    {
        using var factory = new SiteFactory();
        var sender = factory.Services.GetRequiredService<EmailSender>();
        var folder = Path.Combine(factory.DataDirectory, "mail");

        sender.Enqueue(new EmailMessage("a@example.com", "First", "one", "<p>one</p>"));
        sender.Enqueue(new EmailMessage("b@example.com", "Second", "two", "<p>two</p>"));

        var files = await WaitForFilesAsync(folder, 2);
        var subjects = new List<string>();
        foreach (var file in files)
        {
            subjects.Add((await MimeMessage.LoadAsync(file)).Subject ?? "");
        }

        Assert.Equal(["First", "Second"], subjects.Order());
        Assert.DoesNotContain(Directory.GetFiles(folder), f => f.EndsWith(".tmp"));
    }

    public static async Task<string[]> WaitForFilesAsync(string folder, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var files = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.eml") : [];
            if (files.Length >= count)
            {
                return files;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Expected {count} .eml files in {folder}, found {files.Length}.");
            await Task.Delay(100);
        }
    }
}
