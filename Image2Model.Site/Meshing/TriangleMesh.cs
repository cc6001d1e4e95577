using System.Numerics;

namespace Image2Model.Site.Meshing;

/// <summary>
/// An indexed triangle mesh in working-image pixel coordinates (x right, y down, z towards the
/// viewer). Texture coordinates are a function of (x, y), so the mesh carries none.
/// </summary>
internal sealed class TriangleMesh
{
    public List<Vector3> Positions { get; } = [];
    public List<int> Indices { get; } = [];

    public int TriangleCount => Indices.Count / 3;

    public int AddVertex(Vector3 p)
    {
        Positions.Add(p);
        return Positions.Count - 1;
    }

    public void AddTriangle(int a, int b, int c)
    {
        Indices.Add(a);
        Indices.Add(b);
        Indices.Add(c);
    }

    /// <summary>
    /// Adds exactly 2 × <paramref name="splits"/> triangles by splitting the longest of the given
    /// edges (and then their halves) at a point chosen by <paramref name="place"/>. Each edge must be
    /// shared by exactly two triangles; the mesh stays closed and 2-manifold.
    /// </summary>
    public void SplitEdges(IEnumerable<(int A, int B)> candidates, int splits, Func<Vector3, Vector3, Vector3> place)
    {
        if (splits <= 0) return;
        var wanted = new HashSet<long>();
        var queue = new PriorityQueue<(int A, int B), float>();
        foreach (var (a, b) in candidates)
        {
            wanted.Add(Key(a, b));
            wanted.Add(Key(b, a));
            queue.Enqueue((a, b), -Vector3.DistanceSquared(Positions[a], Positions[b]));
        }
        var owner = new Dictionary<long, int>();
        for (var t = 0; t < TriangleCount; t++)
        {
            for (var k = 0; k < 3; k++)
            {
                var key = Key(Indices[t * 3 + k], Indices[t * 3 + (k + 1) % 3]);
                if (wanted.Contains(key)) owner[key] = t;
            }
        }
        while (splits > 0 && queue.TryDequeue(out var edge, out _))
        {
            var (a, b) = edge;
            if (!owner.TryGetValue(Key(a, b), out var t1) || !owner.TryGetValue(Key(b, a), out var t2)) continue;
            var m = AddVertex(place(Positions[a], Positions[b]));
            var c = Opposite(t1, a, b);
            var d = Opposite(t2, b, a);
            SetTriangle(t1, a, m, c);
            var t1b = TriangleCount;
            AddTriangle(m, b, c);
            SetTriangle(t2, b, m, d);
            var t2b = TriangleCount;
            AddTriangle(m, a, d);
            owner.Remove(Key(a, b));
            owner.Remove(Key(b, a));
            owner[Key(a, m)] = t1;
            owner[Key(m, b)] = t1b;
            owner[Key(b, m)] = t2;
            owner[Key(m, a)] = t2b;
            queue.Enqueue((a, m), -Vector3.DistanceSquared(Positions[a], Positions[m]));
            queue.Enqueue((m, b), -Vector3.DistanceSquared(Positions[m], Positions[b]));
            splits--;
        }
    }

    private int Opposite(int t, int a, int b)
    {
        for (var k = 0; k < 3; k++)
        {
            var v = Indices[t * 3 + k];
            if (v != a && v != b) return v;
        }
        throw new InvalidOperationException("Degenerate triangle.");
    }

    private void SetTriangle(int t, int a, int b, int c)
    {
        Indices[t * 3] = a;
        Indices[t * 3 + 1] = b;
        Indices[t * 3 + 2] = c;
    }

    private static long Key(int a, int b) => ((long)a << 32) | (uint)b;
}
