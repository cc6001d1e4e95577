using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;

namespace Image2Model.Site.Previews.Compressed;

/// <summary>
/// Turns a GLB whose geometry uses a compression extension into a plain one SharpGLTF reads:
/// each compressed bufferView (meshopt) or primitive (Draco) is decoded and its plain bytes
/// appended to the binary chunk, and the extension is dropped from the JSON. Only the preview
/// reads the result; the stored file stays as the provider sent it.
/// </summary>
internal static class CompressedGlb
{
    private const uint Magic = 0x46546C67; // "glTF"
    private const uint JsonChunk = 0x4E4F534A;
    private const uint BinChunk = 0x004E4942;

    private static readonly string[] MeshoptNames = ["EXT_meshopt_compression", "KHR_meshopt_compression"];
    public const string DracoName = "KHR_draco_mesh_compression";

    /// <summary>The GLB itself when it needs no decoding; otherwise a decoded copy. Throws <see cref="InvalidDataException"/> on bad data.</summary>
    public static byte[] Decompress(byte[] glb, DracoDecoder? draco = null)
    {
        if (glb.Length < 20 || BinaryPrimitives.ReadUInt32LittleEndian(glb) != Magic)
        {
            return glb;
        }

        var jsonLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(glb.AsSpan(12));
        if (BinaryPrimitives.ReadUInt32LittleEndian(glb.AsSpan(16)) != JsonChunk || jsonLength < 0 || 20L + jsonLength > glb.Length)
        {
            return glb;
        }

        var jsonBytes = glb.AsSpan(20, jsonLength);
        var usesMeshopt = jsonBytes.IndexOf("_meshopt_compression"u8) >= 0;
        var usesDraco = jsonBytes.IndexOf("KHR_draco_mesh_compression"u8) >= 0;
        if (!usesMeshopt && !usesDraco)
        {
            return glb;
        }

        var json = JsonNode.Parse(jsonBytes) as JsonObject ?? throw new InvalidDataException("The model's JSON is not an object.");
        var binStart = 20 + ((jsonLength + 3) & ~3);
        ReadOnlySpan<byte> bin = [];
        if (binStart + 8 <= glb.Length && BinaryPrimitives.ReadUInt32LittleEndian(glb.AsSpan(binStart + 4)) == BinChunk)
        {
            var binLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(glb.AsSpan(binStart));
            if (binLength < 0 || binStart + 8L + binLength > glb.Length)
            {
                throw new InvalidDataException("The model's binary chunk is cut short.");
            }

            bin = glb.AsSpan(binStart + 8, binLength);
        }

        var output = new MemoryStream();
        output.Write(bin);
        var views = json["bufferViews"] as JsonArray ?? [];
        if (usesMeshopt)
        {
            foreach (var view in views.OfType<JsonObject>())
            {
                var extensions = view["extensions"] as JsonObject;
                var name = MeshoptNames.FirstOrDefault(n => extensions?[n] is JsonObject);
                if (name is null)
                {
                    continue;
                }

                var ext = (JsonObject)extensions![name]!;
                var source = Slice(bin, Int(ext, "buffer"), Int(ext, "byteOffset", 0), Int(ext, "byteLength"));
                var count = Int(ext, "count");
                var stride = Int(ext, "byteStride");
                var decoded = MeshoptDecoder.Decode(source, count, stride, (string?)ext["mode"] ?? "", (string?)ext["filter"]);
                view["buffer"] = 0;
                view["byteOffset"] = Append(output, decoded);
                view["byteLength"] = decoded.Length;
                extensions.Remove(name);
            }
        }

        // Without a decoder, a file that merely offers Draco beside plain data is still read plainly.
        var dracoRequired = json["extensionsRequired"] is JsonArray required && required.Any(n => (string?)n == DracoName);
        var decodeDraco = usesDraco && (draco is not null || dracoRequired);
        if (decodeDraco)
        {
            DecodeDraco(json, bin, output, draco ?? throw new InvalidDataException("Draco decoding is not available here."));
        }

        // Views now all point at the binary chunk; meshopt's fallback buffers (no data in a GLB) go.
        var buffers = json["buffers"] as JsonArray ?? [];
        while (buffers.Count > 1)
        {
            buffers.RemoveAt(buffers.Count - 1);
        }

        foreach (var view in views.OfType<JsonObject>())
        {
            if (Int(view, "buffer", 0) != 0)
            {
                throw new InvalidDataException("A bufferView refers to a buffer other than the GLB's own.");
            }
        }

        var binary = output.ToArray();
        if (buffers.Count == 0)
        {
            buffers.Add(new JsonObject());
        }

        buffers[0]!["byteLength"] = binary.Length;
        json["buffers"] = buffers;
        foreach (var list in new[] { "extensionsUsed", "extensionsRequired" })
        {
            if (json[list] is JsonArray names)
            {
                foreach (var done in names.Where(n => (string?)n is { } s && (MeshoptNames.Contains(s) || (decodeDraco && s == DracoName))).ToList())
                {
                    names.Remove(done);
                }

                // glTF forbids empty lists here, and SharpGLTF refuses them.
                if (names.Count == 0)
                {
                    json.Remove(list);
                }
            }
        }

        return Write(json, binary);
    }

