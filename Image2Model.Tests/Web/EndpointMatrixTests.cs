using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Image2Model.Tests.Api;
using Image2Model.Tests.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Image2Model.Tests.Web;

/// <summary>
/// Every endpoint the site maps, read from its endpoint data source (so a new endpoint is checked
/// without anyone remembering to): as anonymous, as another user holding the owner's ids, and as an
/// admin; and every page for its Content Security Policy and for inline script.
/// </summary>
public sealed class EndpointMatrixTests : IClassFixture<EndpointMatrixTests.Site>
{
    private readonly Site _site;

    public EndpointMatrixTests(Site site) => _site = site;

    /// <summary>
    /// The endpoints that answer without signing in. Adding one to the site fails this test until it
    /// is added here, on purpose: someone has to decide that it is public.
    /// </summary>
    private static readonly string[] PublicEndpoints =
    [
        "GET /", "GET /index", "GET /error", "GET /api-docs", "GET /health/live", "GET /health/ready", "GET /openapi/{documentname}.json",
        "GET /account/login", "GET /account/register", "GET /account/invite", "GET /account/forgot-password", "GET /account/reset-password",
        "GET /account/confirm-email", "GET /account/resend-confirmation", "GET /account/confirm-email-change", "GET /account/sso",
        "GET /api/v1/download/{job_id}/{filename}", "GET /api/v1/download/{job_id}/{filename}/rendered_image",
        "GET /api/v1/status/tasks/{task_id}/stream",
        "GET /s/{token}", "GET /s/{token}/model.glb", "GET /s/{token}/model-obj.zip", "GET /s/{token}/model.stl", "GET /s/{token}/model.3mf",
        "GET /s/{token}/preview.png",
        // FAL's callback: its own auth is FAL's Ed25519 signature and the URL's signed token (Generators/FalWebhookTests).
        "POST /webhooks/fal/{conversionid}",
    ];

    /// <summary>Public by design even with someone else's id: the random task id is the stream's secret (see README).</summary>
    private static readonly string[] SecretIsTheId = ["GET /api/v1/status/tasks/{task_id}/stream"];

    public sealed record EndpointCase(string Method, string Pattern, bool Anonymous, bool AdminOnly, bool IsPage, bool IsApi)
    {
        public string Name => $"{Method} {Pattern}";

        public override string ToString() => Name;
    }

    private IReadOnlyList<EndpointCase> Endpoints()
    {
        var source = _site.Factory.Services.GetRequiredService<EndpointDataSource>();
        var cases = new List<EndpointCase>();
        foreach (var endpoint in source.Endpoints.OfType<RouteEndpoint>())
        {
            // Lower case, as the site's links are (RouteOptions.LowercaseUrls); pages without an explicit route are "Account/Login".
            var pattern = "/" + (endpoint.RoutePattern.RawText ?? "").TrimStart('/').ToLowerInvariant();
            var metadata = endpoint.Metadata;
            var isPage = metadata.GetMetadata<PageActionDescriptor>() is not null || metadata.Any(m => m.GetType().Name == "PageRouteMetadata") || metadata.Any(m => m is CompiledPageActionDescriptor);
            var methods = metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.Where(m => m != "OPTIONS").ToList() is { Count: > 0 } list ? list : ["GET"];
            var anonymous = metadata.GetMetadata<IAllowAnonymous>() is not null;
            var adminOnly = metadata.GetOrderedMetadata<IAuthorizeData>().Any(a => a.Policy == "Admin" || a.Roles == "Admin")
                || metadata.GetOrderedMetadata<AuthorizationPolicy>().Any(p => p.Requirements.OfType<Microsoft.AspNetCore.Authorization.Infrastructure.RolesAuthorizationRequirement>().Any());
            // Pages take GET for display; their POST handlers share the same authorization.
            var method = isPage ? "GET" : methods.Contains("GET") ? "GET" : methods[0];
            cases.Add(new EndpointCase(method, Regex.Replace(pattern, @"\{([a-zA-Z_]+):[^}]+\}", "{$1}"), anonymous, adminOnly, isPage, pattern.StartsWith("/api/")));
        }

        return cases.DistinctBy(c => c.Name).OrderBy(c => c.Name).ToList();
    }

