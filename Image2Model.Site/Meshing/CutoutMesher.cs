using System.Numerics;

namespace Image2Model.Site.Meshing;

/// <summary>
/// Meshes an inflated silhouette: the outline is traced through a square grid (marching squares on
/// the signed distance, so the rim follows the outline between pixels), every inside grid node is
/// lifted to the inflated height in front and mirrored behind. The front's rim and the back's rim
/// are two copies of the outline a hair apart, joined by a wall too thin to see, so the solid is
/// closed while the front can show the photo and the back a texture of its own (a vertex shared by
/// both would drag one side's texture across the other); the two copies share one normal, so the
/// rim shades without a seam. The grid spacing is searched so the
/// triangle count lands just under the budget; the last few triangles go to the rim by splitting
/// its longest edges.
/// </summary>
internal static class CutoutMesher
{
    /// <summary>Keeps rim points away from grid nodes so no triangle becomes a sliver.</summary>
    private const float MinCrossing = 0.1f;

    private const double GridShare = 0.8;

    /// <summary>How far behind the front's rim the back's rim lies (working pixels): far below a screen pixel.</summary>
    internal const float BackRimDrop = 0.05f;

    public static TriangleMesh Build(ShapeField field, int triangleBudget, float depthScale)
    {
        // A fifth of the triangles refine the rim, where the silhouette is judged and the surface bends most.
        var frontBudget = (int)(triangleBudget / 2 * GridShare);
        var spacing = FindSpacing(field, frontBudget);
        var mesh = Build(field, spacing, depthScale, out var rimEdges);
        var missing = triangleBudget / 2 * 2 - mesh.TriangleCount;
        // Front and back rims are split together, 4 triangles at a time; an odd pair left over
        // goes to one of the wall's (invisible) upright edges.
        missing -= mesh.SplitEdgePairs(rimEdges, missing, (a, b) => OntoOutline(field, a, b), p => p with { Z = -BackRimDrop });
        if (missing >= 2 && rimEdges.Count > 0)
        {
            var (front, _, back, _) = rimEdges[0];
            mesh.SplitEdges([(back, front)], 1, (a, b) => (a + b) * 0.5f);
        }
        return mesh;
    }

    /// <summary>Nudges a point on a rim chord back onto the outline (one Newton step on the distance).</summary>
    private static Vector3 OntoOutline(ShapeField field, Vector3 a, Vector3 b)
    {
        const float h = 0.5f;
        var p = (a + b) * 0.5f;
        var d = field.SampleSignedDistance(p.X, p.Y);
        var gx = (field.SampleSignedDistance(p.X + h, p.Y) - field.SampleSignedDistance(p.X - h, p.Y)) / (2 * h);
        var gy = (field.SampleSignedDistance(p.X, p.Y + h) - field.SampleSignedDistance(p.X, p.Y - h)) / (2 * h);
        var g2 = gx * gx + gy * gy;
        // Move at most a quarter of the chord so the neighbouring triangles cannot fold over.
        var limit = 0.25f * Vector3.Distance(a, b);
        if (g2 < 0.25f || MathF.Abs(d) > 2f) return p with { Z = 0 };
        var move = new Vector2(-d * gx / g2, -d * gy / g2);
        if (move.Length() > limit) move *= limit / move.Length();
        return new Vector3(p.X + move.X, p.Y + move.Y, 0);
    }

    /// <summary>The grid spacing a budget will roughly give (a full cell holds two front triangles).</summary>
    public static double EstimateSpacing(int area, int triangleBudget) => Math.Sqrt(area / Math.Max(1.0, triangleBudget / 2 * GridShare / 2.0));

    private static double FindSpacing(ShapeField field, int frontBudget)
    {
        // Start from the area and bisect on the exact count.
        var guess = Math.Sqrt(field.Area / Math.Max(1.0, frontBudget / 2.0));
        double lo = guess * 0.5, hi = guess * 2.5;
        while (Count(field, hi) > frontBudget) hi *= 2;
        while (lo > 0.05 && Count(field, lo) <= frontBudget) lo *= 0.5;
        var best = hi;
        var bestCount = Count(field, hi);
        for (var iteration = 0; iteration < 24; iteration++)
        {
            var mid = 0.5 * (lo + hi);
            var count = Count(field, mid);
            if (count <= frontBudget)
            {
                hi = mid;
                if (count > bestCount)
                {
                    best = mid;
                    bestCount = count;
                }
            }
            else
            {
                lo = mid;
            }
            if (bestCount >= frontBudget * 0.985) break;
        }
        return best;
    }

