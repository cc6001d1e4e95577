using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Image2Model.Site.SingleSignOn;

public static class SsoRegistration
{
    /// <summary>OpenID Connect sign-in (authorization code with PKCE) when <c>Sso:Authority</c> and <c>Sso:ClientId</c> are set.</summary>
    public static IHostApplicationBuilder AddSingleSignOn(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<SsoOptions>().BindConfiguration(SsoOptions.Section);
        var options = builder.Configuration.GetSection(SsoOptions.Section).Get<SsoOptions>() ?? new();
        if (!options.IsConfigured)
        {
            return builder;
        }

        services.AddAuthentication().AddOpenIdConnect(SsoOptions.Scheme, options.DisplayName, o =>
        {
            o.Authority = options.Authority;
            o.ClientId = options.ClientId;
            o.ClientSecret = options.ClientSecret;
            o.RequireHttpsMetadata = options.RequireHttpsMetadata;
            o.ResponseType = "code";
            o.ResponseMode = "query";
            o.UsePkce = true;
            o.Scope.Clear();
            o.Scope.Add("openid");
            o.Scope.Add("email");
            o.Scope.Add("profile");
            o.GetClaimsFromUserInfoEndpoint = true;
            // Keep the provider's claim names ("email", "email_verified") as they are.
            o.MapInboundClaims = false;
            o.SaveTokens = false;
            // Identity's external cookie holds the result until the callback page links or creates the account.
            o.SignInScheme = IdentityConstants.ExternalScheme;
            o.CallbackPath = "/signin-oidc";
        });

        if (options.DisablePasswordSignIn)
        {
            services.Configure<RazorPagesOptions>(o =>
            {
                foreach (var page in new[] { "/Account/Login", "/Account/Register", "/Account/ForgotPassword", "/Account/ResetPassword", "/Account/Invite", "/Account/DeleteAccount" })
                {
                    o.Conventions.AddPageApplicationModelConvention(page, m => m.Filters.Add(new PasswordSignInOffFilter(page)));
                }
            });
        }

        return builder;
    }

    /// <summary>With password sign-in off, the password pages send people to the provider instead (deleting an account then needs no password).</summary>
    private sealed class PasswordSignInOffFilter(string page) : IAsyncPageFilter
    {
        public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

        public async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
        {
            if (page == "/Account/DeleteAccount")
            {
                await next();
                return;
            }

            var returnUrl = context.HttpContext.Request.Query["returnUrl"].ToString();
            context.Result = new RedirectResult("/account/sso" + (string.IsNullOrEmpty(returnUrl) ? "" : "?returnUrl=" + Uri.EscapeDataString(returnUrl)));
        }
    }
}
