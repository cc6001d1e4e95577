using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Image2Model.Site.Conversions;
using Image2Model.Site.Data;
using Image2Model.Site.Generators.Remote;
using Image2Model.Site.Web;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using NSec.Cryptography;

namespace Image2Model.Site.Generators.Fal;

/// <summary>
/// FAL's webhooks (spec section 1, "Webhooks"): the callback URL a submit carries, and the check of
/// what arrives there. The URL names the conversion and carries a token only this site can make;
/// the body is signed by FAL with Ed25519 under a key from its JWKS.
/// </summary>
internal sealed class FalWebhooks(
    IOptions<FalOptions> options,
    IOptions<SiteOptions> site,
    IDataProtectionProvider dataProtection,
    IHttpClientFactory clients,
    TimeProvider time,
    ILogger<FalWebhooks> logger)
{
    public const string HttpClientName = "fal-webhook-keys";

    /// <summary>FAL's own bound on a webhook's age; older ones may be replays.</summary>
    public static readonly TimeSpan TimestampWindow = TimeSpan.FromSeconds(300);

    /// <summary>FAL rotates its keys; a day-old copy is stale.</summary>
    private static readonly TimeSpan KeysFor = TimeSpan.FromHours(24);

    /// <summary>A signature no cached key verifies fetches the keys again, at most this often.</summary>
    private static readonly TimeSpan RefetchAtMost = TimeSpan.FromMinutes(1);

    private readonly IDataProtector _tokens = dataProtection.CreateProtector("Image2Model.Generators.FalWebhooks.v1");
    private readonly SemaphoreSlim _fetching = new(1, 1);
    private (PublicKey[] Keys, DateTimeOffset FetchedAt)? _keys;

    // FalOptions' validation makes Webhooks require an absolute Site:PublicBaseUrl.
    public bool Enabled => options.Value.Webhooks;

    /// <summary>Where FAL should report the end of <paramref name="conversionId"/>'s job.</summary>
    public Uri CallbackFor(Guid conversionId)
    {
        var token = _tokens.Protect(conversionId.ToString("N"));
        return ApiCall.Combine(site.Value.PublicBaseUrl!, $"webhooks/fal/{conversionId:N}?token={Uri.EscapeDataString(token)}");
    }

    public bool TokenNames(string? token, Guid conversionId)
    {
        if (string.IsNullOrEmpty(token))
        {
            return false;
        }

        try
        {
            return _tokens.Unprotect(token) == conversionId.ToString("N");
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    public bool Fresh(string? timestamp) =>
        long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
        && seconds < DateTimeOffset.MaxValue.ToUnixTimeSeconds()
        && (time.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() <= TimestampWindow;

    /// <summary>FAL's signed message: request id, user id, timestamp and the body's SHA-256 in hex, a line each.</summary>
    public static byte[] SignedMessage(string requestId, string userId, string timestamp, ReadOnlySpan<byte> body) =>
        Encoding.UTF8.GetBytes($"{requestId}\n{userId}\n{timestamp}\n{Convert.ToHexStringLower(SHA256.HashData(body))}");

    /// <returns>Whether one of FAL's keys signed the message.</returns>
    /// <exception cref="HttpRequestException">FAL's keys could not be fetched.</exception>
    public async Task<bool> VerifyAsync(byte[] message, string? signatureHex, CancellationToken cancellationToken)
    {
        byte[] signature;
        try
        {
            signature = Convert.FromHexString(signatureHex ?? "");
        }
        catch (FormatException)
        {
            return false;
        }

        if (signature.Length != SignatureAlgorithm.Ed25519.SignatureSize)
        {
            return false;
        }

        var (keys, fetchedAt) = await KeysAsync(refresh: false, cancellationToken);
        if (keys.Any(k => SignatureAlgorithm.Ed25519.Verify(k, message, signature)))
        {
            return true;
        }

        // Perhaps FAL rotated its key since the copy was made.
        if (time.GetUtcNow() - fetchedAt < RefetchAtMost)
        {
            return false;
        }

        (keys, _) = await KeysAsync(refresh: true, cancellationToken);
        return keys.Any(k => SignatureAlgorithm.Ed25519.Verify(k, message, signature));
    }

    private async Task<(PublicKey[] Keys, DateTimeOffset FetchedAt)> KeysAsync(bool refresh, CancellationToken cancellationToken)
    {
        if (!refresh && _keys is { } cached && time.GetUtcNow() - cached.FetchedAt < KeysFor)
        {
            return cached;
        }

        await _fetching.WaitAsync(cancellationToken);
        try
        {
            if (!refresh && _keys is { } again && time.GetUtcNow() - again.FetchedAt < KeysFor)
            {
                return again;
            }

            var url = ApiCall.Combine(options.Value.RestUrl, ".well-known/jwks.json");
            using var reply = await clients.CreateClient(HttpClientName).GetAsync(url, cancellationToken);
            reply.EnsureSuccessStatusCode();
            var jwks = await reply.Content.ReadFromJsonAsync<Jwks>(cancellationToken) ?? new Jwks(null);
            var keys = (jwks.Keys ?? [])
                .Where(k => k.X is not null && (k.Crv is null or "Ed25519"))
                .Select(k => Import(k.X!))
                .OfType<PublicKey>()
                .ToArray();
            logger.LogInformation("Fetched {Count} FAL webhook keys", keys.Length);
            var fetched = (keys, time.GetUtcNow());
            _keys = fetched;
            return fetched;
        }
        catch (JsonException ex)
        {
            throw new HttpRequestException("FAL's webhook keys are not readable.", ex);
        }
        finally
        {
            _fetching.Release();
        }
    }

    private static PublicKey? Import(string base64Url)
    {
        try
        {
            var raw = Base64Url.DecodeFromChars(base64Url);
            return PublicKey.TryImport(SignatureAlgorithm.Ed25519, raw, KeyBlobFormat.RawPublicKey, out var key) ? key : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private sealed record Jwks([property: JsonPropertyName("keys")] Jwk[]? Keys);

    private sealed record Jwk(
        [property: JsonPropertyName("crv")] string? Crv,
        [property: JsonPropertyName("x")] string? X);
}

/// <summary>POST /webhooks/fal/{conversionId}: public by design, its own auth is FAL's signature and the URL's token.</summary>
internal static class FalWebhookEndpoint
{
    private const int MaxBody = 1024 * 1024;

    public static IEndpointRouteBuilder MapFalWebhooks(this IEndpointRouteBuilder app)
    {
        app.MapPost("/webhooks/fal/{conversionId:guid}", ReceiveAsync).AllowAnonymous().DisableAntiforgery();
        return app;
    }

    private static async Task<IResult> ReceiveAsync(
        Guid conversionId,
        HttpContext http,
        FalWebhooks webhooks,
        IEnumerable<IGenerator> generators,
        AppDbContext db,
        ILogger<FalWebhooks> logger,
        CancellationToken cancellationToken)
    {
        // Unknown and unguessable look the same: both are 404.
        if (!webhooks.TokenNames(http.Request.Query["token"], conversionId))
        {
            return Results.NotFound();
        }

        using var buffer = new MemoryStream();
        var read = new byte[16 * 1024];
        int n;
        while ((n = await http.Request.Body.ReadAsync(read, cancellationToken)) > 0)
        {
            buffer.Write(read, 0, n);
            if (buffer.Length > MaxBody)
            {
                return Results.StatusCode(StatusCodes.Status413PayloadTooLarge);
            }
        }

        var body = buffer.ToArray();
        var headers = http.Request.Headers;
        string requestId = headers["X-Fal-Webhook-Request-Id"].ToString(), userId = headers["X-Fal-Webhook-User-Id"].ToString(), timestamp = headers["X-Fal-Webhook-Timestamp"].ToString();
        if (!webhooks.Fresh(timestamp))
        {
            logger.LogWarning("FAL webhook for conversion {Conversion} refused: its timestamp is outside the window", conversionId);
            return Results.Unauthorized();
        }

        try
        {
            if (!await webhooks.VerifyAsync(FalWebhooks.SignedMessage(requestId, userId, timestamp, body), headers["X-Fal-Webhook-Signature"], cancellationToken))
            {
                logger.LogWarning("FAL webhook for conversion {Conversion} refused: bad signature", conversionId);
                return Results.Unauthorized();
            }
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // FAL retries a webhook that was not taken: better later than unchecked.
            logger.LogWarning(ex, "FAL's webhook keys could not be fetched");
            return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        }

        string? bodyId;
        try
        {
            bodyId = JsonDocument.Parse(body).RootElement.TryGetProperty("request_id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
        }
        catch (JsonException)
        {
            bodyId = null;
        }

        if (string.IsNullOrEmpty(requestId) || bodyId != requestId)
        {
            return Results.BadRequest();
        }

        var generator = generators.OfType<FalTripoGenerator>().SingleOrDefault();
        var conversion = await db.Conversions.AsNoTracking().Where(c => c.Id == conversionId)
            .Select(c => new { c.Generator, c.State, c.ResumeState }).SingleOrDefaultAsync(cancellationToken);
        if (generator is null || conversion is null || conversion.Generator != generator.Name)
        {
            return Results.NotFound();
        }

        if (conversion.State.IsFinal() || conversion.ResumeState is null || generator.WithJob(conversion.ResumeState, generator.JobNamed(requestId)) is not { } named)
        {
            // Polling follows the job already (or nothing waits for it): nothing to do, and said so once.
            var known = conversion.ResumeState is null ? null : generator.JobIdIn(conversion.ResumeState);
            if (known is not null && known != requestId)
            {
                logger.LogWarning("FAL webhook for conversion {Conversion} names request {Request}, but it follows {Known}", conversionId, requestId, known);
            }

            return Results.Ok();
        }

        // Only if nobody changed the state meanwhile: the submitter may have heard back after all.
        var stored = await db.Conversions
            .Where(c => c.Id == conversionId && c.ResumeState == conversion.ResumeState
                && (c.State == ConversionState.Pending || c.State == ConversionState.Running))
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.ResumeState, named), cancellationToken);
        logger.LogInformation("FAL webhook named request {Request} for conversion {Conversion} whose submit answer was lost (stored: {Stored})", requestId, conversionId, stored == 1);
        return Results.Ok();
    }
}
