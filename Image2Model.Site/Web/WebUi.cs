using Image2Model.Site.Accounts;
using Image2Model.Site.Pages.Batches;
using Image2Model.Site.Uploads;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

namespace Image2Model.Site.Web;

public static class WebUi
{
    public static IHostApplicationBuilder AddWebUi(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        var uploads = builder.Configuration.GetSection(UploadOptions.Section).Get<UploadOptions>() ?? new();
        services.Configure<RouteOptions>(o => o.LowercaseUrls = true);
        services.AddRazorPages(o =>
        {
            o.Conventions.AuthorizeFolder("/Admin", AccountsRegistration.AdminPolicy);
            o.Conventions.ConfigureFilter(new UnknownHandlerFilter());
            o.Conventions.AddPageApplicationModelConvention("/Upload/Index", page =>
            {
                // Only the upload page may receive a large body: every file at its limit.
                page.Filters.Add(new RequestSizeLimitAttribute(uploads.MaxRequestBytes));
                page.Filters.Add(new RequestFormLimitsAttribute { MultipartBodyLengthLimit = uploads.MaxRequestBytes });
                page.EndpointMetadata.Add(new EnableRateLimitingAttribute(RateLimits.Uploads));
            });
            // "Make it again" and "Try again" re-run a conversion: they count against the same per-user limit as uploads.
            foreach (var page in new[] { "/Models/Details", "/Batches/Details" })
            {
                o.Conventions.AddPageApplicationModelConvention(page, m => m.EndpointMetadata.Add(new EnableRateLimitingAttribute(RateLimits.Uploads)));
            }

            foreach (var page in new[] { "/Account/Login", "/Account/Register", "/Account/ForgotPassword", "/Account/ResendConfirmation", "/Account/Invite" })
            {
                o.Conventions.AddPageApplicationModelConvention(page, m => m.EndpointMetadata.Add(new EnableRateLimitingAttribute(RateLimits.Accounts)));
            }
        });
        // htmx sends the token in this header (see _Layout's hx-headers); forms send the hidden field.
        services.AddAntiforgery(o =>
        {
            o.HeaderName = "RequestVerificationToken";
            // Secure whenever the request is HTTPS, as the proxy reports it (see ForwardedHeadersSetup).
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        services.Configure<Microsoft.AspNetCore.Mvc.CookieTempDataProviderOptions>(o => o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest);
        services.AddOptions<SiteOptions>().BindConfiguration(SiteOptions.Section);
        services.AddTrustedForwardedHeaders(builder.Configuration);
        services.AddSiteRateLimits(builder.Configuration);
        services.AddProblemDetails();
        services.AddSingleton<BatchStatusReader>();
        return builder;
    }

    public static WebApplication UseWebUi(this WebApplication app)
    {
        // First: everything after it (HSTS, Secure cookies, rate limits, links) must see the real
        // client address and scheme, taken from the headers of trusted proxies only.
        app.UseForwardedHeaders();
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/error");
            app.UseHsts();
        }

        app.UseStatusCodePagesWithReExecute("/error", "?code={0}");
        app.UseSecurityHeaders();
        app.UseStaticFiles();
        app.UseRouting();
        // After routing, so each endpoint's own CORS policy applies (only the API has one); before authorization, so preflights need no token.
        app.UseCors();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseUploadPageBodyLimit();
        app.UseBatchStatusRevalidation();
        app.MapRazorPages();
        return app;
    }
}
