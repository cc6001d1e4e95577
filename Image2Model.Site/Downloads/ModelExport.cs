using System.Globalization;
using System.IO.Compression;
using System.Numerics;
using System.Text;
using SharpGLTF.Schema2;

namespace Image2Model.Site.Downloads;

/// <summary>
/// The other formats users ask for, made from the stored GLB on request: STL for 3D printing
/// (geometry only, Z up, millimetres) and OBJ with its material and texture in a zip.
/// </summary>
public static class ModelExport
{
    private const float MillimetresPerMetre = 1000f;

    /// <summary>Geometry compression the exporter cannot decode (SharpGLTF reads neither).</summary>
    private static readonly Dictionary<string, string> Undecodable = new()
    {
        ["KHR_draco_mesh_compression"] = "Draco",
        ["EXT_meshopt_compression"] = "meshopt",
    };

    /// <summary>
    /// Null when OBJ and STL can be made from this GLB; otherwise the plain reason the model page
    /// shows instead of the links. Reads only the start of the file.
    /// </summary>
    public static string? WhyNotOffered(Stream glb)
    {
        try
        {
            var compression = Image2Model.Site.Generators.Remote.GlbModel.RequiredExtensions(glb)
                .Where(Undecodable.ContainsKey).Select(e => Undecodable[e]).ToList();
            return compression.Count == 0
                ? null
                : $"OBJ and STL are not offered for this model: its geometry came compressed ({string.Join(", ", compression)}), "
                  + "which this site cannot convert. The GLB has everything, and Blender or any glTF tool opens it.";
        }
        catch (Exception ex) when (ex is EndOfStreamException or System.Text.Json.JsonException)
        {
            return "OBJ and STL are not offered for this model: its file could not be read.";
        }
    }

    public static byte[] ToStl(byte[] glb) => InMemory(glb, WriteStl);

    /// <summary>Binary STL straight into <paramref name="output"/>.</summary>
    public static void WriteStl(byte[] glb, Stream output)
    {
        var triangles = Triangles(ModelRoot.ParseGLB(glb)).ToList();
        using var writer = new BinaryWriter(output, Encoding.ASCII, leaveOpen: true);
        writer.Write(Encoding.ASCII.GetBytes("Image2Model STL, millimetres, Z up".PadRight(80)));
        writer.Write((uint)triangles.Count);
        foreach (var (a, b, c) in triangles)
        {
            // glTF is Y up in metres; printers expect Z up in millimetres. A rotation keeps the winding.
            var (pa, pb, pc) = (ZUp(a.Position), ZUp(b.Position), ZUp(c.Position));
            var normal = Vector3.Normalize(Vector3.Cross(pb - pa, pc - pa));
            foreach (var v in new[] { float.IsNaN(normal.X) ? Vector3.Zero : normal, pa, pb, pc })
            {
                writer.Write(v.X);
                writer.Write(v.Y);
                writer.Write(v.Z);
            }

            writer.Write((ushort)0);
        }

        writer.Flush();
    }

    /// <summary>A zip with model.obj, model.mtl and the texture the GLB embeds.</summary>
    public static byte[] ToObjZip(byte[] glb) => InMemory(glb, WriteObjZip);

    /// <summary>
    /// The zip written straight into <paramref name="output"/>, the OBJ text line by line: a large
    /// model never exists as one big string (a 100k-triangle OBJ is tens of MB of text).
    /// </summary>
    public static void WriteObjZip(byte[] glb, Stream output)
    {
        var model = ModelRoot.ParseGLB(glb);
        var texture = model.LogicalImages.FirstOrDefault()?.Content;
        var textureName = texture is { } found ? $"texture.{found.FileExtension}" : null;
        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

        using var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);
        using (var obj = new StreamWriter(zip.CreateEntry("model.obj", CompressionLevel.Fastest).Open(), utf8, 1 << 16))
        {
            obj.Write("# Image2Model\nmtllib model.mtl\nusemtl material\n");
            var index = 1;
            foreach (var (a, b, c) in Triangles(model))
            {
                foreach (var v in new[] { a, b, c })
                {
                    obj.Write(string.Create(CultureInfo.InvariantCulture, $"v {v.Position.X} {v.Position.Y} {v.Position.Z}\n"));
                    // OBJ's texture origin is bottom-left, glTF's top-left.
                    obj.Write(string.Create(CultureInfo.InvariantCulture, $"vt {v.Uv.X} {1 - v.Uv.Y}\n"));
                    obj.Write(string.Create(CultureInfo.InvariantCulture, $"vn {v.Normal.X} {v.Normal.Y} {v.Normal.Z}\n"));
                }

                obj.Write(string.Create(CultureInfo.InvariantCulture, $"f {index}/{index}/{index} {index + 1}/{index + 1}/{index + 1} {index + 2}/{index + 2}/{index + 2}\n"));
                index += 3;
            }
        }

        var mtl = "newmtl material\nKd 1 1 1\n" + (textureName is null ? "" : $"map_Kd {textureName}\n");
        Add(zip, "model.mtl", utf8.GetBytes(mtl));
        if (texture is { } image && textureName is not null)
        {
            Add(zip, textureName, image.Content.ToArray());
        }
    }

    private static byte[] InMemory(byte[] glb, Action<byte[], Stream> write)
    {
        using var stream = new MemoryStream();
        write(glb, stream);
        return stream.ToArray();
    }

    private readonly record struct Vertex(Vector3 Position, Vector3 Normal, Vector2 Uv);

    private static IEnumerable<(Vertex A, Vertex B, Vertex C)> Triangles(ModelRoot model)
    {
        foreach (var node in model.LogicalNodes.Where(n => n.Mesh is not null))
        {
            var world = node.WorldMatrix;
            foreach (var primitive in node.Mesh.Primitives)
            {
                var positions = primitive.GetVertexAccessor("POSITION").AsVector3Array();
                var normals = primitive.GetVertexAccessor("NORMAL")?.AsVector3Array();
                var uvs = primitive.GetVertexAccessor("TEXCOORD_0")?.AsVector2Array();
                Vertex At(int i) => new(
                    Vector3.Transform(positions[i], world),
                    normals is null ? Vector3.Zero : Vector3.Normalize(Vector3.TransformNormal(normals[i], world)),
                    uvs?[i] ?? Vector2.Zero);
                foreach (var (a, b, c) in primitive.GetTriangleIndices())
                {
                    yield return (At(a), At(b), At(c));
                }
            }
        }
    }

    private static Vector3 ZUp(Vector3 p) => new Vector3(p.X, -p.Z, p.Y) * MillimetresPerMetre;

    private static void Add(ZipArchive zip, string name, byte[] content)
    {
        using var entry = zip.CreateEntry(name, CompressionLevel.Fastest).Open();
        entry.Write(content);
    }
}
