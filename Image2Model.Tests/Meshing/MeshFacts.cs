using System.Numerics;
using SharpGLTF.Schema2;

namespace Image2Model.Tests.Meshing;

/// <summary>The geometry inside a GLB the engine wrote, and the checks every output must pass.</summary>
internal sealed class MeshFacts
{
    public required Vector3[] Positions { get; init; }
    public required Vector3[] Normals { get; init; }
    public required Vector2[] Uvs { get; init; }
    public required int[] Indices { get; init; }
    public required ModelRoot Model { get; init; }

    public int Triangles => Indices.Length / 3;

    public static MeshFacts Read(byte[] glb)
    {
        var model = ModelRoot.ParseGLB(glb);
        var primitive = Assert.Single(Assert.Single(model.LogicalMeshes).Primitives);
        return new MeshFacts
        {
            Model = model,
            Positions = [.. primitive.GetVertexAccessor("POSITION").AsVector3Array()],
            Normals = [.. primitive.GetVertexAccessor("NORMAL").AsVector3Array()],
            Uvs = [.. primitive.GetVertexAccessor("TEXCOORD_0").AsVector2Array()],
            Indices = [.. primitive.GetIndices().Select(i => (int)i)],
        };
    }

    /// <summary>Closed, 2-manifold, consistently and outwardly wound, no degenerate triangles, no NaN.</summary>
    public void AssertWatertightSolid()
    {
        foreach (var v in Positions) Assert.True(float.IsFinite(v.X) && float.IsFinite(v.Y) && float.IsFinite(v.Z), "a position is NaN or infinite");
        foreach (var v in Normals) Assert.True(float.IsFinite(v.X) && float.IsFinite(v.Y) && float.IsFinite(v.Z), "a normal is NaN or infinite");
        foreach (var v in Uvs) Assert.True(float.IsFinite(v.X) && float.IsFinite(v.Y), "a UV is NaN or infinite");

        var directed = new HashSet<(int, int)>();
        var scale = Size().Length();
        var minArea = 1e-12 * scale * scale;
        double volume = 0;
        for (var t = 0; t < Indices.Length; t += 3)
        {
            int a = Indices[t], b = Indices[t + 1], c = Indices[t + 2];
            Assert.True(a != b && b != c && a != c, $"triangle {t / 3} repeats a vertex");
            var cross = Vector3.Cross(Positions[b] - Positions[a], Positions[c] - Positions[a]);
            Assert.True(cross.Length() * 0.5 > minArea, $"triangle {t / 3} is degenerate (area {cross.Length() * 0.5})");
            Assert.True(directed.Add((a, b)) && directed.Add((b, c)) && directed.Add((c, a)), $"an edge of triangle {t / 3} is used twice in the same direction");
            volume += Vector3.Dot(Positions[a], Vector3.Cross(Positions[b], Positions[c])) / 6.0;
        }
        foreach (var (a, b) in directed)
        {
            Assert.True(directed.Contains((b, a)), $"edge {a}-{b} is on a border (mesh not closed)");
        }
        Assert.True(volume > 0, $"signed volume {volume} is not positive (faces point inward)");

        // Vertex manifoldness: the triangles around each vertex form one closed fan.
        var next = new Dictionary<int, List<(int From, int To)>>();
        for (var t = 0; t < Indices.Length; t += 3)
        {
            for (var k = 0; k < 3; k++)
            {
                int v = Indices[t + k], a = Indices[t + (k + 1) % 3], b = Indices[t + (k + 2) % 3];
                if (!next.TryGetValue(v, out var list)) next[v] = list = [];
                list.Add((a, b));
            }
        }
        foreach (var (v, fan) in next)
        {
            var map = fan.ToDictionary(e => e.From, e => e.To);
            var start = fan[0].From;
            var current = start;
            var steps = 0;
            do
            {
                current = map[current];
                steps++;
            } while (current != start && steps <= fan.Count);
            Assert.True(steps == fan.Count, $"vertex {v} is not manifold (its fan splits into several cycles)");
        }
    }

