using Image2Model.Site.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Image2Model.Site.Email;

public static class EmailRegistration
{
    /// <summary>SMTP when <c>Email:Smtp:Host</c> is set, else the pickup folder (<c>data/mail</c> by default in Development), else none.</summary>
    public static IHostApplicationBuilder AddEmail(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<EmailOptions>().BindConfiguration(EmailOptions.Section);
        services.AddSingleton<IEmailTransport>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<EmailOptions>>().Value;
            var environment = sp.GetRequiredService<IHostEnvironment>();
            if (!string.IsNullOrWhiteSpace(options.Smtp.Host))
            {
                return ActivatorUtilities.CreateInstance<SmtpTransport>(sp);
            }

            var pickup = options.PickupDirectory;
            if (string.IsNullOrWhiteSpace(pickup) && environment.IsDevelopment())
            {
                var data = sp.GetRequiredService<IConfiguration>()["Storage:DataDirectory"] ?? "data";
                pickup = Path.Combine(data, "mail");
            }

            return string.IsNullOrWhiteSpace(pickup)
                ? ActivatorUtilities.CreateInstance<NoTransport>(sp)
                : new PickupFolderTransport(Path.GetFullPath(pickup, environment.ContentRootPath));
        });
        services.AddSingleton<EmailSender>();
        services.AddHostedService<EmailDelivery>();
        services.AddHttpContextAccessor();
        services.AddScoped<AccountMail>();

        // Confirmation by mail, when the operator asks for it; the account pages then refuse to sign in unconfirmed addresses.
        var requireConfirmed = builder.Configuration.GetValue<bool>("Accounts:RequireConfirmedEmail");
        services.Configure<IdentityOptions>(o => o.SignIn.RequireConfirmedEmail = requireConfirmed);
        services.AddScoped<UserManager<AppUser>, ConfirmingUserManager>();
        return builder;
    }
}
