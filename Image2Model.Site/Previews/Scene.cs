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
    public static List<SceneMesh> Read(ModelRoot model)
    {
        var meshes = new List<SceneMesh>();
        var textures = new Dictionary<int, SceneTexture?>();
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

                var positions = new Vector3[positionAccessor.Count];
                positionAccessor.AsVector3Array().CopyTo(positions, 0);
                for (var i = 0; i < positions.Length; i++)
                {
                    positions[i] = Vector3.Transform(positions[i], world);
                }

                Vector3[]? normals = null;
                if (primitive.GetVertexAccessor("NORMAL") is { } normalAccessor && normalAccessor.Count == positions.Length)
                {
                    normals = new Vector3[normalAccessor.Count];
                    normalAccessor.AsVector3Array().CopyTo(normals, 0);
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
                SceneTexture? texture = null;
                if (baseColor?.Texture is { } gltfTexture
                    && primitive.GetVertexAccessor($"TEXCOORD_{baseColor.Value.TextureCoordinate}") is { } uvAccessor
                    && uvAccessor.Count == positions.Length)
                {
                    if (!textures.TryGetValue(gltfTexture.LogicalIndex, out texture))
                    {
                        var image = gltfTexture.PrimaryImage?.Content;
                        texture = image is { IsValid: true } content ? SceneTexture.Decode(content.Content.Span) : null;
                        textures[gltfTexture.LogicalIndex] = texture;
                    }

                    if (texture is not null)
                    {
                        uvs = new Vector2[uvAccessor.Count];
                        uvAccessor.AsVector2Array().CopyTo(uvs, 0);
                    }
                }

                Vector4[]? colors = null;
                if (primitive.GetVertexAccessor("COLOR_0") is { } colorAccessor && colorAccessor.Count == positions.Length)
                {
                    colors = new Vector4[colorAccessor.Count];
                    colorAccessor.AsColorArray().CopyTo(colors, 0);
                }

                var indices = new List<int>();
                foreach (var (a, b, c) in primitive.GetTriangleIndices())
                {
                    indices.Add(a);
                    indices.Add(b);
                    indices.Add(c);
                }

                meshes.Add(new SceneMesh
                {
                    Positions = positions,
                    Normals = normals,
                    Uvs = uvs,
                    Colors = colors,
                    Indices = [.. indices],
                    Factor = baseColor?.Color ?? Vector4.One,
                    Texture = texture,
                    AlphaCutoff = material?.Alpha == AlphaMode.MASK ? material.AlphaCutoff : 0,
                    DoubleSided = material?.DoubleSided ?? false,
                });
            }
        }

        return meshes;
    }
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

    public SceneTexture? Texture { get; init; }

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

    /// <summary>Nearest texel with repeat wrapping, as 0–1 RGBA.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector4 Sample(float u, float v)
    {
        u -= MathF.Floor(u);
        v -= MathF.Floor(v);
        var x = Math.Min((int)(u * _width), _width - 1);
        var y = Math.Min((int)(v * _height), _height - 1);
        var p = _pixels[(y * _width) + x];
        return new Vector4(p & 0xFF, (p >> 8) & 0xFF, (p >> 16) & 0xFF, p >> 24) * (1f / 255f);
    }

    public void Return() => ArrayPool<uint>.Shared.Return(_pixels);
}
