using System.Text.Json;
using System.Text.Json.Serialization;

namespace Image2Model.Site.Generators.Fal;

// The wire format of FAL's queue API and of Tripo v2.5 on FAL (spec sections 1 and 2).

internal sealed record FalUploadInitiate(
    [property: JsonPropertyName("content_type")] string ContentType,
    [property: JsonPropertyName("file_name")] string FileName);

internal sealed record FalUploadTarget(
    [property: JsonPropertyName("upload_url")] string? UploadUrl,
    [property: JsonPropertyName("file_url")] string? FileUrl);

internal sealed record FalTripoInput
{
    [JsonPropertyName("image_url")] public required string ImageUrl { get; init; }
    [JsonPropertyName("face_limit")] public int? FaceLimit { get; init; }
    [JsonPropertyName("texture")] public required string Texture { get; init; }
    [JsonPropertyName("pbr")] public bool? Pbr { get; init; }
    [JsonPropertyName("seed")] public int? Seed { get; init; }
    [JsonPropertyName("texture_seed")] public int? TextureSeed { get; init; }
}

internal sealed record FalSubmitted(
    [property: JsonPropertyName("request_id")] string? RequestId,
    [property: JsonPropertyName("status_url")] string? StatusUrl,
    [property: JsonPropertyName("response_url")] string? ResponseUrl,
    [property: JsonPropertyName("cancel_url")] string? CancelUrl);

internal sealed record FalLog([property: JsonPropertyName("message")] string? Message);

internal sealed record FalStatus(
    [property: JsonPropertyName("status")] string? Status,
    [property: JsonPropertyName("queue_position")] int? QueuePosition,
    [property: JsonPropertyName("logs")] FalLog[]? Logs,
    [property: JsonPropertyName("error")] JsonElement? Error,
    [property: JsonPropertyName("error_type")] string? ErrorType);

internal sealed record FalFile([property: JsonPropertyName("url")] string? Url);

internal sealed record FalTripoOutput(
    [property: JsonPropertyName("model_mesh")] FalFile? ModelMesh,
    [property: JsonPropertyName("base_model")] FalFile? BaseModel,
    [property: JsonPropertyName("pbr_model")] FalFile? PbrModel,
    [property: JsonPropertyName("rendered_image")] FalFile? RenderedImage,
    [property: JsonPropertyName("task_id")] string? TaskId);

internal sealed record FalCancelReply([property: JsonPropertyName("status")] string? Status);

/// <summary>What a restarted attempt needs to poll the same request: saved the moment FAL answers the submit.</summary>
internal sealed record FalJob(
    [property: JsonPropertyName("requestId")] string RequestId,
    [property: JsonPropertyName("statusUrl")] Uri StatusUrl,
    [property: JsonPropertyName("responseUrl")] Uri ResponseUrl,
    [property: JsonPropertyName("cancelUrl")] Uri CancelUrl);