    private readonly record struct Grid(double X0, double Y0, double Spacing, int Nx, int Ny);

    private static Grid Layout(ShapeField field, double spacing)
    {
        // Nodes start outside the shape's box so the outermost nodes are always outside.
        double minX = field.BoxX0 - 0.5 * spacing, minY = field.BoxY0 - 0.5 * spacing;
        var nx = (int)Math.Ceiling((field.BoxWidth + spacing) / spacing) + 1;
        var ny = (int)Math.Ceiling((field.BoxHeight + spacing) / spacing) + 1;
        return new Grid(minX, minY, spacing, nx, ny);
    }

    private static float[] NodeValues(ShapeField field, Grid g)
    {
        var values = new float[(g.Nx + 1) * (g.Ny + 1)];
        Parallel.For(0, g.Ny + 1, j =>
        {
            var y = g.Y0 + j * g.Spacing;
            for (var i = 0; i <= g.Nx; i++)
            {
                values[j * (g.Nx + 1) + i] = field.SampleSignedDistance(g.X0 + i * g.Spacing, y);
            }
        });
        return values;
    }

    /// <summary>
    /// Deep inside the shape the surface is nearly flat, so 2x2 blocks of cells whose nodes all lie
    /// more than <see cref="CoarseDepth"/> cells from the outline become one coarse cell. The
    /// budget then buys a finer grid, which lands where the surface bends: at the rim.
    /// </summary>
    private sealed class Blocks(Grid g, float[] phi)
    {
        private readonly int _bw = g.Nx / 2;
        private readonly bool[] _coarse = Mark(g, phi);

        public bool IsCoarse(int bi, int bj) => bi >= 0 && bj >= 0 && bi < _bw && bj < g.Ny / 2 && _coarse[bj * _bw + bi];

        public bool CellIsCoarse(int i, int j) => IsCoarse(i >> 1, j >> 1);

        /// <summary>Which block edges (top, right, bottom, left) border a fine neighbour and so need their midpoint.</summary>
        public (bool Top, bool Right, bool Bottom, bool Left) Midpoints(int bi, int bj) =>
            (!IsCoarse(bi, bj - 1), !IsCoarse(bi + 1, bj), !IsCoarse(bi, bj + 1), !IsCoarse(bi - 1, bj));

        private static bool[] Mark(Grid g, float[] phi)
        {
            int bw = g.Nx / 2, bh = g.Ny / 2, stride = g.Nx + 1;
            var coarse = new bool[bw * bh];
            var depth = (float)(CoarseDepth * g.Spacing);
            for (var bj = 0; bj < bh; bj++)
            {
                for (var bi = 0; bi < bw; bi++)
                {
                    var deep = true;
                    for (var dj = 0; dj <= 2 && deep; dj++)
                    {
                        for (var di = 0; di <= 2; di++)
                        {
                            if (phi[(2 * bj + dj) * stride + 2 * bi + di] <= depth) { deep = false; break; }
                        }
                    }
                    coarse[bj * bw + bi] = deep;
                }
            }
            return coarse;
        }
    }

    private const double CoarseDepth = 1.5;

    /// <summary>Front triangles the grid at this spacing would make, plus its rim edges (each one wall quad).</summary>
    private static int Count(ShapeField field, double spacing)
    {
        var g = Layout(field, spacing);
        var phi = NodeValues(field, g);
        var blocks = new Blocks(g, phi);
        var stride = g.Nx + 1;
        var total = 0;
        for (var bj = 0; bj < g.Ny / 2; bj++)
        {
            for (var bi = 0; bi < g.Nx / 2; bi++)
            {
                if (!blocks.IsCoarse(bi, bj)) continue;
                var (t, r, b, l) = blocks.Midpoints(bi, bj);
                var extra = (t ? 1 : 0) + (r ? 1 : 0) + (b ? 1 : 0) + (l ? 1 : 0);
                total += extra == 0 ? 2 : 4 + extra;
            }
        }
        for (var j = 0; j < g.Ny; j++)
        {
            for (var i = 0; i < g.Nx; i++)
            {
                if (blocks.CellIsCoarse(i, j)) continue;
                var k = j * stride + i;
                float a = phi[k], b = phi[k + 1], c = phi[k + stride + 1], d = phi[k + stride];
                var inside = (a > 0 ? 1 : 0) + (b > 0 ? 1 : 0) + (c > 0 ? 1 : 0) + (d > 0 ? 1 : 0);
                total += inside switch
                {
                    0 => 0,
                    1 => 1 + 1,
                    3 => 3 + 1,
                    4 => 2,
                    _ => (a > 0) == (c > 0) ? (a + b + c + d > 0 ? 4 + 2 : 2 + 2) : 2 + 1,
                };
            }
        }
        return total;
    }