    /// <summary>Concrete URLs for a pattern, with the owner's real ids (both kinds for a bare {id}).</summary>
    private IEnumerable<string> UrlsFor(EndpointCase endpoint)
    {
        var values = new Dictionary<string, string[]>
        {
            ["id"] = [_site.ConversionId.ToString(), _site.BatchId.ToString(), _site.OwnerId],
            ["job_id"] = [_site.BatchId.ToString()],
            ["task_id"] = [_site.TaskId],
            ["filename"] = [_site.FileName],
            ["documentname"] = ["v1"],
        };
        var urls = new List<string> { endpoint.Pattern.Replace("{**", "{").Replace("{*", "{") };
        foreach (Match parameter in Regex.Matches(endpoint.Pattern, @"\{\**([a-zA-Z_]+)[^}]*\}"))
        {
            var name = parameter.Groups[1].Value;
            var choices = values.GetValueOrDefault(name, ["x"]);
            urls = urls.SelectMany(u => choices.Select(c => u.Replace(parameter.Value, Uri.EscapeDataString(c)))).ToList();
        }

        return urls.Distinct();
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string method, string url, string? token = null)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (method is "POST" or "PUT" or "PATCH")
        {
            request.Content = new FormUrlEncodedContent([]);
        }

        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await client.SendAsync(request);
    }

    private static bool IsRefusal(HttpResponseMessage response) =>
        response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
        || (response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location?.OriginalString is { } to
            && (to.Contains("/account/login", StringComparison.OrdinalIgnoreCase) || to.Contains("/account/access-denied", StringComparison.OrdinalIgnoreCase)));

    [Fact]
    public void The_endpoint_data_source_lists_the_site_s_pages_and_api()
    {
        var names = Endpoints().Select(e => e.Name).ToList();
        Assert.Contains("GET /upload", names);
        Assert.Contains("POST /api/v1/upload", names);
        Assert.Contains("GET /admin/users/{id}", names);
        Assert.Contains("GET /health/ready", names);
        Assert.True(names.Count > 30, string.Join(", ", names));
    }

    [Fact]
    public void Only_the_endpoints_decided_to_be_public_allow_anonymous_users()
    {
        var anonymous = Endpoints().Where(e => e.Anonymous).Select(e => e.Name).Order().ToList();
        Assert.True(PublicEndpoints.Order().SequenceEqual(anonymous), "Public endpoints: " + string.Join(", ", anonymous));
    }

    [Fact]
    public async Task Anonymous_visitors_are_refused_by_every_endpoint_that_is_not_public()
    {
        var client = _site.Factory.CreateSiteClient().Http;
        var failures = new List<string>();
        foreach (var endpoint in Endpoints().Where(e => !e.Anonymous))
        {
            foreach (var url in UrlsFor(endpoint))
            {
                using var response = await SendAsync(client, endpoint.Method, url);
                if (!IsRefusal(response))
                {
                    failures.Add($"{endpoint.Method} {url}: {(int)response.StatusCode}");
                }
            }
        }

        Assert.True(failures.Count == 0, "Answered anonymous visitors: " + string.Join("; ", failures));
    }

    [Fact]
    public async Task Another_user_with_the_owner_s_ids_gets_nothing_from_any_endpoint()
    {
        var failures = new List<string>();
        var tried = new List<string>();
        foreach (var endpoint in Endpoints().Where(e => !SecretIsTheId.Contains(e.Name)))
        {
            foreach (var url in UrlsFor(endpoint).Where(u => u.Contains(_site.ConversionId.ToString()) || u.Contains(_site.BatchId.ToString()) || u.Contains(_site.TaskId) || u.Contains(_site.OwnerId)))
            {
                tried.Add(url);
                using var response = await SendAsync(_site.Stranger.Http, endpoint.Method, url, endpoint.IsApi ? _site.StrangerToken : null);
                if (response.IsSuccessStatusCode || (response.StatusCode == HttpStatusCode.Redirect && !IsRefusal(response)))
                {
                    failures.Add($"{endpoint.Method} {url}: {(int)response.StatusCode}");
                }
            }
        }

        Assert.True(failures.Count == 0, "Gave another user's things away: " + string.Join("; ", failures));
        Assert.Contains($"/models/{_site.ConversionId}", tried);
        Assert.Contains($"/files/{_site.ConversionId}/model.glb", tried);
        Assert.Contains($"/api/v1/download/{_site.BatchId}/all", tried);
    }

    [Fact]
    public async Task Admin_endpoints_refuse_plain_users_and_let_admins_in()
    {
        var adminEndpoints = Endpoints().Where(e => e.AdminOnly).ToList();
        Assert.Contains(adminEndpoints, e => e.Name == "GET /admin/audit");
        var failures = new List<string>();
        foreach (var endpoint in adminEndpoints)
        {
            foreach (var url in UrlsFor(endpoint))
            {
                using var asUser = await SendAsync(_site.Stranger.Http, endpoint.Method, url);
                if (!IsRefusal(asUser))
                {
                    failures.Add($"user {endpoint.Method} {url}: {(int)asUser.StatusCode}");
                }

                using var asAdmin = await SendAsync(_site.Admin.Http, endpoint.Method, url);
                if (IsRefusal(asAdmin))
                {
                    failures.Add($"admin {endpoint.Method} {url}: {(int)asAdmin.StatusCode}");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("; ", failures));
        Assert.Equal(HttpStatusCode.OK, (await _site.Admin.Http.GetAsync($"/admin/users/{_site.OwnerId}")).StatusCode);
    }

    [Fact]
    public async Task Every_page_sends_a_strict_content_security_policy_and_has_no_inline_script_or_event_handlers()
    {
        var failures = new List<string>();
        var pages = Endpoints().Where(e => e.IsPage && e.Method == "GET").ToList();
        Assert.True(pages.Count > 15);
        foreach (var page in pages)
        {
            var client = page.AdminOnly ? _site.Admin : page.Anonymous ? _site.Factory.CreateSiteClient() : _site.Owner;
            foreach (var url in UrlsFor(page))
            {
                using var response = await client.Http.GetAsync(url);
                var csp = response.Headers.TryGetValues("Content-Security-Policy", out var values) ? string.Join(";", values) : "";
                var scriptSrc = csp.Split(';').Select(d => d.Trim()).FirstOrDefault(d => d.StartsWith("script-src")) ?? csp.Split(';').Select(d => d.Trim()).FirstOrDefault(d => d.StartsWith("default-src")) ?? "";
                if (scriptSrc.Length == 0 || scriptSrc.Contains("'unsafe-inline'") || scriptSrc.Contains("'unsafe-eval'") || !csp.Contains("object-src 'none'"))
                {
                    failures.Add($"{url}: CSP \"{csp}\"");
                }

                if (response.StatusCode != HttpStatusCode.OK || response.Content.Headers.ContentType?.MediaType != "text/html")
                {
                    continue;
                }

                var document = await SiteClient.ParseAsync(response);
                foreach (var script in document.QuerySelectorAll("script"))
                {
                    if (!script.HasAttribute("src") && script.GetAttribute("type") is not ("application/json" or "application/ld+json"))
                    {
                        failures.Add($"{url}: inline <script> {script.OuterHtml[..Math.Min(80, script.OuterHtml.Length)]}");
                    }
                }

                foreach (var element in document.All)
                {
                    foreach (var attribute in element.Attributes)
                    {
                        if (attribute.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase) || attribute.Name.StartsWith("hx-on", StringComparison.OrdinalIgnoreCase)
                            || attribute.Value.TrimStart().StartsWith("javascript:", StringComparison.OrdinalIgnoreCase))
                        {
                            failures.Add($"{url}: <{element.LocalName} {attribute.Name}=\"{attribute.Value}\">");
                        }
                    }
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("; ", failures));
    }

    /// <summary>One site for the whole matrix: an owner with a finished model, a stranger with a token, an admin.</summary>
    public sealed class Site : IAsyncLifetime
    {
        public SiteFactory Factory { get; } = new();

        public SiteClient Owner { get; private set; } = null!;

        public SiteClient Stranger { get; private set; } = null!;

        public SiteClient Admin { get; private set; } = null!;

        public string StrangerToken { get; private set; } = "";

        public string OwnerId { get; private set; } = "";

        public Guid BatchId { get; private set; }

        public Guid ConversionId { get; private set; }

        public string TaskId { get; private set; } = "";

        public string FileName { get; private set; } = "";

        public async Task InitializeAsync()
        {
            var email = $"owner-{Guid.NewGuid():N}@example.com";
            Owner = await UserStories.SignedInUserAsync(Factory, email);
            BatchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(Owner, [Fixtures.File("apple.png")]));
            var conversion = (await Waiting.ForBatchAsync(Factory, BatchId)).Single();
            ConversionId = conversion.Id;
            FileName = conversion.FileName;
            await using (var db = Factory.CreateDbContext())
            {
                TaskId = (await db.Batches.SingleAsync(b => b.Id == BatchId)).TaskId.ToString();
                OwnerId = conversion.OwnerId;
            }

            Stranger = await UserStories.SignedInUserAsync(Factory);
            StrangerToken = await ApiStories.CreateTokenAsync(Stranger);
            Admin = await AdminStories.SignedInAdminAsync(Factory);
        }

        public Task DisposeAsync()
        {
            Factory.Dispose();
            return Task.CompletedTask;
        }
    }
}
