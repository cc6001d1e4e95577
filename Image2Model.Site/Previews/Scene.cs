using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SharpGLTF.Schema2;
using SkiaSharp;

namespace Image2Model.Site.Previews;

/// <summary>The triangles of a glTF scene, flattened into world space.</summary>
internal static class Scene
{
    /// <summary>
    /// The meshes, and the base-colour images still to decode (<see cref="DecodeTextures"/>) so
    /// that decoding can run beside other work.
    /// </summary>
    public static (List<SceneMesh> Meshes, List<PendingTexture> Textures) Read(ModelRoot model)
    {
        var meshes = new List<SceneMesh>();
        var textures = new Dictionary<int, PendingTexture>();
        foreach (var node in model.LogicalNodes.Where(n => n.Mesh is not null))
        {
            var world = node.WorldMatrix;
            var normalMatrix = Matrix4x4.Invert(world, out var inverse) ? Matrix4x4.Transpose(inverse) : world;
            foreach (var primitive in node.Mesh.Primitives)
            {
                if (primitive.DrawPrimitiveType is not (PrimitiveType.TRIANGLES or PrimitiveType.TRIANGLE_STRIP or PrimitiveType.TRIANGLE_FAN)
                    || primitive.GetVertexAccessor("POSITION") is not { } positionAccessor)
                {
                    continue;
                }

                var positions = Vec3(positionAccessor);
                if (!world.IsIdentity)
                {
                    for (var i = 0; i < positions.Length; i++)
                    {
                        positions[i] = Vector3.Transform(positions[i], world);
                    }
                }

                Vector3[]? normals = null;
                if (primitive.GetVertexAccessor("NORMAL") is { } normalAccessor && normalAccessor.Count == positions.Length)
                {
                    normals = Vec3(normalAccessor);
                    for (var i = 0; i < normals.Length; i++)
                    {
                        var n = Vector3.TransformNormal(normals[i], normalMatrix);
                        var length = n.Length();
                        normals[i] = length > 0 ? n / length : Vector3.Zero;
                    }
                }

                var material = primitive.Material;
                var baseColor = material?.FindChannel("BaseColor") ?? material?.FindChannel("Diffuse");
                Vector2[]? uvs = null;
                PendingTexture? pending = null;
                if (baseColor?.Texture is { } gltfTexture
                    && gltfTexture.PrimaryImage?.Content is { IsValid: true } image
                    && primitive.GetVertexAccessor($"TEXCOORD_{baseColor.Value.TextureCoordinate}") is { } uvAccessor
                    && uvAccessor.Count == positions.Length)
                {
                    if (!textures.TryGetValue(gltfTexture.LogicalIndex, out pending))
                    {
                        pending = new PendingTexture(image.Content);
                        textures[gltfTexture.LogicalIndex] = pending;
                    }

                    uvs = Vec2(uvAccessor);
                }

                Vector4[]? colors = null;
                if (primitive.GetVertexAccessor("COLOR_0") is { } colorAccessor && colorAccessor.Count == positions.Length)
                {
                    colors = new Vector4[colorAccessor.Count];
                    colorAccessor.AsColorArray().CopyTo(colors, 0);
                }

                var indices = TriangleIndices(primitive);
                // Validation is skipped for speed, so a bad index must not reach the rasterizer's arrays.
                if (!AllBelow(indices, positions.Length))
                {
                    throw new InvalidDataException("The model's triangles refer to vertices it does not have.");
                }

                var mesh = new SceneMesh
                {
                    Positions = positions,
                    Normals = normals,
                    Uvs = uvs,
                    Colors = colors,
                    Indices = indices,
                    Factor = baseColor?.Color ?? Vector4.One,
                    AlphaCutoff = material?.Alpha == AlphaMode.MASK ? material.AlphaCutoff : 0,
                    DoubleSided = material?.DoubleSided ?? false,
                };
                pending?.Users.Add(mesh);
                meshes.Add(mesh);
            }
        }

        return (meshes, [.. textures.Values]);
    }