    private static TriangleMesh Build(ShapeField field, double spacing, float depthScale, out List<(int Front, int FrontNext, int Back, int BackNext)> rimEdges)
    {
        var g = Layout(field, spacing);
        var phi = NodeValues(field, g);
        var stride = g.Nx + 1;
        var mesh = new TriangleMesh();
        var front = new int[phi.Length];
        var back = new int[phi.Length];
        Array.Fill(front, -1);
        var horizontal = new int[g.Nx * (g.Ny + 1)];
        var vertical = new int[(g.Nx + 1) * g.Ny];
        Array.Fill(horizontal, -1);
        Array.Fill(vertical, -1);
        var rims = new List<(int, int, int, int)>();
        rimEdges = rims;

        Span<int> frontRing = stackalloc int[6];
        Span<int> backRing = stackalloc int[6];
        Span<bool> isCorner = stackalloc bool[6];
        Span<int> corner = stackalloc int[4];
        Span<bool> inside = stackalloc bool[4];
        var blocks = new Blocks(g, phi);
        Span<int> blockRing = stackalloc int[8];
        for (var bj = 0; bj < g.Ny / 2; bj++)
        {
            for (var bi = 0; bi < g.Nx / 2; bi++)
            {
                if (!blocks.IsCoarse(bi, bj)) continue;
                var (top, right, bottom, left) = blocks.Midpoints(bi, bj);
                var k = 2 * bj * stride + 2 * bi;
                // Clockwise on screen, like the fine cells' rings.
                var n = 0;
                blockRing[n++] = k;
                if (top) blockRing[n++] = k + 1;
                blockRing[n++] = k + 2;
                if (right) blockRing[n++] = k + stride + 2;
                blockRing[n++] = k + 2 * stride + 2;
                if (bottom) blockRing[n++] = k + 2 * stride + 1;
                blockRing[n++] = k + 2 * stride;
                if (left) blockRing[n++] = k + stride;
                if (n == 4)
                {
                    EmitNodes(blockRing[0], blockRing[1], blockRing[2]);
                    EmitNodes(blockRing[0], blockRing[2], blockRing[3]);
                    continue;
                }
                // Midpoints are collinear with corners: fan from the block's centre node instead.
                var centre = k + stride + 1;
                for (var t = 0; t < n; t++) EmitNodes(centre, blockRing[t], blockRing[(t + 1) % n]);
            }
        }

        for (var j = 0; j < g.Ny; j++)
        {
            for (var i = 0; i < g.Nx; i++)
            {
                if (blocks.CellIsCoarse(i, j)) continue;
                var k = j * stride + i;
                corner[0] = k;
                corner[1] = k + 1;
                corner[2] = k + stride + 1;
                corner[3] = k + stride;
                var count = 0;
                for (var c = 0; c < 4; c++)
                {
                    inside[c] = phi[corner[c]] > 0;
                    if (inside[c]) count++;
                }
                if (count == 0) continue;

                var n = 0;
                for (var c = 0; c < 4; c++)
                {
                    if (inside[c])
                    {
                        var (f, b) = Node(corner[c]);
                        frontRing[n] = f;
                        backRing[n] = b;
                        isCorner[n++] = true;
                    }
                    var next = (c + 1) & 3;
                    if (inside[c] != inside[next])
                    {
                        var r = Crossing(i, j, c);
                        frontRing[n] = r;
                        backRing[n] = r + 1;
                        isCorner[n++] = false;
                    }
                }

                var saddle = count == 2 && inside[0] == inside[2];
                if (saddle && phi[corner[0]] + phi[corner[1]] + phi[corner[2]] + phi[corner[3]] <= 0)
                {
                    // Two separate tips of the shape pass through this cell: one triangle each.
                    // The ring is [corner, crossing, crossing, corner, crossing, crossing] or rotated.
                    var start = isCorner[0] ? 0 : 1;
                    for (var t = 0; t < 2; t++)
                    {
                        var c0 = (start + 3 * t) % 6;
                        int p = (c0 + 5) % 6, q = (c0 + 1) % 6;
                        Emit(frontRing[p], frontRing[c0], frontRing[q], backRing[p], backRing[c0], backRing[q]);
                        // The tip's rim edge closes its ring, q back to p.
                        Wall(frontRing[q], frontRing[p], backRing[q], backRing[p]);
                    }
                    continue;
                }

                // Fan from a grid node so no diagonal joins two rim points.
                var s0 = 0;
                while (!isCorner[s0]) s0++;
                for (var t = 1; t < n - 1; t++)
                {
                    int a = s0, b = (s0 + t) % n, c = (s0 + t + 1) % n;
                    Emit(frontRing[a], frontRing[b], frontRing[c], backRing[a], backRing[b], backRing[c]);
                }

                Walls(frontRing, backRing, isCorner, n);
            }
        }
        return mesh;

        // Joins the front's rim to the back's along every rim edge of the cell just emitted.
        void Walls(ReadOnlySpan<int> frontRing, ReadOnlySpan<int> backRing, ReadOnlySpan<bool> isCorner, int n)
        {
            for (var t = 0; t < n; t++)
            {
                var next = (t + 1) % n;
                if (isCorner[t] || isCorner[next]) continue;
                Wall(frontRing[t], frontRing[next], backRing[t], backRing[next]);
            }
        }

        // Front triangles hold the ring's edges reversed and back ones as they are; the wall holds each the other way.
        void Wall(int f0, int f1, int b0, int b1)
        {
            mesh.AddTriangle(f0, f1, b1);
            mesh.AddTriangle(f0, b1, b0);
            rims.Add((f0, f1, b0, b1));
        }

        // The ring runs clockwise on screen (y down); the front must turn counter-clockwise once
        // y is flipped up, so front triangles are emitted reversed and back ones as they are.
        void Emit(int fa, int fb, int fc, int ba, int bb, int bc)
        {
            mesh.AddTriangle(fa, fc, fb);
            mesh.AddTriangle(ba, bb, bc);
        }

        void EmitNodes(int a, int b, int c)
        {
            var (fa, ba) = Node(a);
            var (fb, bb) = Node(b);
            var (fc, bc) = Node(c);
            Emit(fa, fb, fc, ba, bb, bc);
        }

        (int Front, int Back) Node(int index)
        {
            if (front[index] < 0)
            {
                int i = index % stride, j = index / stride;
                var x = (float)(g.X0 + i * g.Spacing);
                var y = (float)(g.Y0 + j * g.Spacing);
                // The distance term keeps inside nodes off the rim plane; the cap keeps it under the profile's.
                var z = MathF.Max(field.SampleBulge(x, y), MathF.Min(0.25f * phi[index], 0.5f * field.Cap)) * depthScale;
                z = MathF.Max(z, 1e-3f);
                front[index] = mesh.AddVertex(new Vector3(x, y, z));
                back[index] = mesh.AddVertex(new Vector3(x, y, -z), onBack: true);
            }
            return (front[index], back[index]);
        }

        int Crossing(int i, int j, int side)
        {
            // side 0: top edge, 1: right edge, 2: bottom edge, 3: left edge of cell (i, j).
            int slot, a, b;
            switch (side)
            {
                case 0: slot = j * g.Nx + i; a = j * stride + i; b = a + 1; break;
                case 2: slot = (j + 1) * g.Nx + i; a = (j + 1) * stride + i; b = a + 1; break;
                case 1: slot = j * stride + i + 1; a = j * stride + i + 1; b = a + stride; break;
                default: slot = j * stride + i; a = j * stride + i; b = a + stride; break;
            }
            var table = side is 0 or 2 ? horizontal : vertical;
            if (table[slot] >= 0) return table[slot];
            var t = Math.Clamp(phi[a] / (phi[a] - phi[b]), MinCrossing, 1 - MinCrossing);
            int ai = a % stride, aj = a / stride, bi = b % stride, bj = b / stride;
            var x = (float)(g.X0 + (ai + (bi - ai) * t) * g.Spacing);
            var y = (float)(g.Y0 + (aj + (bj - aj) * t) * g.Spacing);
            // The back's copy always directly follows the front's; the two shade as one surface.
            table[slot] = mesh.AddVertex(new Vector3(x, y, 0));
            var copy = mesh.AddVertex(new Vector3(x, y, -BackRimDrop), onBack: true);
            mesh.SharedNormals.Add((table[slot], copy));
            return table[slot];
        }
    }
}
