using System.Security.Claims;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Image2Model.Tests.SingleSignOn;

/// <summary>
/// A real OpenID Connect provider on loopback: OpenIddict's server (authorization code + PKCE,
/// discovery, JWKS, token and userinfo endpoints) over its EF Core stores on SQLite in memory.
/// Whoever it "signs in" is set by the test through <see cref="SignedInAs"/>.
/// </summary>
public sealed class OidcServer : IAsyncDisposable
{
    public const string ClientId = "image2model";
    public const string ClientSecret = "test-client-secret";
    private WebApplication? _app;
    private SqliteConnection? _keepAlive;

    public Uri Authority { get; private set; } = null!;

    /// <summary>The user the provider authenticates at its authorization endpoint: subject, email, and whether it vouches for the email.</summary>
    public (string Subject, string Email, bool EmailVerified) SignedInAs { get; set; } = ("subject-1", "someone@example.com", true);

    public static async Task<OidcServer> StartAsync(string redirectUri)
    {
        var server = new OidcServer();
        server._keepAlive = new SqliteConnection($"Data Source=oidc-{Guid.NewGuid():N};Mode=Memory;Cache=Shared");
        await server._keepAlive.OpenAsync();
        var builder = WebApplication.CreateBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddDbContext<DbContext>(o => o.UseSqlite(server._keepAlive.ConnectionString).UseOpenIddict());
        builder.Services.AddOpenIddict()
            .AddCore(o => o.UseEntityFrameworkCore().UseDbContext<DbContext>())
            .AddServer(o =>
            {
                o.SetAuthorizationEndpointUris("connect/authorize").SetTokenEndpointUris("connect/token").SetUserInfoEndpointUris("connect/userinfo");
                o.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
                o.RegisterScopes(Scopes.OpenId, Scopes.Email, Scopes.Profile);
                o.AddEphemeralEncryptionKey().AddEphemeralSigningKey().DisableAccessTokenEncryption();
                o.UseAspNetCore().EnableAuthorizationEndpointPassthrough().EnableUserInfoEndpointPassthrough().DisableTransportSecurityRequirement();
            });
        var app = builder.Build();
        app.MapMethods("/connect/authorize", ["GET", "POST"], (HttpContext http) =>
        {
            var (subject, email, verified) = server.SignedInAs;
            var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
            identity.SetClaim(Claims.Subject, subject).SetClaim(Claims.Email, email).SetClaim(Claims.EmailVerified, verified).SetClaim(Claims.Name, email);
            identity.SetScopes(http.GetOpenIddictServerRequest()!.GetScopes());
            identity.SetDestinations(_ => [Destinations.AccessToken, Destinations.IdentityToken]);
            return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        });
        app.MapMethods("/connect/userinfo", ["GET", "POST"], async (HttpContext http) =>
        {
            var principal = (await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)).Principal!;
            return Results.Json(new Dictionary<string, object?>
            {
                [Claims.Subject] = principal.GetClaim(Claims.Subject),
                [Claims.Email] = principal.GetClaim(Claims.Email),
                [Claims.EmailVerified] = principal.GetClaim(Claims.EmailVerified) == "true",
            });
        });

        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<DbContext>().Database.EnsureCreatedAsync();
            await scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>().CreateAsync(new OpenIddictApplicationDescriptor
            {
                ClientId = ClientId,
                ClientSecret = ClientSecret,
                ClientType = ClientTypes.Confidential,
                RedirectUris = { new Uri(redirectUri) },
                Permissions =
                {
                    Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.GrantTypes.AuthorizationCode,
                    Permissions.ResponseTypes.Code, Permissions.Scopes.Email, Permissions.Scopes.Profile,
                },
                Requirements = { Requirements.Features.ProofKeyForCodeExchange },
            });
        }

        await app.StartAsync();
        server._app = app;
        server.Authority = new Uri(app.Urls.Single().TrimEnd('/') + "/");
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        _keepAlive?.Dispose();
    }
}
