using System.Numerics;

namespace Image2Model.Site.Meshing;

/// <summary>
/// An indexed triangle mesh in working-image pixel coordinates (x right, y down, z towards the
/// viewer). Texture coordinates are a function of (x, y) and of the side a vertex is on: the
/// front shows the photo, the back (which the camera never saw) a texture of its own.
/// </summary>
internal sealed class TriangleMesh
{
    public List<Vector3> Positions { get; } = [];
    public List<int> Indices { get; } = [];

    /// <summary>Per vertex: textured from the back's region of the texture rather than the photo.</summary>
    public List<bool> OnBack { get; } = [];

    public int TriangleCount => Indices.Count / 3;

    /// <summary>
    /// Pairs of vertices written with one normal: a cut-out's rim is two copies of the outline a
    /// hair apart (each side keeps its own UVs), which must shade as one surface, without a seam.
    /// </summary>
    public List<(int A, int B)> SharedNormals { get; } = [];

    public int AddVertex(Vector3 p, bool onBack = false)
    {
        Positions.Add(p);
        OnBack.Add(onBack);
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
    public void SplitEdges(IEnumerable<(int A, int B)> candidates, int splits, Func<Vector3, Vector3, Vector3> place) =>
        SplitEdgePairs(candidates.Select(e => (e.A, e.B, -1, -1)), 2 * splits, place, _ => default);

    /// <summary>
    /// Like <see cref="SplitEdges"/>, but each candidate may carry a twin edge (C, D) that is split
    /// at the same time at <paramref name="twin"/> of the first edge's new point (the front and back
    /// rims of a cut-out, which must stay in step), adding 4 triangles per split instead of 2.
    /// A twin of (-1, -1) means none; a twin's new point shares its normal with the first edge's
    /// (see <see cref="SharedNormals"/>). Stops before a split would add more than the triangles left.
    /// </summary>
    public int SplitEdgePairs(IEnumerable<(int A, int B, int C, int D)> candidates, int triangles, Func<Vector3, Vector3, Vector3> place, Func<Vector3, Vector3> twin)
    {
        if (triangles < 2) return 0;
        var wanted = new HashSet<long>();
        var queue = new PriorityQueue<(int A, int B, int C, int D), float>();
        foreach (var e in candidates)
        {
            wanted.Add(Key(e.A, e.B));
            wanted.Add(Key(e.B, e.A));
            if (e.C >= 0)
            {
                wanted.Add(Key(e.C, e.D));
                wanted.Add(Key(e.D, e.C));
            }
            queue.Enqueue(e, -Vector3.DistanceSquared(Positions[e.A], Positions[e.B]));
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
        var added = 0;
        while (queue.TryDequeue(out var edge, out _))
        {
            var (a, b, c, d) = edge;
            var cost = c >= 0 ? 4 : 2;
            if (added + cost > triangles) continue;
            if (!owner.ContainsKey(Key(a, b)) || !owner.ContainsKey(Key(b, a))) continue;
            if (c >= 0 && (!owner.ContainsKey(Key(c, d)) || !owner.ContainsKey(Key(d, c)))) continue;
            var p = place(Positions[a], Positions[b]);
            var m = Split(owner, a, b, p);
            var m2 = c >= 0 ? Split(owner, c, d, twin(p)) : -1;
            if (m2 >= 0) SharedNormals.Add((m, m2));
            queue.Enqueue((a, m, c, m2), -Vector3.DistanceSquared(Positions[a], Positions[m]));
            queue.Enqueue((m, b, m2, d), -Vector3.DistanceSquared(Positions[m], Positions[b]));
            added += cost;
        }
        return added;
    }

    /// <summary>Splits edge a-b (shared by two triangles) at p; the new vertex is on the side a is on.</summary>
    private int Split(Dictionary<long, int> owner, int a, int b, Vector3 p)
    {
        var t1 = owner[Key(a, b)];
        var t2 = owner[Key(b, a)];
        var m = AddVertex(p, OnBack[a]);
        var c = Opposite(t1, a, b);
        var d = Opposite(t2, b, a);
        SetTriangle(t1, a, m, c);
        var t1b = TriangleCount;
        AddTriangle(m, b, c);
        SetTriangle(t2, b, m, d);
        var t2b = TriangleCount;
        AddTriangle(m, a, d);
        // Edges of the split triangles that were themselves candidates now belong to new triangles.
        Reown(owner, b, c, t1b);
        Reown(owner, a, d, t2b);
        owner.Remove(Key(a, b));
        owner.Remove(Key(b, a));
        owner[Key(a, m)] = t1;
        owner[Key(m, b)] = t1b;
        owner[Key(b, m)] = t2;
        owner[Key(m, a)] = t2b;
        return m;
    }

    private static void Reown(Dictionary<long, int> owner, int from, int to, int triangle)
    {
        var key = Key(from, to);
        if (owner.ContainsKey(key)) owner[key] = triangle;
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
