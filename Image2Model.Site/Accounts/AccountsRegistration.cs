using Image2Model.Site.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Image2Model.Site.Accounts;

public static class AccountsRegistration
{
    public const string AdminRole = "Admin";
    public const string AdminPolicy = "Admin";

    public static IHostApplicationBuilder AddAccounts(this IHostApplicationBuilder builder)
    {
        builder.Services.AddIdentity<AppUser, IdentityRole>(o =>
            {
                // Length beats composition rules (NIST 800-63B); Identity's defaults would demand symbols.
                o.Password.RequiredLength = 10;
                o.Password.RequireDigit = false;
                o.Password.RequireLowercase = false;
                o.Password.RequireUppercase = false;
                o.Password.RequireNonAlphanumeric = false;
                // Lockout here is only what admins set; failed sign-ins are counted by SignInThrottle instead,
                // per client, so that nobody can lock an account by guessing wrong on purpose.
                o.Lockout.AllowedForNewUsers = true;
                o.User.RequireUniqueEmail = true;
            })
            .AddEntityFrameworkStores<AppDbContext>()
            .AddPasswordValidator<PasswordRules>()
            .AddDefaultTokenProviders();

        builder.Services.ConfigureApplicationCookie(o =>
        {
            o.Cookie.Name = "image2model";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.LoginPath = "/account/login";
            o.LogoutPath = "/account/logout";
            o.AccessDeniedPath = "/account/access-denied";
            o.ExpireTimeSpan = TimeSpan.FromDays(14);
            o.SlidingExpiration = true;
            o.Events.OnValidatePrincipal = SignInSessions.ValidatePrincipalAsync;
        });

        // Cookies are re-checked against the account every minute, so a lock or a removed admin
        // role takes effect within a minute instead of at the cookie's expiry.
        builder.Services.Configure<SecurityStampValidatorOptions>(o =>
        {
            o.ValidationInterval = TimeSpan.FromMinutes(1);
            o.OnRefreshingPrincipal = SignInSessions.KeepSessionClaim;
        });
        // Once per interval per account, however many requests carry the stale cookie at once (polling tabs).
        builder.Services.AddSingleton<RecentAccountChecks>();
        builder.Services.Replace(ServiceDescriptor.Scoped<ISecurityStampValidator, SecurityStampCheck>());

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(AdminPolicy, p => p.RequireRole(AdminRole))
            // Everything needs a signed-in user unless a page says [AllowAnonymous].
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());

        builder.Services.AddScoped<Registration>();
        builder.Services.AddOptions<SignInThrottleOptions>().BindConfiguration(SignInThrottleOptions.Section);
        builder.Services.AddScoped<SignInThrottle>();
        builder.Services.AddScoped<PasswordSignIn>();
        builder.Services.AddScoped<SignInSessions>();
        builder.Services.AddOptions<SignInSessionOptions>().BindConfiguration(SignInSessionOptions.Section);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<KnownSessions>();
        return builder;
    }
}
