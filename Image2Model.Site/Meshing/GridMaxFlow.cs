using System.Runtime.CompilerServices;

namespace Image2Model.Site.Meshing;

/// <summary>
/// Boykov–Kolmogorov max-flow / min-cut on an 8-connected pixel grid ("An Experimental Comparison
/// of Min-Cut/Max-Flow Algorithms for Energy Minimization in Vision", 2004): two search trees grow
/// from the source and the sink, a path found between them is augmented, and the orphans the
/// augmentation leaves are re-adopted. The trees are reused between augmentations, which is what
/// makes it fast on grids. Integer capacities keep the saturation tests exact.
/// </summary>
/// <remarks>
/// The grid is padded by one pixel on every side: arcs into the padding have no capacity, so no
/// bounds test is needed in the inner loops. Pixels that are not part of the problem (outside a
/// band being refined) simply get no capacities and are never reached.
/// </remarks>
internal sealed class GridMaxFlow : IDisposable
{
    private const int None = -1;
    private const int Terminal = -2;
    private const int Orphan = -3;
    private const int Infinite = int.MaxValue;

    private readonly int _w;
    private readonly int _stride;
    private readonly int _n;
    private readonly int[] _offset = new int[8];
    private readonly int[] _cap;
    private readonly int[] _trCap;
    private readonly int[] _parent;
    private readonly int[] _next;
    private readonly int[] _ts;
    private readonly int[] _dist;
    private readonly bool[] _sink;
    private readonly int[] _orphans;
    private int _orphanHead;
    private int _orphanTail;
    private int _activeHead = None;
    private int _activeTail = None;
    private int _time;

    public GridMaxFlow(int width, int height)
    {
        _w = width;
        _stride = width + 2;
        var n = _stride * (height + 2);
        // Directions ordered so that the opposite of k is 7 - k.
        int[] dx = [-1, 0, 1, -1, 1, -1, 0, 1], dy = [-1, -1, -1, 0, 0, 1, 1, 1];
        for (var k = 0; k < 8; k++) _offset[k] = dy[k] * _stride + dx[k];
        _n = n;
        // Pooled: the band re-cut's graph at working size is ~13 MB, fresh on every conversion it
        // cost page faults and gen-2 collections. Only the capacities need clearing; Solve sets the rest.
        var pool = System.Buffers.ArrayPool<int>.Shared;
        _cap = pool.Rent(n * 8);
        Array.Clear(_cap, 0, n * 8);
        _trCap = pool.Rent(n);
        Array.Clear(_trCap, 0, n);
        _parent = pool.Rent(n);
        _next = pool.Rent(n);
        _ts = pool.Rent(n);
        _dist = pool.Rent(n);
        _sink = System.Buffers.ArrayPool<bool>.Shared.Rent(n);
        _orphans = pool.Rent(n);
    }

    /// <summary>Gives the pooled arrays back; the graph must not be used afterwards.</summary>
    public void Dispose()
    {
        var pool = System.Buffers.ArrayPool<int>.Shared;
        pool.Return(_cap);
        pool.Return(_trCap);
        pool.Return(_parent);
        pool.Return(_next);
        pool.Return(_ts);
        pool.Return(_dist);
        pool.Return(_orphans);
        System.Buffers.ArrayPool<bool>.Shared.Return(_sink);
    }

    public static int Opposite(int k) => 7 - k;

    /// <summary>The direction index of a neighbour offset (dx, dy), each in -1..1, not both 0.</summary>
    public static int Direction(int dx, int dy) => (dy + 1) * 3 + (dx + 1) - ((dy + 1) * 3 + (dx + 1) > 4 ? 1 : 0);

    private int Node(int x, int y) => (y + 1) * _stride + x + 1;

    /// <summary>Terminal weights: the cost of labelling the pixel background (<paramref name="source"/>) or object (<paramref name="sink"/>).</summary>
    public void SetTerminal(int x, int y, int source, int sink) => _trCap[Node(x, y)] += source - sink;

