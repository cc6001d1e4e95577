using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Image2Model.Tests.Fakes;

/// <summary>Small valid GLB files: <c>triangles</c> separate triangles, tagged so every job's file differs.</summary>
public static class TestGlb
{
    public static byte[] Create(int triangles, string tag)
    {
        var vertices = triangles * 3;
        var bin = new byte[vertices * 12 + vertices * 4];
        var span = bin.AsSpan();
        for (var t = 0; t < triangles; t++)
        {
            float[] corners = [t, 0, 0, t + 1, 0, 0, t, 1, 0];
            for (var c = 0; c < 9; c++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(span[(((t * 9) + c) * 4)..], corners[c]);
            }
        }

        for (var i = 0; i < vertices; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(span[((vertices * 12) + (i * 4))..], (uint)i);
        }

        var json = JsonSerializer.Serialize(new
        {
            asset = new { version = "2.0", generator = "Image2Model fake", extras = new { tag } },
            scene = 0,
            scenes = new[] { new { nodes = new[] { 0 } } },
            nodes = new[] { new { mesh = 0 } },
            meshes = new[] { new { primitives = new[] { new { attributes = new { POSITION = 0 }, indices = 1 } } } },
            buffers = new[] { new { byteLength = bin.Length } },
            bufferViews = new object[]
            {
                new { buffer = 0, byteOffset = 0, byteLength = vertices * 12, target = 34962 },
                new { buffer = 0, byteOffset = vertices * 12, byteLength = vertices * 4, target = 34963 },
            },
            accessors = new object[]
            {
                new { bufferView = 0, componentType = 5126, count = vertices, type = "VEC3", min = new[] { 0f, 0f, 0f }, max = new[] { (float)triangles, 1f, 0f } },
                new { bufferView = 1, componentType = 5125, count = vertices, type = "SCALAR" },
            },
        });
        var jsonBytes = Encoding.UTF8.GetBytes(json);
        var jsonLength = (jsonBytes.Length + 3) & ~3;
        var binLength = (bin.Length + 3) & ~3;
        var glb = new byte[12 + 8 + jsonLength + 8 + binLength];
        var g = glb.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(g, 0x46546C67);
        BinaryPrimitives.WriteUInt32LittleEndian(g[4..], 2);
        BinaryPrimitives.WriteUInt32LittleEndian(g[8..], (uint)glb.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(g[12..], (uint)jsonLength);
        BinaryPrimitives.WriteUInt32LittleEndian(g[16..], 0x4E4F534A);
        g.Slice(20, jsonLength).Fill((byte)' ');
        jsonBytes.CopyTo(g[20..]);
        var binStart = 20 + jsonLength;
        BinaryPrimitives.WriteUInt32LittleEndian(g[binStart..], (uint)binLength);
        BinaryPrimitives.WriteUInt32LittleEndian(g[(binStart + 4)..], 0x004E4942);
        bin.CopyTo(g[(binStart + 8)..]);
        return glb;
    }
}
