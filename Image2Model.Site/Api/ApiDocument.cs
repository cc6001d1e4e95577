using Microsoft.OpenApi;

namespace Image2Model.Site.Api;

/// <summary>The OpenAPI document at /openapi/v1.json, covering /api/v1 only (not the site's own file links).</summary>
public static class ApiDocument
{
    public const string Path = "/openapi/v1.json";

    public static IServiceCollection AddApiDocument(this IServiceCollection services) =>
        services.AddOpenApi("v1", o =>
        {
            o.ShouldInclude = description => description.RelativePath?.StartsWith("api/v1/", StringComparison.Ordinal) == true;
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "Image2Model API";
                document.Info.Description = "Upload photos, follow their conversion live, download the GLB models. " +
                    "Send a personal access token as 'Authorization: Bearer <token>'; the progress stream and signed download links need none.";
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "A personal access token from the API tokens page (i2m_…).",
                };
                document.Security ??= [];
                document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] });
                return Task.CompletedTask;
            });
        });

    public static void MapApiDocument(this WebApplication app) =>
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous().RequireCors(ApiRegistration.CorsPolicy);
}