    /// <summary>Decodes each image once and hands it to the meshes that use it; an image that cannot be decoded leaves them untextured.</summary>
    public static void DecodeTextures(List<PendingTexture> textures)
    {
        foreach (var pending in textures)
        {
            var texture = SceneTexture.Decode(pending.Encoded.Span);
            foreach (var mesh in pending.Users)
            {
                mesh.Texture = texture;
            }
        }
    }

    // SharpGLTF's accessor views decode every element through a general path (any encoding, any
    // stride, sparse); a plain float or index array is read in one copy instead. Anything else
    // (quantized KHR_mesh_quantization data, interleaved or sparse accessors) takes the general path.
    private static Vector3[] Vec3(Accessor accessor) => Read(accessor, 3, a => a.AsVector3Array());

    private static Vector2[] Vec2(Accessor accessor) => Read(accessor, 2, a => a.AsVector2Array());

    private static T[] Read<T>(Accessor accessor, int components, Func<Accessor, IList<T>> general)
        where T : unmanaged
    {
        var result = new T[accessor.Count];
        if (PlainFloats(accessor, components) is { } floats)
        {
            floats.AsSpan().CopyTo(MemoryMarshal.AsBytes(result.AsSpan()));
        }
        else
        {
            general(accessor).CopyTo(result, 0);
        }

        return result;
    }

    private static ArraySegment<byte>? PlainFloats(Accessor accessor, int components)
    {
        if (accessor.IsSparse || accessor.Encoding != EncodingType.FLOAT || accessor.Normalized
            || accessor.SourceBufferView is not { } view || (view.ByteStride != 0 && view.ByteStride != components * 4))
        {
            return null;
        }

        var length = (long)accessor.Count * components * 4;
        if (accessor.ByteOffset < 0 || accessor.ByteOffset + length > view.Content.Count)
        {
            return null;
        }

        return view.Content.Slice(accessor.ByteOffset, (int)length);
    }

    private static bool AllBelow(int[] indices, int count)
    {
        foreach (var i in indices)
        {
            if ((uint)i >= (uint)count)
            {
                return false;
            }
        }

        return true;
    }

    private static int[] TriangleIndices(MeshPrimitive primitive)
    {
        if (primitive.DrawPrimitiveType == PrimitiveType.TRIANGLES && primitive.IndexAccessor is { IsSparse: false } accessor
            && accessor.SourceBufferView is { ByteStride: 0 } view)
        {
            var count = accessor.Count - (accessor.Count % 3);
            var width = accessor.Encoding switch
            {
                EncodingType.UNSIGNED_INT => 4,
                EncodingType.UNSIGNED_SHORT => 2,
                EncodingType.UNSIGNED_BYTE => 1,
                _ => 0,
            };
            if (width > 0 && accessor.ByteOffset >= 0 && accessor.ByteOffset + ((long)count * width) <= view.Content.Count)
            {
                var bytes = view.Content.AsSpan(accessor.ByteOffset, count * width);
                var indices = new int[count];
                switch (width)
                {
                    case 4:
                        MemoryMarshal.Cast<byte, int>(bytes).CopyTo(indices);
                        break;
                    case 2:
                        var shorts = MemoryMarshal.Cast<byte, ushort>(bytes);
                        for (var i = 0; i < count; i++)
                        {
                            indices[i] = shorts[i];
                        }

                        break;
                    default:
                        for (var i = 0; i < count; i++)
                        {
                            indices[i] = bytes[i];
                        }

                        break;
                }

                return indices;
            }
        }

        var list = new List<int>();
        foreach (var (a, b, c) in primitive.GetTriangleIndices())
        {
            list.Add(a);
            list.Add(b);
            list.Add(c);
        }

        return [.. list];
    }
}

/// <summary>An encoded base-colour image and the meshes that use it.</summary>
internal sealed class PendingTexture(ReadOnlyMemory<byte> encoded)
{
    public ReadOnlyMemory<byte> Encoded { get; } = encoded;

    public List<SceneMesh> Users { get; } = [];
}

/// <summary>One glTF primitive in world space, with what drawing it needs from its material.</summary>
internal sealed class SceneMesh
{
    public required Vector3[] Positions { get; init; }

    public Vector3[]? Normals { get; init; }

    public Vector2[]? Uvs { get; init; }

