using System.Net;
using System.Text.Json;
using Image2Model.Site.Conversions;
using Image2Model.Site.Generators.Remote;

namespace Image2Model.Site.Generators.Fal;

/// <summary>Turns FAL's error answers into final failures with plain messages, or transient ones.</summary>
internal static class FalErrors
{
    public const string ContentPolicy = "The image was refused by the provider's content policy.";
    public const string BadKey = "FAL refused the key, so the fal-tripo generator is not configured correctly; an administrator needs to check FAL_KEY.";

    /// <summary>An unsuccessful reply to a call about <paramref name="doing"/> ("starting the job").</summary>
    public static Exception From(ApiReply reply, string doing)
    {
        var (detail, type) = Parse(reply);
        if (IsContentPolicy(type) || reply.Body.Contains("content_policy_violation", StringComparison.Ordinal))
        {
            return new GenerationFailedException(ContentPolicy);
        }

        var code = (int)reply.Status;
        var suffix = detail is null ? "." : $": {detail}";
        return reply.Status switch
        {
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => new GenerationFailedException(BadKey),
            HttpStatusCode.UnprocessableEntity or HttpStatusCode.BadRequest => new GenerationFailedException($"FAL rejected the request{suffix}"),
            HttpStatusCode.NotFound => new GenerationFailedException("FAL no longer knows this request (HTTP 404); it may have expired. Retry the conversion."),
            HttpStatusCode.GatewayTimeout when reply.Headers.TryGetValues("X-Fal-Request-Timeout-Type", out var t) && t.Contains("user") =>
                new GenerationFailedException("FAL could not find a free worker in time; try again later."),
            _ when reply.IsTransient => new RemoteUnavailableException($"FAL answered HTTP {code} while {doing}{suffix}"),
            _ => new GenerationFailedException($"FAL answered HTTP {code} while {doing}{suffix}"),
        };
    }

    /// <summary>The job ended COMPLETED with an error: final whatever the result call answered.</summary>
    public static GenerationFailedException JobFailed(FalStatus status, ApiReply? result)
    {
        var (detail, type) = result is null ? (null, null) : Parse(result);
        if (IsContentPolicy(status.ErrorType) || IsContentPolicy(type)
            || result?.Body.Contains("content_policy_violation", StringComparison.Ordinal) == true)
        {
            return new GenerationFailedException(ContentPolicy);
        }

        if (status.ErrorType == "request_cancelled")
        {
            return new GenerationFailedException("The job was cancelled at FAL.");
        }

        var reason = Text(status.Error) ?? detail ?? status.ErrorType;
        return new GenerationFailedException(reason is null
            ? "Tripo3D on FAL could not make a model from this image."
            : $"Tripo3D on FAL could not make a model from this image: {Shorten(reason)}");
    }

    private static bool IsContentPolicy(string? type) =>
        type?.Contains("content_policy", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>Reads {"detail":"…"} or {"detail":[{"loc":[…],"msg":"…","type":"…"}]}, plus error_type.</summary>
    private static (string? Detail, string? Type) Parse(ApiReply reply)
    {
        var type = reply.Headers.TryGetValues("X-Fal-Error-Type", out var header) ? header.FirstOrDefault() : null;
        try
        {
            using var doc = JsonDocument.Parse(reply.Body);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, type);
            }

            if (root.TryGetProperty("error_type", out var errorType) && errorType.ValueKind == JsonValueKind.String)
            {
                type = errorType.GetString();
            }

            string? detail = null;
            if (root.TryGetProperty("detail", out var d))
            {
                if (d.ValueKind == JsonValueKind.String)
                {
                    detail = d.GetString();
                }
                else if (d.ValueKind == JsonValueKind.Array)
                {
                    var parts = new List<string>();
                    foreach (var item in d.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.Object))
                    {
                        if (item.TryGetProperty("type", out var itemType) && itemType.ValueKind == JsonValueKind.String)
                        {
                            type ??= itemType.GetString();
                            if (IsContentPolicy(itemType.GetString()))
                            {
                                type = itemType.GetString();
                            }
                        }

                        var msg = item.TryGetProperty("msg", out var m) ? m.GetString() : null;
                        var field = item.TryGetProperty("loc", out var loc) && loc.ValueKind == JsonValueKind.Array
                            ? loc.EnumerateArray().Select(l => l.ToString()).LastOrDefault(l => l != "body")
                            : null;
                        if (msg is not null)
                        {
                            parts.Add(field is null ? msg : $"{field}: {msg}");
                        }
                    }

                    detail = parts.Count > 0 ? string.Join("; ", parts) : null;
                }
            }

            if (detail is null && root.TryGetProperty("error", out var error))
            {
                detail = Text(error);
            }

            return (detail is null ? null : Shorten(detail), type);
        }
        catch (JsonException)
        {
            return (null, type);
        }
    }

    private static string? Text(JsonElement? element) => element switch
    {
        { ValueKind: JsonValueKind.String } e => e.GetString(),
        { ValueKind: JsonValueKind.Object } e when e.TryGetProperty("message", out var m) => m.ToString(),
        { ValueKind: JsonValueKind.Object or JsonValueKind.Array } e => e.GetRawText(),
        _ => null,
    };

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
