using System.Globalization;
using System.IO.Compression;
using System.Numerics;
using System.Text;
using System.Xml;
using SharpGLTF.Schema2;
using SkiaSharp;

namespace Image2Model.Site.Downloads;

/// <summary>
/// 3MF for 3D printing: one mesh in millimetres, Z up (as slicers expect), with shared vertices so
/// a watertight GLB stays watertight. Colour is kept where the core 3MF format can hold it: each
/// triangle gets the texture's colour at its centre, rounded to a palette of base materials.
/// </summary>
public static class ThreeMfExport
{
    private const float MillimetresPerMetre = 1000f;

    /// <summary>Levels per channel of the colour palette: 6³ = 216 materials at most.</summary>
    private const int Levels = 6;

    private const string CoreNamespace = "http://schemas.microsoft.com/3dmanufacturing/core/2015/02";

    public static byte[] To3mf(byte[] glb)
    {
        using var output = new MemoryStream();
        Write(glb, output);
        return output.ToArray();
    }

    public static void Write(byte[] glb, Stream output)
    {
        var model = ModelRoot.ParseGLB(glb);
        var vertices = new List<Vector3>();
        var vertexIndex = new Dictionary<Vector3, int>();
        var triangles = new List<(int A, int B, int C, int Color)>();
        var palette = new List<SKColor>();
        var paletteIndex = new Dictionary<SKColor, int>();

        int Vertex(Vector3 p)
        {
            if (!vertexIndex.TryGetValue(p, out var i))
            {
                vertexIndex[p] = i = vertices.Count;
                vertices.Add(p);
            }

            return i;
        }

        int Color(SKColor c)
        {
            if (!paletteIndex.TryGetValue(c, out var i))
            {
                paletteIndex[c] = i = palette.Count;
                palette.Add(c);
            }

            return i;
        }

        var textures = new Dictionary<int, SKBitmap?>();
        try
        {
            foreach (var node in model.LogicalNodes.Where(n => n.Mesh is not null))
            {
                var world = node.WorldMatrix;
                foreach (var primitive in node.Mesh.Primitives)
                {
                    var positions = primitive.GetVertexAccessor("POSITION")?.AsVector3Array();
                    if (positions is null)
                    {
                        continue;
                    }

                    var channel = primitive.Material?.FindChannel("BaseColor");
                    var factor = channel?.Color ?? Vector4.One;
                    var uvs = channel?.Texture is not null ? primitive.GetVertexAccessor($"TEXCOORD_{channel.Value.TextureCoordinate}")?.AsVector2Array() : null;
                    SKBitmap? texture = null;
                    if (uvs is not null && channel?.Texture is { } gltfTexture && !textures.TryGetValue(gltfTexture.LogicalIndex, out texture))
                    {
                        texture = gltfTexture.PrimaryImage?.Content is { IsValid: true } image ? SKBitmap.Decode(image.Content.ToArray()) : null;
                        textures[gltfTexture.LogicalIndex] = texture;
                    }

                    foreach (var (a, b, c) in primitive.GetTriangleIndices())
                    {
                        var colour = factor;
                        if (texture is not null && uvs is not null)
                        {
                            var uv = (uvs[a] + uvs[b] + uvs[c]) / 3;
                            var texel = texture.GetPixel(Wrap(uv.X, texture.Width), Wrap(uv.Y, texture.Height));
                            colour *= new Vector4(texel.Red, texel.Green, texel.Blue, 255) / 255f;
                        }

                        triangles.Add((
                            Vertex(ZUpMillimetres(Vector3.Transform(positions[a], world))),
                            Vertex(ZUpMillimetres(Vector3.Transform(positions[b], world))),
                            Vertex(ZUpMillimetres(Vector3.Transform(positions[c], world))),
                            Color(Quantize(colour))));
                    }
                }
            }
        }
        finally
        {
            foreach (var texture in textures.Values)
            {
                texture?.Dispose();
            }
        }

        // Slicers put the model on the bed themselves, but one that starts below zero confuses some.
        var lowest = vertices.Count == 0 ? 0 : vertices.Min(v => v.Z);
        using var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);
        Add(zip, "[Content_Types].xml", """
            <?xml version="1.0" encoding="UTF-8"?>
            <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
              <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
              <Default Extension="model" ContentType="application/vnd.ms-package.3dmanufacturing-3dmodel+xml"/>
            </Types>
            """);
        Add(zip, "_rels/.rels", """
            <?xml version="1.0" encoding="UTF-8"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
              <Relationship Target="/3D/3dmodel.model" Id="rel0" Type="http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel"/>
            </Relationships>
            """);

