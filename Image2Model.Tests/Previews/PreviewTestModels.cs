using System.Numerics;
using System.Runtime.InteropServices;
using SharpGLTF.Memory;
using SharpGLTF.Schema2;

namespace Image2Model.Tests.Previews;

/// <summary>Tiny GLBs built for one rendering question each.</summary>
public static class PreviewTestModels
{
    /// <summary>Two squares facing the camera's side (+Z), one behind the other, each with its own vertex colour.</summary>
    public static byte[] TwoSquares(Vector4 nearColor, Vector4 farColor, bool farDrawnLast, string? requiredExtension = null)
    {
        var near = Square(z: 0.5f, nearColor);
        var far = Square(z: -0.5f, farColor);
        var (first, second) = farDrawnLast ? (near, far) : (far, near);
        var positions = first.Positions.Concat(second.Positions).ToArray();
        var colors = first.Colors.Concat(second.Colors).ToArray();
        int[] indices = [0, 1, 2, 0, 2, 3, 4, 5, 6, 4, 6, 7];

        var model = ModelRoot.CreateModel();
        var primitive = model.CreateMesh("squares").CreatePrimitive();
        primitive.SetVertexAccessor("POSITION", Accessor(model, MemoryMarshal.AsBytes(positions.AsSpan()).ToArray(), positions.Length, DimensionType.VEC3));
        primitive.SetVertexAccessor("COLOR_0", Accessor(model, MemoryMarshal.AsBytes(colors.AsSpan()).ToArray(), colors.Length, DimensionType.VEC4));
        var indexBytes = MemoryMarshal.AsBytes(indices.AsSpan()).ToArray();
        var indexAccessor = model.CreateAccessor();
        indexAccessor.SetIndexData(model.UseBufferView(indexBytes, 0, indexBytes.Length, 0, BufferMode.ELEMENT_ARRAY_BUFFER), 0, indices.Length, IndexEncodingType.UNSIGNED_INT);
        primitive.SetIndexAccessor(indexAccessor);
        model.UseScene("scene").CreateNode("squares").Mesh = primitive.LogicalParent;
        var glb = model.WriteGLB(new WriteSettings { Validation = SharpGLTF.Validation.ValidationMode.Skip }).ToArray();
        return requiredExtension is null ? glb : RequireExtension(glb, requiredExtension);
    }

    /// <summary>
    /// The near square of <see cref="TwoSquares"/> stored the way other tools often write models:
    /// positions interleaved with padding in a strided view, colours as normalized bytes
    /// (KHR_mesh_quantization style), indices as 16-bit.
    /// </summary>
    public static byte[] PackedSquare(Vector4 color)
    {
        var (positions, _) = Square(z: 0.5f, color);
        const int Stride = 16; // x, y, z and four bytes of something else
        var positionBytes = new byte[positions.Length * Stride];
        for (var i = 0; i < positions.Length; i++)
        {
            MemoryMarshal.Write(positionBytes.AsSpan(i * Stride), positions[i]);
            positionBytes.AsSpan((i * Stride) + 12, 4).Fill(0xEE);
        }

        var colorBytes = positions.SelectMany(_ => new[] { color.X, color.Y, color.Z, color.W }.Select(v => (byte)MathF.Round(v * 255))).ToArray();
        var indexBytes = MemoryMarshal.AsBytes(new ushort[] { 0, 1, 2, 0, 2, 3 }.AsSpan()).ToArray();

        var model = ModelRoot.CreateModel();
        var primitive = model.CreateMesh("square").CreatePrimitive();
        var positionAccessor = model.CreateAccessor();
        positionAccessor.SetVertexData(model.UseBufferView(positionBytes, 0, positionBytes.Length, Stride, BufferMode.ARRAY_BUFFER), 0, positions.Length,
            new AttributeFormat(DimensionType.VEC3, EncodingType.FLOAT, false));
        primitive.SetVertexAccessor("POSITION", positionAccessor);
        var colorAccessor = model.CreateAccessor();
        colorAccessor.SetVertexData(model.UseBufferView(colorBytes, 0, colorBytes.Length, 0, BufferMode.ARRAY_BUFFER), 0, positions.Length,
            new AttributeFormat(DimensionType.VEC4, EncodingType.UNSIGNED_BYTE, true));
        primitive.SetVertexAccessor("COLOR_0", colorAccessor);
        var indexAccessor = model.CreateAccessor();
        indexAccessor.SetIndexData(model.UseBufferView(indexBytes, 0, indexBytes.Length, 0, BufferMode.ELEMENT_ARRAY_BUFFER), 0, 6, IndexEncodingType.UNSIGNED_SHORT);
        primitive.SetIndexAccessor(indexAccessor);
        model.UseScene("scene").CreateNode("square").Mesh = primitive.LogicalParent;
        return model.WriteGLB(new WriteSettings { Validation = SharpGLTF.Validation.ValidationMode.Skip }).ToArray();
    }

    private static (Vector3[] Positions, Vector4[] Colors) Square(float z, Vector4 color) =>
        ([new(-1, -1, z), new(1, -1, z), new(1, 1, z), new(-1, 1, z)], [color, color, color, color]);

    private static SharpGLTF.Schema2.Accessor Accessor(ModelRoot model, byte[] bytes, int count, DimensionType dimension)
    {
        var accessor = model.CreateAccessor();
        accessor.SetVertexData(model.UseBufferView(bytes, 0, bytes.Length, 0, BufferMode.ARRAY_BUFFER), 0, count, new AttributeFormat(dimension, EncodingType.FLOAT, false));
        return accessor;
    }

    /// <summary>The same file claiming it needs an extension (as a Draco-compressed GLB does).</summary>
    private static byte[] RequireExtension(byte[] glb, string extension)
    {
        var jsonLength = BitConverter.ToInt32(glb, 12);
        var json = System.Text.Encoding.UTF8.GetString(glb, 20, jsonLength).TrimEnd(' ', '\0');
        var node = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
        node["extensionsUsed"] = new System.Text.Json.Nodes.JsonArray(extension);
        node["extensionsRequired"] = new System.Text.Json.Nodes.JsonArray(extension);
        var newJson = System.Text.Encoding.UTF8.GetBytes(node.ToJsonString());
        var padded = (newJson.Length + 3) & ~3;
        var bin = glb.AsSpan(20 + jsonLength);
        var output = new byte[20 + padded + bin.Length];
        glb.AsSpan(0, 12).CopyTo(output);
        BitConverter.GetBytes(output.Length).CopyTo(output, 8);
        BitConverter.GetBytes(padded).CopyTo(output, 12);
        glb.AsSpan(16, 4).CopyTo(output.AsSpan(16));
        output.AsSpan(20, padded).Fill((byte)' ');
        newJson.CopyTo(output, 20);
        bin.CopyTo(output.AsSpan(20 + padded));
        return output;
    }
}