    public Vector4[]? Colors { get; init; }

    public required int[] Indices { get; init; }

    public Vector4 Factor { get; init; } = Vector4.One;

    /// <summary>Set once decoded (<see cref="Scene.DecodeTextures"/>); null also when it could not be.</summary>
    public SceneTexture? Texture { get; set; }

    /// <summary>Texels whose alpha is below this are not drawn (glTF MASK); 0 draws everything.</summary>
    public float AlphaCutoff { get; init; }

    public bool DoubleSided { get; init; }

    public Vector3 NormalOf(int a, int b, int c, int corner)
    {
        if (Normals is { } normals)
        {
            return normals[corner switch { 0 => a, 1 => b, _ => c }];
        }

        var n = Vector3.Cross(Positions[b] - Positions[a], Positions[c] - Positions[a]);
        var length = n.Length();
        return length > 0 ? n / length : Vector3.Zero;
    }

    public Vector4 ColorOf(int i) => Colors is { } colors ? Factor * colors[i] : Factor;

    public Vector2 UvOf(int i) => Uvs is { } uvs ? uvs[i] : Vector2.Zero;
}

/// <summary>A base-colour texture decoded once, at no more detail than a 512 px picture can show.</summary>
internal sealed class SceneTexture
{
    private const int MaxSide = 512;

    private readonly uint[] _pixels;
    private readonly int _width;
    private readonly int _height;

    private SceneTexture(uint[] pixels, int width, int height) => (_pixels, _width, _height) = (pixels, width, height);

    public static SceneTexture? Decode(ReadOnlySpan<byte> encoded)
    {
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data);
        if (codec is null)
        {
            return null;
        }

        // JPEG decoders scale by 1/2, 1/4, 1/8 almost for free inside the DCT.
        var largest = Math.Max(codec.Info.Width, codec.Info.Height);
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        if (largest > MaxSide)
        {
            var scaled = codec.GetScaledDimensions((float)MaxSide / largest);
            info = info.WithSize(scaled.Width, scaled.Height);
        }

        var result = DecodeInto(codec, info, out var pixels);
        if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput) && info.Width != codec.Info.Width)
        {
            // Not every format scales inside its decoder (PNG does not): decode at full size.
            ArrayPool<uint>.Shared.Return(pixels);
            info = codec.Info.WithColorType(SKColorType.Rgba8888).WithAlphaType(SKAlphaType.Unpremul);
            result = DecodeInto(codec, info, out pixels);
        }

        if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
        {
            ArrayPool<uint>.Shared.Return(pixels);
            return null;
        }

        return new SceneTexture(pixels, info.Width, info.Height);
    }

    private static SKCodecResult DecodeInto(SKCodec codec, SKImageInfo info, out uint[] pixels)
    {
        pixels = ArrayPool<uint>.Shared.Rent(info.Width * info.Height);
        var handle = GCHandle.Alloc(pixels, GCHandleType.Pinned);
        try
        {
            return codec.GetPixels(info, handle.AddrOfPinnedObject());
        }
        finally
        {
            handle.Free();
        }
    }

    public int Width => _width;

    public int Height => _height;

    /// <summary>The texel at (<paramref name="x"/>, <paramref name="y"/>) in texels (not 0–1), repeating, as 0–255 RGBA.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector4 Texel(float x, float y)
    {
        var (tx, ty) = ((int)x, (int)y);
        // Nearly always inside; only then is truncation the same as rounding down.
        if ((uint)tx >= (uint)_width || (uint)ty >= (uint)_height || x < 0 || y < 0)
        {
            (tx, ty) = (Wrap(x, _width), Wrap(y, _height));
        }

        var p = _pixels[(ty * _width) + tx];
        return new Vector4(p & 0xFF, (p >> 8) & 0xFF, (p >> 16) & 0xFF, p >> 24);
    }

    private static int Wrap(float texels, int size)
    {
        var wrapped = texels - (MathF.Floor(texels / size) * size);
        return float.IsFinite(wrapped) ? Math.Clamp((int)wrapped, 0, size - 1) : 0;
    }

    public void Return() => ArrayPool<uint>.Shared.Return(_pixels);
}