        using var entry = zip.CreateEntry("3D/3dmodel.model", CompressionLevel.Fastest).Open();
        using var xml = XmlWriter.Create(entry, new XmlWriterSettings { Encoding = new UTF8Encoding(false) });
        xml.WriteStartDocument();
        xml.WriteStartElement("model", CoreNamespace);
        xml.WriteAttributeString("unit", "millimeter");
        xml.WriteAttributeString("xml", "lang", null, "en-US");
        xml.WriteStartElement("metadata", CoreNamespace);
        xml.WriteAttributeString("name", "Application");
        xml.WriteString("Image2Model");
        xml.WriteEndElement();
        xml.WriteStartElement("resources", CoreNamespace);
        xml.WriteStartElement("basematerials", CoreNamespace);
        xml.WriteAttributeString("id", "1");
        foreach (var colour in palette.DefaultIfEmpty(SKColors.LightGray))
        {
            xml.WriteStartElement("base", CoreNamespace);
            xml.WriteAttributeString("name", $"#{colour.Red:X2}{colour.Green:X2}{colour.Blue:X2}");
            xml.WriteAttributeString("displaycolor", $"#{colour.Red:X2}{colour.Green:X2}{colour.Blue:X2}FF");
            xml.WriteEndElement();
        }

        xml.WriteEndElement();
        xml.WriteStartElement("object", CoreNamespace);
        xml.WriteAttributeString("id", "2");
        xml.WriteAttributeString("type", "model");
        xml.WriteAttributeString("pid", "1");
        xml.WriteAttributeString("pindex", "0");
        xml.WriteStartElement("mesh", CoreNamespace);
        xml.WriteStartElement("vertices", CoreNamespace);
        foreach (var v in vertices)
        {
            xml.WriteStartElement("vertex", CoreNamespace);
            xml.WriteAttributeString("x", Number(v.X));
            xml.WriteAttributeString("y", Number(v.Y));
            xml.WriteAttributeString("z", Number(v.Z - lowest));
            xml.WriteEndElement();
        }

        xml.WriteEndElement();
        xml.WriteStartElement("triangles", CoreNamespace);
        foreach (var (a, b, c, colour) in triangles)
        {
            // Triangles that collapse when vertices are shared are not allowed in 3MF.
            if (a == b || b == c || a == c)
            {
                continue;
            }

            xml.WriteStartElement("triangle", CoreNamespace);
            xml.WriteAttributeString("v1", Number(a));
            xml.WriteAttributeString("v2", Number(b));
            xml.WriteAttributeString("v3", Number(c));
            xml.WriteAttributeString("pid", "1");
            xml.WriteAttributeString("p1", Number(colour));
            xml.WriteEndElement();
        }

        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteStartElement("build", CoreNamespace);
        xml.WriteStartElement("item", CoreNamespace);
        xml.WriteAttributeString("objectid", "2");
        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteEndDocument();
    }

    private static int Wrap(float t, int size) => Math.Clamp((int)((t - MathF.Floor(t)) * size), 0, size - 1);

    private static SKColor Quantize(Vector4 c)
    {
        static byte Level(float v) => (byte)(MathF.Round(Math.Clamp(v, 0, 1) * (Levels - 1)) * 255 / (Levels - 1));
        return new SKColor(Level(c.X), Level(c.Y), Level(c.Z));
    }

    /// <summary>glTF is Y up in metres; printers expect Z up in millimetres. A rotation keeps the winding.</summary>
    private static Vector3 ZUpMillimetres(Vector3 p) => new Vector3(p.X, -p.Z, p.Y) * MillimetresPerMetre;

    private static string Number(float value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static void Add(ZipArchive zip, string name, string content)
    {
        using var entry = zip.CreateEntry(name, CompressionLevel.Fastest).Open();
        entry.Write(Encoding.UTF8.GetBytes(content));
    }
}
