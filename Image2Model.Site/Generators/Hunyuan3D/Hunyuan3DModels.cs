using System.Text.Json.Serialization;

namespace Image2Model.Site.Generators.Hunyuan3D;

// The wire format of Hunyuan3D-2's api_server.py: POST /send, GET /status/{uid}.

internal sealed record Hunyuan3DSend
{
    /// <summary>The photo, base64; the server removes the background itself.</summary>
    [JsonPropertyName("image")] public required string Image { get; init; }
    [JsonPropertyName("texture")] public required bool Texture { get; init; }
    [JsonPropertyName("seed")] public int? Seed { get; init; }
    [JsonPropertyName("octree_resolution")] public required int OctreeResolution { get; init; }
    [JsonPropertyName("num_inference_steps")] public required int Steps { get; init; }
    [JsonPropertyName("guidance_scale")] public required double GuidanceScale { get; init; }

    /// <summary>The server applies it only when it textures the model.</summary>
    [JsonPropertyName("face_count")] public int? FaceCount { get; init; }

    [JsonPropertyName("type")] public string Type { get; init; } = "glb";
}

internal sealed record Hunyuan3DSent([property: JsonPropertyName("uid")] string? Uid);

/// <summary>{"text": "…", "error_code": 1}: how the server reports a failed generation.</summary>
internal sealed record Hunyuan3DError(
    [property: JsonPropertyName("text")] string? Text,
    [property: JsonPropertyName("error_code")] int? ErrorCode);

/// <summary>What a restarted attempt needs to poll the same job: saved the moment /send answers.</summary>
internal sealed record Hunyuan3DJob([property: JsonPropertyName("uid")] string Uid);

internal sealed record Hunyuan3DModel(byte[] Glb);
