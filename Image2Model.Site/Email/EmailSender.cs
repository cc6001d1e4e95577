using System.Threading.Channels;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Image2Model.Site.Email;

/// <summary>
/// Queues mail for delivery in the background. Pages never wait for the SMTP server, so a page
/// that sends mail for some addresses and not others (password reset) answers in the same time either way.
/// </summary>
public sealed class EmailSender(IEmailTransport transport, IOptions<EmailOptions> options)
{
    private readonly Channel<MimeMessage> _outbox = Channel.CreateBounded<MimeMessage>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropOldest });

    public bool IsConfigured => transport.IsConfigured;

    internal ChannelReader<MimeMessage> Outbox => _outbox.Reader;

    public void Enqueue(EmailMessage message) => Enqueue(Compose(message));

    /// <summary>Hands a message composed with <see cref="Compose"/> to the background delivery.</summary>
    public void Enqueue(MimeMessage message) => _outbox.Writer.TryWrite(message);

    /// <summary>The MIME message as it will be sent (exposed so a caller can do the same work whether or not it sends).</summary>
    public MimeMessage Compose(EmailMessage message)
    {
        var mime = new MimeMessage();
        mime.From.Add(MailboxAddress.Parse(options.Value.Smtp.From));
        mime.To.Add(MailboxAddress.Parse(message.To));
        mime.Subject = message.Subject;
        mime.Body = new BodyBuilder { TextBody = message.Text, HtmlBody = message.Html }.ToMessageBody();
        return mime;
    }
}

/// <summary>Delivers the outbox: a few attempts with growing pauses, then the message is logged as lost (without its content).</summary>
internal sealed class EmailDelivery(EmailSender sender, IEmailTransport transport, IOptions<EmailOptions> options, ILogger<EmailDelivery> logger) : BackgroundService
{
    private static readonly TimeSpan[] Pauses = [TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30)];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var message in sender.Outbox.ReadAllAsync(stoppingToken))
            {
                // Start the SMTP conversation only after the request that queued the mail has answered:
                // otherwise its CPU and I/O would slow that answer, and the timing would tell who has an account.
                await Task.Delay(options.Value.DeliveryDelay, stoppingToken);
                await DeliverAsync(message, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task DeliverAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await transport.SendAsync(message, cancellationToken);
                logger.LogInformation("Mail \"{Subject}\" sent through {Transport}", message.Subject, transport.Name);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException && attempt < Pauses.Length)
            {
                logger.LogWarning("Sending mail through {Transport} failed ({Error}); trying again", transport.Name, e.GetType().Name);
                await Task.Delay(Pauses[attempt], cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError("Mail \"{Subject}\" could not be sent through {Transport}: {Error}", message.Subject, transport.Name, e.Message);
                return;
            }
        }
    }
}