    /// <summary>Smoothness weight between a pixel and its neighbour in direction <paramref name="k"/>, both ways.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SetEdge(int x, int y, int k, int weight)
    {
        var p = Node(x, y);
        var q = p + _offset[k];
        _cap[p * 8 + k] = weight;
        _cap[q * 8 + 7 - k] = weight;
    }

    /// <summary>True when the pixel ends on the source side of the minimum cut (the object).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsSource(int x, int y)
    {
        var p = Node(x, y);
        return _parent[p] != None && !_sink[p];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public long Solve()
    {
        var n = _n;
        long flow = 0;
        for (var i = 0; i < n; i++)
        {
            _next[i] = None;
            _ts[i] = 0;
            _dist[i] = 0;
            if (_trCap[i] > 0)
            {
                _sink[i] = false;
                _parent[i] = Terminal;
                SetActive(i);
                _dist[i] = 1;
            }
            else if (_trCap[i] < 0)
            {
                _sink[i] = true;
                _parent[i] = Terminal;
                SetActive(i);
                _dist[i] = 1;
            }
            else
            {
                _parent[i] = None;
            }
        }

        var current = None;
        while (true)
        {
            var i = current;
            if (i != None)
            {
                _next[i] = None;
                if (_parent[i] == None) i = None;
            }
            if (i == None)
            {
                i = NextActive();
                if (i == None) break;
            }

            var middle = None;
            if (!_sink[i])
            {
                for (var k = 0; k < 8; k++)
                {
                    var a = i * 8 + k;
                    if (_cap[a] == 0) continue;
                    var j = i + _offset[k];
                    if (_parent[j] == None)
                    {
                        _sink[j] = false;
                        _parent[j] = j * 8 + 7 - k;
                        _ts[j] = _ts[i];
                        _dist[j] = _dist[i] + 1;
                        SetActive(j);
                    }
                    else if (_sink[j])
                    {
                        middle = a;
                        break;
                    }
                    else if (_ts[j] <= _ts[i] && _dist[j] > _dist[i])
                    {
                        _parent[j] = j * 8 + 7 - k;
                        _ts[j] = _ts[i];
                        _dist[j] = _dist[i] + 1;
                    }
                }
            }
            else
            {
                for (var k = 0; k < 8; k++)
                {
                    var j = i + _offset[k];
                    var sister = j * 8 + 7 - k;
                    if (_cap[sister] == 0) continue;
                    if (_parent[j] == None)
                    {
                        _sink[j] = true;
                        _parent[j] = sister;
                        _ts[j] = _ts[i];
                        _dist[j] = _dist[i] + 1;
                        SetActive(j);
                    }
                    else if (!_sink[j])
                    {
                        middle = sister;
                        break;
                    }
                    else if (_ts[j] <= _ts[i] && _dist[j] > _dist[i])
                    {
                        _parent[j] = sister;
                        _ts[j] = _ts[i];
                        _dist[j] = _dist[i] + 1;
                    }
                }
            }

            _time++;
            if (middle != None)
            {
                _next[i] = i;
                current = i;
                flow += Augment(middle);
                while (_orphanHead != _orphanTail)
                {
                    var o = _orphans[_orphanHead++];
                    if (_orphanHead == _orphans.Length) _orphanHead = 0;
                    if (_sink[o]) AdoptSinkOrphan(o);
                    else AdoptSourceOrphan(o);
                }
            }
            else
            {
                current = None;
            }
        }
        return flow;
    }

    private int Head(int arc) => arc / 8 + _offset[arc & 7];

    private static int Sister(int arc, int head) => head * 8 + 7 - (arc & 7);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private long Augment(int middle)
    {
        // middle runs from a source-tree node to a sink-tree node.
        var from = middle / 8;
        var to = Head(middle);
        var bottleneck = _cap[middle];
        int i, a;
        for (i = from; (a = _parent[i]) != Terminal; i = Head(a))
        {
            var s = _cap[Sister(a, Head(a))];
            if (s < bottleneck) bottleneck = s;
        }
        if (_trCap[i] < bottleneck) bottleneck = _trCap[i];
        for (i = to; (a = _parent[i]) != Terminal; i = Head(a))
        {
            if (_cap[a] < bottleneck) bottleneck = _cap[a];
        }
        if (-_trCap[i] < bottleneck) bottleneck = -_trCap[i];

        _cap[Sister(middle, to)] += bottleneck;
        _cap[middle] -= bottleneck;
        for (i = from; (a = _parent[i]) != Terminal; )
        {
            var head = Head(a);
            var sister = Sister(a, head);
            _cap[a] += bottleneck;
            _cap[sister] -= bottleneck;
            if (_cap[sister] == 0) MakeOrphan(i);
            i = head;
        }
        _trCap[i] -= bottleneck;
        if (_trCap[i] == 0) MakeOrphan(i);
        for (i = to; (a = _parent[i]) != Terminal; )
        {
            var head = Head(a);
            _cap[Sister(a, head)] += bottleneck;
            _cap[a] -= bottleneck;
            if (_cap[a] == 0) MakeOrphan(i);
            i = head;
        }
        _trCap[i] += bottleneck;
        if (_trCap[i] == 0) MakeOrphan(i);
        return bottleneck;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void MakeOrphan(int i)
    {
        _parent[i] = Orphan;
        _orphans[_orphanTail++] = i;
        if (_orphanTail == _orphans.Length) _orphanTail = 0;
    }

    private void AdoptSourceOrphan(int i) => Adopt(i, sinkTree: false);

    private void AdoptSinkOrphan(int i) => Adopt(i, sinkTree: true);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Adopt(int i, bool sinkTree)
    {
        var bestArc = None;
        var bestDist = Infinite;
        for (var k = 0; k < 8; k++)
        {
            var a0 = i * 8 + k;
            var j0 = i + _offset[k];
            // Source tree: flow comes from j into i, so the arc j -> i needs room; sink tree: i -> j.
            var room = sinkTree ? _cap[a0] : _cap[j0 * 8 + 7 - k];
            if (room == 0) continue;
            if (_sink[j0] != sinkTree || _parent[j0] == None) continue;
            var j = j0;
            var d = 0;
            while (true)
            {
                if (_ts[j] == _time)
                {
                    d += _dist[j];
                    break;
                }
                var a = _parent[j];
                d++;
                if (a == Terminal)
                {
                    _ts[j] = _time;
                    _dist[j] = 1;
                    break;
                }
                if (a == Orphan)
                {
                    d = Infinite;
                    break;
                }
                j = Head(a);
            }
            if (d == Infinite) continue;
            if (d < bestDist)
            {
                bestArc = a0;
                bestDist = d;
            }
            for (j = j0; _ts[j] != _time; j = Head(_parent[j]))
            {
                _ts[j] = _time;
                _dist[j] = d--;
            }
        }

        if (bestArc != None)
        {
            _parent[i] = bestArc;
            _ts[i] = _time;
            _dist[i] = bestDist + 1;
            return;
        }

        for (var k = 0; k < 8; k++)
        {
            var a0 = i * 8 + k;
            var j = i + _offset[k];
            if (_sink[j] != sinkTree) continue;
            var a = _parent[j];
            if (a == None) continue;
            var room = sinkTree ? _cap[a0] : _cap[j * 8 + 7 - k];
            if (room > 0) SetActive(j);
            if (a != Terminal && a != Orphan && Head(a) == i) MakeOrphan(j);
        }
        _parent[i] = None;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SetActive(int i)
    {
        if (_next[i] != None) return;
        if (_activeTail == None) _activeHead = i;
        else _next[_activeTail] = i;
        _activeTail = i;
        // The last node points at itself so "in the list" is always next != None.
        _next[i] = i;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int NextActive()
    {
        while (_activeHead != None)
        {
            var i = _activeHead;
            var following = _next[i];
            if (following == i)
            {
                _activeHead = None;
                _activeTail = None;
            }
            else
            {
                _activeHead = following;
            }
            _next[i] = None;
            if (_parent[i] != None) return i;
        }
        return None;
    }
}
