using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SharpGLTF.Memory;
using SharpGLTF.Schema2;
using SkiaSharp;

namespace Image2Model.Site.Meshing;

/// <summary>
/// The simplest honest model of a photo: a thin closed box whose front carries the picture and
/// whose back carries its mirror image. Used until the cut-out engine replaces it.
/// </summary>
internal static class PhotoTile
{
    private const float DepthRatio = 0.04f;

    public static EngineResult Build(byte[] image, EngineOptions options)
    {
        using var bitmap = SKBitmap.Decode(image) ?? throw new ImageDecodeException("This file could not be read as an image.");
        var texture = EncodeTexture(bitmap, options.MaxTextureSize);

        var height = options.Height;
        var width = height * bitmap.Width / bitmap.Height;
        var (positions, normals, uvs, indices) = Box(width / 2, height / 2, height * DepthRatio / 2);

        var model = ModelRoot.CreateModel();
        var material = model.CreateMaterial("photo");
        material.InitializePBRMetallicRoughness();
        material.FindChannel("BaseColor")!.Value.SetTexture(0, model.UseImage(texture));
        material.FindChannel("MetallicRoughness")!.Value.SetFactor("MetallicFactor", 0f);
        material.FindChannel("MetallicRoughness")!.Value.SetFactor("RoughnessFactor", 0.8f);

        var primitive = model.CreateMesh("tile").CreatePrimitive();
        primitive.SetVertexAccessor("POSITION", CreateAccessor(model, positions));
        primitive.SetVertexAccessor("NORMAL", CreateAccessor(model, normals));
        primitive.SetVertexAccessor("TEXCOORD_0", CreateAccessor(model, uvs));
        var indexAccessor = model.CreateAccessor();
        indexAccessor.SetIndexData(model.UseBufferView(MemoryMarshal.AsBytes(indices.AsSpan()).ToArray()), 0, indices.Length, IndexEncodingType.UNSIGNED_INT);
        primitive.SetIndexAccessor(indexAccessor);
        primitive.Material = material;
        model.UseScene("scene").CreateNode("tile").Mesh = primitive.LogicalParent;

        return new EngineResult(model.WriteGLB().ToArray(), indices.Length / 3, "photo tile");
    }

    private static Accessor CreateAccessor<T>(ModelRoot model, T[] data)
        where T : unmanaged
    {
        var size = Unsafe.SizeOf<T>();
        var accessor = model.CreateAccessor();
        var view = model.UseBufferView(MemoryMarshal.AsBytes(data.AsSpan()).ToArray(), size, BufferMode.ARRAY_BUFFER);
        accessor.SetVertexData(view, 0, data.Length, new AttributeFormat(size == 12 ? DimensionType.VEC3 : DimensionType.VEC2));
        accessor.UpdateBounds();
        return accessor;
    }

    private static SharpGLTF.Memory.MemoryImage EncodeTexture(SKBitmap bitmap, int maxSide)
    {
        var scale = Math.Min(1f, (float)maxSide / Math.Max(bitmap.Width, bitmap.Height));
        using var resized = scale < 1f
            ? bitmap.Resize(new SKImageInfo((int)(bitmap.Width * scale), (int)(bitmap.Height * scale)), new SKSamplingOptions(SKCubicResampler.Mitchell))
            : null;
        using var data = (resized ?? bitmap).Encode(SKEncodedImageFormat.Jpeg, 90);
        return new SharpGLTF.Memory.MemoryImage(data.ToArray());
    }

    /// <summary>
    /// Six faces with their own vertices (so each has its own normal and UVs). Front shows the
    /// photo, back its mirror, the sides stretch the photo's edge pixels.
    /// </summary>
    private static (Vector3[] Positions, Vector3[] Normals, Vector2[] Uvs, int[] Indices) Box(float hx, float hy, float hz)
    {
        var positions = new List<Vector3>();
        var normals = new List<Vector3>();
        var uvs = new List<Vector2>();
        var indices = new List<int>();

        void Face(Vector3 normal, Vector3[] corners, Vector2[] cornerUvs)
        {
            var start = positions.Count;
            positions.AddRange(corners);
            normals.AddRange(Enumerable.Repeat(normal, 4));
            uvs.AddRange(cornerUvs);
            indices.AddRange([start, start + 1, start + 2, start, start + 2, start + 3]);
        }

        // Corners in counter-clockwise order seen from outside; UV (0,0) is the image's top-left.
        Vector3 P(float x, float y, float z) => new(x * hx, y * hy, z * hz);
        Face(Vector3.UnitZ, [P(-1, -1, 1), P(1, -1, 1), P(1, 1, 1), P(-1, 1, 1)], [new(0, 1), new(1, 1), new(1, 0), new(0, 0)]);
        Face(-Vector3.UnitZ, [P(1, -1, -1), P(-1, -1, -1), P(-1, 1, -1), P(1, 1, -1)], [new(1, 1), new(0, 1), new(0, 0), new(1, 0)]);
        Face(Vector3.UnitX, [P(1, -1, 1), P(1, -1, -1), P(1, 1, -1), P(1, 1, 1)], [new(1, 1), new(1, 1), new(1, 0), new(1, 0)]);
        Face(-Vector3.UnitX, [P(-1, -1, -1), P(-1, -1, 1), P(-1, 1, 1), P(-1, 1, -1)], [new(0, 1), new(0, 1), new(0, 0), new(0, 0)]);
        Face(Vector3.UnitY, [P(-1, 1, 1), P(1, 1, 1), P(1, 1, -1), P(-1, 1, -1)], [new(0, 0), new(1, 0), new(1, 0), new(0, 0)]);
        Face(-Vector3.UnitY, [P(-1, -1, -1), P(1, -1, -1), P(1, -1, 1), P(-1, -1, 1)], [new(0, 1), new(1, 1), new(1, 1), new(0, 1)]);

        return (positions.ToArray(), normals.ToArray(), uvs.ToArray(), indices.ToArray());
    }
}
