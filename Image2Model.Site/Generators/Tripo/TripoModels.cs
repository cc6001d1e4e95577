using System.Text.Json;
using System.Text.Json.Serialization;

namespace Image2Model.Site.Generators.Tripo;

// The wire format of Tripo's own API (spec section 3).

/// <summary>Every reply: {"code":0,"data":{…}} or {"code":N,"message":"…","suggestion":"…"}.</summary>
internal sealed record TripoEnvelope<T>(
    [property: JsonPropertyName("code")] int Code,
    [property: JsonPropertyName("data")] T? Data,
    [property: JsonPropertyName("message")] string? Message,
    [property: JsonPropertyName("suggestion")] string? Suggestion);

internal sealed record TripoUploaded([property: JsonPropertyName("image_token")] string? ImageToken);

internal sealed record TripoFile(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("file_token")] string FileToken);

internal sealed record TripoTaskInput
{
    [JsonPropertyName("type")] public string Type { get; init; } = "image_to_model";
    [JsonPropertyName("model_version")] public required string ModelVersion { get; init; }
    [JsonPropertyName("file")] public required TripoFile File { get; init; }
    [JsonPropertyName("texture")] public required bool Texture { get; init; }
    [JsonPropertyName("pbr")] public required bool Pbr { get; init; }
    [JsonPropertyName("texture_quality")] public string? TextureQuality { get; init; }
    [JsonPropertyName("face_limit")] public int? FaceLimit { get; init; }
    [JsonPropertyName("model_seed")] public int? ModelSeed { get; init; }
    [JsonPropertyName("texture_seed")] public int? TextureSeed { get; init; }
    [JsonPropertyName("texture_alignment")] public string TextureAlignment { get; init; } = "original_image";
}

internal sealed record TripoCreated([property: JsonPropertyName("task_id")] string? TaskId);

internal sealed record TripoOutput(
    [property: JsonPropertyName("model")] string? Model,
    [property: JsonPropertyName("base_model")] string? BaseModel,
    [property: JsonPropertyName("pbr_model")] string? PbrModel,
    [property: JsonPropertyName("rendered_image")] string? RenderedImage);

internal sealed record TripoTask(
    [property: JsonPropertyName("task_id")] string? TaskId,
    [property: JsonPropertyName("status")] string? Status,
    [property: JsonPropertyName("progress")] int? Progress,
    [property: JsonPropertyName("running_left_time")] JsonElement? RunningLeftTime,
    [property: JsonPropertyName("output")] TripoOutput? Output);

/// <summary>What a restarted attempt needs to poll the same task: saved the moment Tripo answers the create.</summary>
internal sealed record TripoJob([property: JsonPropertyName("taskId")] string TaskId);

/// <summary>What the submit needs from the upload.</summary>
internal sealed record TripoUpload(string Token, string Extension);
