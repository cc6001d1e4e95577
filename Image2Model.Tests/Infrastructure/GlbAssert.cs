using System.Numerics;
using SharpGLTF.Schema2;

namespace Image2Model.Tests.Infrastructure;

/// <summary>Checks a GLB the way a 3D tool would load it.</summary>
public static class GlbAssert
{
    /// <summary>Parses the GLB and checks it has an embedded texture and one closed, outward, 2-manifold mesh.</summary>
    public static ModelRoot IsTexturedClosedModel(byte[] glb)
    {
        var mesh = Meshing.MeshFacts.Read(glb);
        Assert.NotEmpty(mesh.Model.LogicalTextures);
        Assert.True(mesh.Model.LogicalImages[0].Content.Content.Length > 100, "The texture image is empty.");
        mesh.AssertWatertightSolid();
        return mesh.Model;
    }

    /// <summary>
    /// For triangle soups such as STL: every edge (after welding equal positions) is used exactly
    /// twice, once in each direction.
    /// </summary>
    public static void AssertClosed(IReadOnlyList<(Vector3 A, Vector3 B, Vector3 C)> triangles)
    {
        var ids = new Dictionary<Vector3, int>();
        int Id(Vector3 p) => ids.TryGetValue(p, out var id) ? id : ids[p] = ids.Count;
        var directed = new Dictionary<(int, int), int>();
        foreach (var (a, b, c) in triangles)
        {
            var (ia, ib, ic) = (Id(a), Id(b), Id(c));
            Assert.True(ia != ib && ib != ic && ia != ic, "Degenerate triangle.");
            foreach (var edge in new[] { (ia, ib), (ib, ic), (ic, ia) })
            {
                directed[edge] = directed.GetValueOrDefault(edge) + 1;
            }
        }

        foreach (var ((from, to), count) in directed)
        {
            Assert.True(count == 1, $"Edge {from}->{to} is used {count} times in the same direction.");
            Assert.True(directed.ContainsKey((to, from)), $"Edge {from}->{to} has no twin: the mesh has a hole.");
        }
    }
}
