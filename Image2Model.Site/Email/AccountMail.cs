using System.Net;
using System.Text;
using Image2Model.Site.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

using Image2Model.Site.Web;

namespace Image2Model.Site.Email;

/// <summary>
/// The mails accounts get: choose a new password, confirm an address, confirm a new address.
/// Links carry Identity's tokens (Data Protection, tied to the account's security stamp, valid
/// for a day); each token is Base64Url-encoded so it survives being a query string.
/// </summary>
public sealed class AccountMail(
    UserManager<AppUser> users,
    EmailSender sender,
    IHttpContextAccessor http,
    IOptions<SiteOptions> site,
    IConfiguration configuration,
    IHostEnvironment environment,
    ILogger<AccountMail> logger)
{
    /// <summary>
    /// Sends a reset link when an account uses <paramref name="email"/>. When none does it does the
    /// same work (a token for a throwaway account, a composed message) and sends nothing, so the
    /// answer and its timing are the same either way.
    /// </summary>
    public async Task SendPasswordResetAsync(string email)
    {
        var user = await users.FindByEmailAsync(email);
        var target = user ?? new AppUser { Id = Guid.NewGuid().ToString(), Email = email, UserName = email, SecurityStamp = Guid.NewGuid().ToString() };
        var token = await users.GeneratePasswordResetTokenAsync(target);
        var link = Link("/account/reset-password", ("userId", target.Id), ("code", Encode(token)));
        var message = sender.Compose(Compose(email, "Choose a new password",
            "Someone (hopefully you) asked to choose a new password for your Image2Model account.",
            "Choose a new password", link,
            "The link works for a day and only once. If you did not ask, ignore this mail: your password stays as it is."));
        if (user is not null)
        {
            sender.Enqueue(message);
            logger.LogInformation("Password reset link sent to account {UserId}", user.Id);
        }
    }

    public async Task SendConfirmationAsync(AppUser user)
    {
        var token = await users.GenerateEmailConfirmationTokenAsync(user);
        var link = Link("/account/confirm-email", ("userId", user.Id), ("code", Encode(token)));
        sender.Enqueue(Compose(user.Email!, "Confirm your email address",
            "Welcome to Image2Model. Please confirm that this address is yours.",
            "Confirm my address", link,
            "The link works for a day. If you did not create an account, ignore this mail."));
        logger.LogInformation("Confirmation link sent to account {UserId}", user.Id);
    }

    /// <summary>The link goes to the new address: only someone who reads it can make the change.</summary>
    public async Task SendEmailChangeAsync(AppUser user, string newEmail)
    {
        var token = await users.GenerateChangeEmailTokenAsync(user, newEmail);
        var link = Link("/account/confirm-email-change", ("userId", user.Id), ("email", newEmail), ("code", Encode(token)));
        sender.Enqueue(Compose(newEmail, "Confirm your new email address",
            "You asked to use this address for your Image2Model account.",
            "Use this address", link,
            "The link works for a day. Until you open it, your account keeps its old address."));
        logger.LogInformation("Address change link sent for account {UserId}", user.Id);
    }

    /// <summary>Tells the old address, so a change nobody asked for does not go unnoticed.</summary>
    public void SendEmailChangedNotice(string oldEmail, string newEmail) =>
        sender.Enqueue(Compose(oldEmail, "Your email address was changed",
            $"Your Image2Model account now uses {newEmail} instead of this address.",
            null, null, "If you did not do this, reset your password at once and tell the site's admin."));

    public void SendInvite(string email, string link) =>
        sender.Enqueue(Compose(email, "You are invited to Image2Model",
            "You are invited to create an account on Image2Model, a site that turns photos into 3D models.",
            "Create my account", link, "The link works once and expires after a week."));

    public static string Decode(string code)
    {
        try
        {
            return Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(code));
        }
        catch (FormatException)
        {
            return "";
        }
    }

    private static string Encode(string token) => WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(token));

    /// <summary>An absolute link: from <c>Site:PublicBaseUrl</c> when set (behind proxies, or outside a request), else the current request's host.</summary>
    public string Link(string path, params (string Name, string Value)[] query)
    {
        var baseUrl = site.Value.PublicBaseUrl?.ToString();
        if (string.IsNullOrWhiteSpace(baseUrl))
        {
            var request = http.HttpContext?.Request ?? throw new InvalidOperationException("Set Site:PublicBaseUrl to send links outside a web request.");
            if (configuration["AllowedHosts"] is null or "*" && !environment.IsDevelopment())
            {
                // The Host header is the client's to choose: a reset mail could point at someone else's site.
                logger.LogWarning("Links in mail use the request's Host header; set Site:PublicBaseUrl or AllowedHosts");
            }

            baseUrl = $"{request.Scheme}://{request.Host}{request.PathBase}";
        }

        var url = baseUrl.TrimEnd('/') + path;
        return QueryHelpers.AddQueryString(url, query.Select(q => new KeyValuePair<string, string?>(q.Name, q.Value)));
    }

    private static EmailMessage Compose(string to, string subject, string intro, string? action, string? link, string outro)
    {
        var text = new StringBuilder().AppendLine(intro).AppendLine();
        var html = new StringBuilder($"<p>{WebUtility.HtmlEncode(intro)}</p>");
        if (link is not null)
        {
            text.AppendLine($"{action}: {link}").AppendLine();
            html.Append($"<p><a href=\"{WebUtility.HtmlEncode(link)}\">{WebUtility.HtmlEncode(action)}</a></p>");
        }

        text.AppendLine(outro);
        html.Append($"<p>{WebUtility.HtmlEncode(outro)}</p>");
        return new EmailMessage(to, subject, text.ToString(), html.ToString());
    }
}
