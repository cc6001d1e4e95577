using System.Numerics;
using System.Runtime.InteropServices;
using SharpGLTF.Memory;
using SharpGLTF.Schema2;
using System.Runtime.CompilerServices;

namespace Image2Model.Site.Meshing;

/// <summary>
/// Writes the mesh as a binary glTF: Y up, centred on the origin, scaled to the requested height,
/// with normals, texture coordinates (the front's vertices into the photo's region of the texture,
/// the back's into the back's region), accessor bounds and a PBR metallic-roughness material
/// carrying the embedded JPEG.
/// </summary>
internal static class GlbWriter
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static byte[] Write(TriangleMesh mesh, BakedTexture texture, float height)
    {
        var count = mesh.Positions.Count;
        var source = CollectionsMarshal.AsSpan(mesh.Positions);
        Vector3 min = new(float.MaxValue), max = new(float.MinValue);
        foreach (var p in source)
        {
            min = Vector3.Min(min, p);
            max = Vector3.Max(max, p);
        }
        var centre = (min + max) * 0.5f;
        var scale = height / MathF.Max(1e-6f, max.Y - min.Y);

        // Image rows run down and the camera looks down -Z; flip Y so the model stands upright.
        var positions = new Vector3[count];
        var uvs = new Vector2[count];
        for (var i = 0; i < count; i++)
        {
            var p = source[i];
            positions[i] = new Vector3((p.X - centre.X) * scale, -(p.Y - centre.Y) * scale, (p.Z - centre.Z) * scale);
            uvs[i] = (mesh.OnBack[i] ? texture.Back : texture.Front).Map(p.X, p.Y);
        }
        var indices = CollectionsMarshal.AsSpan(mesh.Indices);
        var normals = VertexNormals(positions, indices);
        foreach (var (a, b) in mesh.SharedNormals)
        {
            var sum = normals[a] + normals[b];
            if (sum.LengthSquared() < 1e-12f) continue;
            normals[a] = normals[b] = Vector3.Normalize(sum);
        }

        var model = ModelRoot.CreateModel();
        var image = model.UseImage(new MemoryImage(texture.Jpeg));
        var sampler = model.UseTextureSampler(TextureWrapMode.CLAMP_TO_EDGE, TextureWrapMode.CLAMP_TO_EDGE,
            TextureMipMapFilter.LINEAR_MIPMAP_LINEAR, TextureInterpolationFilter.LINEAR);
        var material = model.CreateMaterial("photo");
        material.InitializePBRMetallicRoughness();
        var baseColor = material.FindChannel("BaseColor")!.Value;
        baseColor.SetTexture(0, model.UseTexture(image, sampler));
        var metallicRoughness = material.FindChannel("MetallicRoughness")!.Value;
        metallicRoughness.SetFactor("MetallicFactor", 0f);
        metallicRoughness.SetFactor("RoughnessFactor", 0.8f);

        var primitive = model.CreateMesh("model").CreatePrimitive();
        primitive.Material = material;
        primitive.SetVertexAccessor("POSITION", Vertices(model, MemoryMarshal.AsBytes(positions.AsSpan()).ToArray(), count, DimensionType.VEC3));
        primitive.SetVertexAccessor("NORMAL", Vertices(model, MemoryMarshal.AsBytes(normals.AsSpan()).ToArray(), count, DimensionType.VEC3));
        primitive.SetVertexAccessor("TEXCOORD_0", Vertices(model, MemoryMarshal.AsBytes(uvs.AsSpan()).ToArray(), count, DimensionType.VEC2));
        primitive.SetIndexAccessor(Indices(model, indices, count));
        model.UseScene("scene").CreateNode("model").Mesh = primitive.LogicalParent;

        var settings = new WriteSettings { Validation = SharpGLTF.Validation.ValidationMode.Skip };
        return model.WriteGLB(settings).ToArray();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Accessor Vertices(ModelRoot model, byte[] bytes, int count, DimensionType dimension)
    {
        var view = model.UseBufferView(bytes, 0, bytes.Length, 0, BufferMode.ARRAY_BUFFER);
        var accessor = model.CreateAccessor();
        accessor.SetVertexData(view, 0, count, new AttributeFormat(dimension, EncodingType.FLOAT, false));
        return accessor;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Accessor Indices(ModelRoot model, ReadOnlySpan<int> indices, int vertexCount)
    {
        byte[] bytes;
        IndexEncodingType encoding;
        if (vertexCount <= ushort.MaxValue)
        {
            var shorts = new ushort[indices.Length];
            for (var i = 0; i < indices.Length; i++) shorts[i] = (ushort)indices[i];
            bytes = MemoryMarshal.AsBytes(shorts.AsSpan()).ToArray();
            encoding = IndexEncodingType.UNSIGNED_SHORT;
        }
        else
        {
            bytes = MemoryMarshal.AsBytes(indices).ToArray();
            encoding = IndexEncodingType.UNSIGNED_INT;
        }
        // glTF wants buffer views 4-byte aligned; an odd count of shorts leaves two spare bytes.
        if (bytes.Length % 4 != 0) Array.Resize(ref bytes, bytes.Length + 2);
        var view = model.UseBufferView(bytes, 0, indices.Length * (encoding == IndexEncodingType.UNSIGNED_SHORT ? 2 : 4), 0, BufferMode.ELEMENT_ARRAY_BUFFER);
        var accessor = model.CreateAccessor();
        accessor.SetIndexData(view, 0, indices.Length, encoding);
        return accessor;
    }

    /// <summary>Area-weighted averages of the face normals around each vertex.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Vector3[] VertexNormals(Vector3[] positions, ReadOnlySpan<int> indices)
    {
        var normals = new Vector3[positions.Length];
        for (var t = 0; t < indices.Length; t += 3)
        {
            int a = indices[t], b = indices[t + 1], c = indices[t + 2];
            var n = Vector3.Cross(positions[b] - positions[a], positions[c] - positions[a]);
            normals[a] += n;
            normals[b] += n;
            normals[c] += n;
        }
        for (var i = 0; i < normals.Length; i++)
        {
            var length = normals[i].Length();
            normals[i] = length > 1e-20f && float.IsFinite(length) ? normals[i] / length : Vector3.UnitZ;
        }
        return normals;
    }
}