    private static void DecodeDraco(JsonObject json, ReadOnlySpan<byte> bin, MemoryStream output, DracoDecoder decoder)
    {
        var accessors = json["accessors"] as JsonArray ?? [];
        var views = json["bufferViews"] as JsonArray ?? [];
        foreach (var primitive in (json["meshes"] as JsonArray ?? []).OfType<JsonObject>()
                     .SelectMany(m => (m["primitives"] as JsonArray ?? []).OfType<JsonObject>()).ToList())
        {
            if (primitive["extensions"] is not JsonObject extensions || extensions[DracoName] is not JsonObject ext)
            {
                continue;
            }

            var view = Item(views, Int(ext, "bufferView"));
            var data = Slice(bin, Int(view, "buffer", 0), Int(view, "byteOffset", 0), Int(view, "byteLength"));
            var attributes = primitive["attributes"] as JsonObject ?? [];
            var wanted = (ext["attributes"] as JsonObject ?? []).Select(a =>
            {
                var accessor = Item(accessors, Int(attributes, a.Key));
                return (Accessor: accessor, Id: Int(ext["attributes"]!.AsObject(), a.Key), ComponentType: Int(accessor, "componentType"), Components: Components((string?)accessor["type"]));
            }).ToList();
            var mesh = decoder.Decode(data, [.. wanted.Select(w => (w.Id, w.ComponentType, w.Components))]);

            foreach (var w in wanted)
            {
                PointAt(w.Accessor, views, output, mesh.Attributes[w.Id], w.ComponentType, mesh.PointCount, keepNormalized: true);
            }

            if (primitive["indices"] is not null)
            {
                PointAt(Item(accessors, Int(primitive, "indices")), views, output, mesh.Indices, 5125, mesh.Indices.Length / 4, keepNormalized: false);
            }

            extensions.Remove(DracoName);
        }
    }

    private static JsonObject Item(JsonArray array, int index) =>
        index >= 0 && index < array.Count && array[index] is JsonObject item ? item : throw new InvalidDataException($"Item {index} is missing.");

    private static int Components(string? type) => type switch
    {
        "SCALAR" => 1,
        "VEC2" => 2,
        "VEC3" => 3,
        "VEC4" => 4,
        _ => throw new InvalidDataException($"A Draco attribute of type {type} cannot be read."),
    };

    /// <summary>Points the accessor at a new, tightly packed view of <paramref name="bytes"/>.</summary>
    private static void PointAt(JsonObject accessor, JsonArray views, MemoryStream output, byte[] bytes, int componentType, int count, bool keepNormalized)
    {
        var offset = Append(output, bytes);
        views.Add(new JsonObject { ["buffer"] = 0, ["byteOffset"] = offset, ["byteLength"] = bytes.Length });
        accessor["bufferView"] = views.Count - 1;
        accessor["byteOffset"] = 0;
        accessor["componentType"] = componentType;
        if (!keepNormalized)
        {
            accessor.Remove("normalized");
        }

        accessor["count"] = count;
        accessor.Remove("sparse");
    }

    private static ReadOnlySpan<byte> Slice(ReadOnlySpan<byte> bin, int buffer, int offset, int length)
    {
        if (buffer != 0 || offset < 0 || length < 0 || (long)offset + length > bin.Length)
        {
            throw new InvalidDataException("Compressed data lies outside the model's binary chunk.");
        }

        return bin.Slice(offset, length);
    }

    private static int Append(MemoryStream output, byte[] bytes)
    {
        while (output.Length % 4 != 0)
        {
            output.WriteByte(0);
        }

        var offset = (int)output.Length;
        output.Write(bytes);
        return offset;
    }

    private static int Int(JsonObject o, string key, int? fallback = null)
    {
        try
        {
            return o[key] is { } value ? (int)value : fallback ?? throw new InvalidDataException($"'{key}' is missing.");
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            throw new InvalidDataException($"'{key}' is not a number.");
        }
    }

    private static byte[] Write(JsonObject json, byte[] binary)
    {
        var jsonBytes = Encoding.UTF8.GetBytes(json.ToJsonString());
        var jsonPadded = (jsonBytes.Length + 3) & ~3;
        var binPadded = (binary.Length + 3) & ~3;
        var glb = new byte[12 + 8 + jsonPadded + 8 + binPadded];
        BinaryPrimitives.WriteUInt32LittleEndian(glb, Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(glb.AsSpan(4), 2);
        BinaryPrimitives.WriteUInt32LittleEndian(glb.AsSpan(8), (uint)glb.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(glb.AsSpan(12), (uint)jsonPadded);
        BinaryPrimitives.WriteUInt32LittleEndian(glb.AsSpan(16), JsonChunk);
        jsonBytes.CopyTo(glb, 20);
        glb.AsSpan(20 + jsonBytes.Length, jsonPadded - jsonBytes.Length).Fill((byte)' ');
        var binStart = 20 + jsonPadded;
        BinaryPrimitives.WriteUInt32LittleEndian(glb.AsSpan(binStart), (uint)binPadded);
        BinaryPrimitives.WriteUInt32LittleEndian(glb.AsSpan(binStart + 4), BinChunk);
        binary.CopyTo(glb, binStart + 8);
        return glb;
    }
}
