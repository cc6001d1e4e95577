using System.Buffers.Binary;
using System.Text.Json;
using Image2Model.Site.Conversions;

namespace Image2Model.Site.Generators.Remote;

/// <summary>
/// Reads what a GLB says about itself without decoding its buffers, so any valid glTF 2.0 binary
/// is accepted, whatever compression its geometry or textures use (KHR_draco_mesh_compression,
/// EXT_meshopt_compression, KHR_mesh_quantization, KHR_texture_basisu): the accessors keep their
/// counts even when the data behind them is compressed.
/// </summary>
internal static class GlbModel
{
    public const string NotAGlb = "The provider returned a file that is not a valid GLB model.";

    private const uint Magic = 0x46546C67; // "glTF"
    private const uint JsonChunk = 0x4E4F534A; // "JSON"
    private const int HeaderLength = 20;

    /// <summary>Counts the triangles of every mesh; throws a final error when the bytes are no GLB.</summary>
    public static int CountTriangles(byte[] glb)
    {
        try
        {
            using var json = JsonDocument.Parse(Json(glb) ?? throw new FormatException("no GLB header"));
            var root = json.RootElement;
            if (!root.TryGetProperty("asset", out var asset) || asset.GetProperty("version").GetString()?.StartsWith("2.", StringComparison.Ordinal) != true)
            {
                throw new FormatException("not glTF 2.0");
            }

            var accessors = root.TryGetProperty("accessors", out var a) ? a.EnumerateArray().ToList() : [];
            long triangles = 0;
            if (root.TryGetProperty("meshes", out var meshes))
            {
                foreach (var primitive in meshes.EnumerateArray().SelectMany(m => m.GetProperty("primitives").EnumerateArray()))
                {
                    triangles += Triangles(primitive, accessors);
                }
            }

            return (int)Math.Min(triangles, int.MaxValue);
        }
        catch (Exception ex) when (ex is FormatException or JsonException or InvalidOperationException or KeyNotFoundException or ArgumentOutOfRangeException)
        {
            throw new GenerationFailedException(NotAGlb, ex);
        }
    }

    /// <summary>The names in the model's extensionsRequired, read from the start of the file only.</summary>
    public static IReadOnlySet<string> RequiredExtensions(Stream glb)
    {
        var header = new byte[HeaderLength];
        glb.ReadExactly(header);
        if (Length(header) is not { } length)
        {
            return new HashSet<string>();
        }

        var json = new byte[length];
        glb.ReadExactly(json);
        using var document = JsonDocument.Parse(json);
        return document.RootElement.TryGetProperty("extensionsRequired", out var required)
            ? required.EnumerateArray().Select(e => e.GetString() ?? "").ToHashSet()
            : new HashSet<string>();
    }

    private static long Triangles(JsonElement primitive, List<JsonElement> accessors)
    {
        // Mode 4 (triangles) is the default; strips and fans make one triangle per vertex after the second.
        var mode = primitive.TryGetProperty("mode", out var m) ? m.GetInt32() : 4;
        var source = primitive.TryGetProperty("indices", out var indices)
            ? indices.GetInt32()
            : primitive.GetProperty("attributes").GetProperty("POSITION").GetInt32();
        var count = accessors[source].GetProperty("count").GetInt64();
        return mode switch
        {
            4 => count / 3,
            5 or 6 => Math.Max(0, count - 2),
            _ => 0,
        };
    }

    private static ReadOnlyMemory<byte>? Json(byte[] glb) =>
        glb.Length >= HeaderLength && Length(glb) is { } length && HeaderLength + length <= glb.Length
            && BinaryPrimitives.ReadUInt32LittleEndian(glb.AsSpan(8)) <= glb.Length
            ? glb.AsMemory(HeaderLength, length)
            : null;

    /// <summary>The length of the JSON chunk, when the header is a GLB version 2 header.</summary>
    private static int? Length(ReadOnlySpan<byte> header) =>
        BinaryPrimitives.ReadUInt32LittleEndian(header) == Magic
        && BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) == 2
        && BinaryPrimitives.ReadUInt32LittleEndian(header[16..]) == JsonChunk
        && BinaryPrimitives.ReadUInt32LittleEndian(header[12..]) is var length and > 0 and < 64 * 1024 * 1024
            ? (int)length
            : null;
}