    public Vector3 Min() => Positions.Aggregate(new Vector3(float.MaxValue), Vector3.Min);

    public Vector3 Max() => Positions.Aggregate(new Vector3(float.MinValue), Vector3.Max);

    public Vector3 Size() => Max() - Min();

    /// <summary>Separate connected pieces (vertices at the same position count as one).</summary>
    public int Pieces()
    {
        var weld = new Dictionary<Vector3, int>();
        var id = new int[Positions.Length];
        for (var i = 0; i < Positions.Length; i++)
        {
            if (!weld.TryGetValue(Positions[i], out id[i])) weld[Positions[i]] = id[i] = weld.Count;
        }
        var parent = Enumerable.Range(0, weld.Count).ToArray();
        int Find(int x) { while (parent[x] != x) x = parent[x] = parent[parent[x]]; return x; }
        for (var t = 0; t < Indices.Length; t += 3)
        {
            var a = Find(id[Indices[t]]);
            parent[Find(id[Indices[t + 1]])] = a;
            parent[Find(id[Indices[t + 2]])] = a;
        }
        return Enumerable.Range(0, weld.Count).Select(Find).Distinct().Count();
    }

    /// <summary>V - E + F; 2 for a sphere-like solid, 0 for a ring.</summary>
    public int EulerCharacteristic()
    {
        var edges = new HashSet<(int, int)>();
        for (var t = 0; t < Indices.Length; t += 3)
        {
            for (var k = 0; k < 3; k++)
            {
                int a = Indices[t + k], b = Indices[t + (k + 1) % 3];
                edges.Add((Math.Min(a, b), Math.Max(a, b)));
            }
        }
        return Positions.Length - edges.Count + Triangles;
    }

    /// <summary>
    /// Rasterises the mesh seen from the front into a width x height grid laid over the mesh's own
    /// bounding box (rows top down), for comparing with the silhouette's box.
    /// </summary>
    public bool[] ProjectFront(int width, int height)
    {
        var min = Min();
        var max = Max();
        var covered = new bool[width * height];
        for (var t = 0; t < Indices.Length; t += 3)
        {
            var a = ToGrid(Positions[Indices[t]]);
            var b = ToGrid(Positions[Indices[t + 1]]);
            var c = ToGrid(Positions[Indices[t + 2]]);
            int x0 = Math.Max(0, (int)MathF.Floor(MathF.Min(a.X, MathF.Min(b.X, c.X)))), x1 = Math.Min(width - 1, (int)MathF.Ceiling(MathF.Max(a.X, MathF.Max(b.X, c.X))));
            int y0 = Math.Max(0, (int)MathF.Floor(MathF.Min(a.Y, MathF.Min(b.Y, c.Y)))), y1 = Math.Min(height - 1, (int)MathF.Ceiling(MathF.Max(a.Y, MathF.Max(b.Y, c.Y))));
            for (var y = y0; y <= y1; y++)
            {
                for (var x = x0; x <= x1; x++)
                {
                    var p = new Vector2(x + 0.5f, y + 0.5f);
                    float d0 = Edge(a, b, p), d1 = Edge(b, c, p), d2 = Edge(c, a, p);
                    if ((d0 >= 0 && d1 >= 0 && d2 >= 0) || (d0 <= 0 && d1 <= 0 && d2 <= 0)) covered[y * width + x] = true;
                }
            }
        }
        return covered;

        Vector2 ToGrid(Vector3 v) => new((v.X - min.X) / (max.X - min.X) * width, (max.Y - v.Y) / (max.Y - min.Y) * height);
        static float Edge(Vector2 a, Vector2 b, Vector2 p) => (b.X - a.X) * (p.Y - a.Y) - (b.Y - a.Y) * (p.X - a.X);
    }
}
