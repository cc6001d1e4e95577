using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;

namespace Image2Model.Site.Api;

/// <summary>The JSON API for scripts under /api/v1: tokens, endpoints, CORS and the OpenAPI document.</summary>
public static class ApiRegistration
{
    public const string CorsPolicy = "Api";
    public const string TokenPolicy = "ApiToken";

    public static IHostApplicationBuilder AddApi(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section);
        var origins = ApiOptions.AllowedOrigins(builder.Configuration);

        services.AddScoped<ApiTokens>();
        services.AddSingleton<DownloadLinks>();
        services.AddSingleton<TaskStreamHub>();
        services.AddHostedService(sp => sp.GetRequiredService<TaskStreamHub>());

        // Not the default scheme: pages keep their cookie, and a cookie never opens the API.
        services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, ApiTokenAuthentication>(ApiTokenAuthentication.SchemeName, null);
        services.AddAuthorizationBuilder().AddPolicy(TokenPolicy, p => p.AddAuthenticationSchemes(ApiTokenAuthentication.SchemeName).RequireAuthenticatedUser());

        services.AddCors(cors => cors.AddPolicy(CorsPolicy, policy => policy
            .WithOrigins(origins)
            .WithMethods(HttpMethods.Get, HttpMethods.Post)
            .WithHeaders("Authorization", "Content-Type", "Cache-Control", "Last-Event-ID")
            .WithExposedHeaders("Content-Disposition", "Retry-After", "ETag")
            .SetPreflightMaxAge(TimeSpan.FromHours(1))));

        services.ConfigureHttpJsonOptions(o => ApiResults.Configure(o.SerializerOptions));
        services.AddApiDocument();
        return builder;
    }

    public static WebApplication MapApi(this WebApplication app)
    {
        app.Logger.LogInformation("Browser scripts from these origins may call the API: {CorsOrigins}",
            ApiOptions.AllowedOrigins(app.Configuration) is { Length: > 0 } origins ? string.Join(", ", origins) : "none");
        var all = app.MapGroup("/api/v1").RequireCors(CorsPolicy).WithTags("API");
        var withToken = all.MapGroup("").RequireAuthorization(TokenPolicy);
        // Endpoints that decide for themselves: the progress stream and signed download links.
        var open = all.MapGroup("").AllowAnonymous();

        withToken.MapUploadEndpoints();
        withToken.MapStatusEndpoints(open);
        withToken.MapDownloadEndpoints(open);
        app.MapApiDocument();
        return app;
    }
}
