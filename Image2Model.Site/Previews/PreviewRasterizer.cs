using System.Buffers;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using SharpGLTF.Schema2;
using SharpGLTF.Validation;

namespace Image2Model.Site.Previews;

/// <summary>
/// Draws a GLB as a still picture: a 3/4 view from above and to the right, textured, lit by a key
/// and a fill light, with a depth buffer, on a transparent background. A small software rasterizer
/// rather than a GPU: the server has none, and a few tens of thousands of triangles at 512 px cost
/// a few milliseconds, spread over two cores where there are two.
/// </summary>
public static class PreviewRasterizer
{
    /// <summary>Degrees around the model from its front (+Z), then above its equator.</summary>
    private const float Azimuth = 35f;
    private const float Elevation = 22f;
    private const float FieldOfView = 30f;

    /// <summary>The model fills this share of the picture's width or height, whichever it meets first.</summary>
    private const float Fill = 0.86f;

    /// <summary>
    /// Renders at <paramref name="size"/> × <paramref name="size"/> pixels with
    /// <paramref name="supersampling"/>² samples per pixel, and returns the PNG. Throws when the
    /// bytes are not a GLB this code can read (for example a compression extension it lacks, or
    /// Draco when no <paramref name="draco"/> decoder is given).
    /// One sample by default: 2 × 2 smooths the outline but triples the drawing time, and the
    /// preview must stay a small part of a local conversion (bench/Image2Model.Bench.Results).
    /// </summary>
    public static byte[] RenderPng(byte[] glb, int size = 512, int supersampling = 1, PreviewStageTimes? times = null, Compressed.DracoDecoder? draco = null)
    {
        var clock = Stopwatch.GetTimestamp();
        var model = ModelRoot.ParseGLB(Compressed.CompressedGlb.Decompress(glb, draco), new ReadSettings { Validation = ValidationMode.Skip });
        PreviewStageTimes.Lap(ref clock, times, static (t, ms) => t.Parse += ms);
        var (meshes, textures) = Scene.Read(model);
        PreviewStageTimes.Lap(ref clock, times, static (t, ms) => t.Geometry += ms);
        if (meshes.Count == 0 || meshes.All(m => m.Indices.Length == 0))
        {
            throw new InvalidDataException("The model has no triangles to draw.");
        }

        var full = size * supersampling;
        var frame = new Frame(full);
        var projected = new List<ProjectedMesh>(meshes.Count);
        try
        {
            // The textures decode on one core while the other frames and projects the vertices.
            Camera camera = null!;
            var textureMs = 0.0;
            Run(2, job =>
            {
                if (job == 0)
                {
                    var started = Stopwatch.GetTimestamp();
                    Scene.DecodeTextures(textures);
                    textureMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                }
                else
                {
                    camera = Camera.Framing(meshes, full);
                    projected.AddRange(meshes.Select(mesh => ProjectedMesh.Of(mesh, camera)));
                }
            });
            times?.Texture += textureMs;
            PreviewStageTimes.Lap(ref clock, times, static (t, ms) => t.Prepare += ms);

            // Two horizontal bands, each drawn and compressed by its own core: PNG rows filtered
            // with "Sub" depend only on themselves, so the halves never wait for each other.
            var bands = size >= 64 && Environment.ProcessorCount > 1 ? 2 : 1;
            var parts = new PngWriter.Part[bands];
            var (drawMs, encodeMs) = (new double[bands], new double[bands]);
            Run(bands, band =>
            {
                var started = Stopwatch.GetTimestamp();
                var (top, bottom) = (band * size / bands, (band + 1) * size / bands);
                frame.Clear(top * supersampling, bottom * supersampling);
                foreach (var mesh in projected)
                {
                    Draw(mesh, camera, frame, top * supersampling, bottom * supersampling);
                }

                drawMs[band] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                started = Stopwatch.GetTimestamp();
                parts[band] = Encode(frame, size, supersampling, top, bottom, first: band == 0, last: band == bands - 1);
                encodeMs[band] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            });
            PreviewStageTimes.Lap(ref clock, times, static (t, ms) => t.Bands += ms);

            var png = PngWriter.Assemble(size, size, parts);
            times?.Draw += drawMs.Sum();
            times?.Encode += encodeMs.Sum() + Stopwatch.GetElapsedTime(clock).TotalMilliseconds;
            return png;
        }
        finally
        {
            frame.Return();
            foreach (var mesh in projected)
            {
                mesh.Return();
            }

            // Primitives may share a texture: hand each back to the pool once.
            foreach (var texture in meshes.Select(m => m.Texture).OfType<SceneTexture>().Distinct())
            {
                texture.Return();
            }
        }
    }

    /// <summary>
    /// Runs body(0) … body(count − 1), on several cores when they are free: the calling thread
    /// itself takes every job no other thread has started, so on a busy machine it does not wait
    /// for a thread to become free. Throws what a job threw.
    /// </summary>
    private static void Run(int count, Action<int> body)
    {
        try
        {
            Parallel.For(0, count, body);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count == 1)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
    }

    /// <summary>Sub-pixel precision of the coverage test: vertices snap to 1/16 pixel.</summary>
    private const int SubPixelBits = 4;
    private const int SubPixel = 1 << SubPixelBits;

    /// <summary>Draws the triangles of one mesh that touch sample rows <paramref name="top"/> to <paramref name="bottom"/> (exclusive).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Draw(ProjectedMesh projected, Camera camera, Frame frame, int top, int bottom)
    {
        // No sorting: the depth buffer decides what is in front, and with back faces culled
        // little is drawn twice, so ordering the triangles front to back costs more than it saves.
        var indices = projected.Mesh.Indices;
        var snapped = projected.Snapped;
        // Pixel row y has its centre at y + ½: the band's first and last centres in sub-pixels.
        var (firstCentre, lastCentre) = ((top * SubPixel) + (SubPixel / 2), ((bottom - 1) * SubPixel) + (SubPixel / 2));
        for (var t = 0; t + 2 < indices.Length; t += 3)
        {
            var (ia, ib, ic) = (indices[t], indices[t + 1], indices[t + 2]);
            var (ya, yb, yc) = (snapped[ia].Y, snapped[ib].Y, snapped[ic].Y);
            // Most triangles lie wholly in the other band: skip them before any set-up.
            if (Math.Max(ya, Math.Max(yb, yc)) < firstCentre || Math.Min(ya, Math.Min(yb, yc)) > lastCentre)
            {
                continue;
            }

            DrawTriangle(projected, camera, frame, ia, ib, ic, top, bottom);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DrawTriangle(ProjectedMesh projected, Camera camera, Frame frame, int ia, int ib, int ic, int top, int bottom)
    {
        var mesh = projected.Mesh;
        var (sa, sb, sc) = (projected.Snapped[ia], projected.Snapped[ib], projected.Snapped[ic]);
        if (!sa.Valid || !sb.Valid || !sc.Valid)
        {
            return;
        }

        // Coverage in fixed point, so that two triangles sharing an edge cover each pixel on it
        // exactly once (no cracks, nothing twice): the edge functions are exact integers, and a
        // pixel centre exactly on an edge belongs to the triangle on one chosen side of it.
        long x0 = sa.X, y0 = sa.Y, x1 = sb.X, y1 = sb.Y, x2 = sc.X, y2 = sc.Y;
        var fixedArea = ((x1 - x0) * (y2 - y0)) - ((y1 - y0) * (x2 - x0));
        // glTF: single-sided materials are not drawn from behind (half the work for a closed mesh);
        // double-sided ones show their inside lit with the normal flipped. Screen y runs down, so
        // a face turned to the camera winds the negative way.
        var front = fixedArea < 0;
        if ((!front && !mesh.DoubleSided) || fixedArea == 0)
        {
            return;
        }

        // The pixels whose centres (x + ½, y + ½) can be inside, clipped to the frame and the band.
        var minX = (int)Math.Max(0, CentreAtOrAfter(Math.Min(x0, Math.Min(x1, x2))));
        var maxX = (int)Math.Min(frame.Size - 1, CentreAtOrBefore(Math.Max(x0, Math.Max(x1, x2))));
        var minY = (int)Math.Max(top, CentreAtOrAfter(Math.Min(y0, Math.Min(y1, y2))));
        var maxY = (int)Math.Min(bottom - 1, CentreAtOrBefore(Math.Max(y0, Math.Max(y1, y2))));
        if (minX > maxX || minY > maxY)
        {
            return;
        }

        // Everything below in the snapped positions, so colours and depth agree with the coverage.
        var (pa, pb, pc) = (sa.ToPixels(), sb.ToPixels(), sc.ToPixels());
        if (front)
        {
            // One winding (positive area) for the coverage test; the colours and texture coordinates do not care.
            (x1, y1, x2, y2) = (x2, y2, x1, y1);
        }

        // Edge i is the one opposite vertex i; each is ≥ 0 inside. Values at the first pixel centre.
        var (px, py) = (((long)minX * SubPixel) + (SubPixel / 2), ((long)minY * SubPixel) + (SubPixel / 2));
        var e0Row = Edge(x1, y1, x2, y2, px, py);
        var e1Row = Edge(x2, y2, x0, y0, px, py);
        var e2Row = Edge(x0, y0, x1, y1, px, py);
        var (e0dx, e0dy) = (-(y2 - y1) * SubPixel, (x2 - x1) * SubPixel);
        var (e1dx, e1dy) = (-(y0 - y2) * SubPixel, (x0 - x2) * SubPixel);
        var (e2dx, e2dy) = (-(y1 - y0) * SubPixel, (x1 - x0) * SubPixel);

        Vector4 ca, cb, cc;
        if (front && projected.Lit is { } lit)
        {
            (ca, cb, cc) = (lit[ia], lit[ib], lit[ic]);
        }
        else
        {
            var facing = front ? 1f : -1f;
            ca = mesh.ColorOf(ia) * camera.Light(mesh.NormalOf(ia, ib, ic, 0) * facing);
            cb = mesh.ColorOf(ib) * camera.Light(mesh.NormalOf(ia, ib, ic, 1) * facing);
            cc = mesh.ColorOf(ic) * camera.Light(mesh.NormalOf(ia, ib, ic, 2) * facing);
        }

        // Texture coordinates in texels. Perspective-correct (u/z, v/z and 1/z are linear on the
        // screen, one division a pixel) unless the depth changes so little across the triangle
        // (relative change × size in pixels under ¼) that straight interpolation strays by less
        // than a tenth of a pixel, as for nearly every triangle of a model of tens of thousands;
        // 1/z is the depth either way.
        var texture = mesh.Texture;
        var scale = texture is null ? Vector2.Zero : new Vector2(texture.Width, texture.Height);
        var (za, zb, zc) = (1f / pa.Z, 1f / pb.Z, 1f / pc.Z);
        var (nearest, farthest) = (MathF.Min(pa.Z, MathF.Min(pb.Z, pc.Z)), MathF.Max(pa.Z, MathF.Max(pb.Z, pc.Z)));
        var extent = Math.Max(maxX - minX, maxY - minY) + 1;
        var affine = (farthest - nearest) * extent < 0.25f * nearest;
        var (uva, uvb, uvc) = (mesh.UvOf(ia) * scale, mesh.UvOf(ib) * scale, mesh.UvOf(ic) * scale);
        if (!affine)
        {
            (uva, uvb, uvc) = (uva * za, uvb * zb, uvc * zc);
        }

        var ta = new Vector4(uva.X, uva.Y, za, 0);
        var tb = new Vector4(uvb.X, uvb.Y, zb, 0);
        var tc = new Vector4(uvc.X, uvc.Y, zc, 0);

        // Barycentric weights as planes over the screen: w = w(0,0) + x·dx + y·dy.
        var inverseArea = SubPixel * SubPixel / (float)fixedArea;
        var (w0dx, w0dy) = (-(pc.Y - pb.Y) * inverseArea, (pc.X - pb.X) * inverseArea);
        var (w1dx, w1dy) = (-(pa.Y - pc.Y) * inverseArea, (pa.X - pc.X) * inverseArea);
        var (w2dx, w2dy) = (-w0dx - w1dx, -w0dy - w1dy);
        // Colours (0–1) come out 0–255 after multiplying by a texel (itself 0–255), so an
        // untextured mesh's colours are scaled up front instead.
        if (texture is null)
        {
            (ca, cb, cc) = (ca * 255f, cb * 255f, cc * 255f);
        }

        var colorDx = (w0dx * ca) + (w1dx * cb) + (w2dx * cc);
        var colorDy = (w0dy * ca) + (w1dy * cb) + (w2dy * cc);
        var texDx = (w0dx * ta) + (w1dx * tb) + (w2dx * tc);
        var texDy = (w0dy * ta) + (w1dy * tb) + (w2dy * tc);
        // The values at the first pixel centre, from vertex a (where the weights are 1, 0, 0):
        // close to the triangle, so steep planes of thin triangles keep their precision.
        var (ox, oy) = (minX + 0.5f - pa.X, minY + 0.5f - pa.Y);
        var colorRow = ca + (ox * colorDx) + (oy * colorDy);
        var texRow = ta + (ox * texDx) + (oy * texDy);

        var cutout = mesh.AlphaCutoff * 255f;
        var depth = frame.Depth;
        var pixels = frame.Color;
        var size = frame.Size;
        for (var y = minY; y <= maxY; y++, e0Row += e0dy, e1Row += e1dy, e2Row += e2dy, colorRow += colorDy, texRow += texDy)
        {
            var (e0, e1, e2) = (e0Row, e1Row, e2Row);
            var color = colorRow;
            var tex = texRow;
            var index = (y * size) + minX;
            var inside = false;
            for (var x = minX; x <= maxX; x++, index++, e0 += e0dx, e1 += e1dx, e2 += e2dx, color += colorDx, tex += texDx)
            {
                if ((e0 | e1 | e2) < 0)
                {
                    // A triangle is convex: once a row has left it, the rest of the row is outside.
                    if (inside)
                    {
                        break;
                    }

                    continue;
                }

                inside = true;
                var invZ = tex.Z;
                if (invZ <= depth[index])
                {
                    continue;
                }

                var shade = color;
                if (texture is not null)
                {
                    var (u, v) = (tex.X, tex.Y);
                    if (!affine)
                    {
                        var z = 1f / invZ;
                        (u, v) = (u * z, v * z);
                    }

                    var texel = texture.Texel(u, v);
                    if (texel.W < cutout)
                    {
                        continue;
                    }

                    shade *= texel;
                }

                depth[index] = invZ;
                pixels[index] = Pack(shade);
            }
        }
    }

    /// <summary>The first pixel whose centre (x + ½, in sub-pixels) lies at or after <paramref name="position"/>.</summary>
    private static long CentreAtOrAfter(long position) => (position + (SubPixel / 2) - 1) >> SubPixelBits;

    /// <summary>The last pixel whose centre lies at or before <paramref name="position"/>.</summary>
    private static long CentreAtOrBefore(long position) => (position - (SubPixel / 2)) >> SubPixelBits;

    /// <summary>
    /// Twice the signed area of (a, b, p), biased by one on edges that do not own their pixels:
    /// a pixel centre exactly on an edge shared by two triangles is drawn by exactly one of them
    /// (they run along it in opposite directions).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long Edge(long ax, long ay, long bx, long by, long px, long py)
    {
        var value = ((bx - ax) * (py - ay)) - ((by - ay) * (px - ax));
        var (dx, dy) = (bx - ax, by - ay);
        var owns = dy > 0 || (dy == 0 && dx < 0);
        return owns ? value : value - 1;
    }

    /// <summary>An opaque pixel from 0–255 channels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Pack(Vector4 c)
    {
        var v = Vector4.Clamp(c + new Vector4(0.5f), Vector4.Zero, new Vector4(255f));
        return (uint)v.X | ((uint)v.Y << 8) | ((uint)v.Z << 16) | 0xFF000000u;
    }

    /// <summary>Output rows <paramref name="top"/> to <paramref name="bottom"/> (exclusive), each block of samples averaged into one pixel, compressed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static PngWriter.Part Encode(Frame frame, int size, int supersampling, int top, int bottom, bool first, bool last)
    {
        if (supersampling == 1)
        {
            // One sample: every pixel is either opaque or empty, already straight RGBA.
            return PngWriter.Compress(frame.Color.AsSpan(top * size, (bottom - top) * size), size, bottom - top, first, last);
        }

        var rgba = ArrayPool<byte>.Shared.Rent((bottom - top) * size * 4);
        try
        {
            var samples = (uint)(supersampling * supersampling);
            var o = 0;
            for (var y = top; y < bottom; y++)
            {
                for (var x = 0; x < size; x++, o += 4)
                {
                    uint r = 0, g = 0, b = 0, a = 0;
                    for (var sy = 0; sy < supersampling; sy++)
                    {
                        var row = ((y * supersampling) + sy) * frame.Size;
                        for (var sx = 0; sx < supersampling; sx++)
                        {
                            // Background samples are 0 (transparent black), so colour sums are premultiplied.
                            var s = frame.Color[row + (x * supersampling) + sx];
                            r += s & 0xFF;
                            g += (s >> 8) & 0xFF;
                            b += (s >> 16) & 0xFF;
                            a += s >> 24;
                        }
                    }

                    if (a == 0)
                    {
                        rgba[o] = rgba[o + 1] = rgba[o + 2] = rgba[o + 3] = 0;
                        continue;
                    }

                    // PNG wants straight alpha: divide the premultiplied sums by the covered share.
                    var covered = a / 255;
                    rgba[o] = (byte)((r + (covered / 2)) / covered);
                    rgba[o + 1] = (byte)((g + (covered / 2)) / covered);
                    rgba[o + 2] = (byte)((b + (covered / 2)) / covered);
                    rgba[o + 3] = (byte)((a + (samples / 2)) / samples);
                }
            }

            return PngWriter.Compress(MemoryMarshal.Cast<byte, uint>(rgba.AsSpan(0, (bottom - top) * size * 4)), size, bottom - top, first, last);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rgba);
        }
    }

    /// <summary>Colour (cleared to transparent) and inverse depth (cleared to 0 = infinitely far).</summary>
    private sealed class Frame
    {
        public Frame(int size)
        {
            Size = size;
            Color = ArrayPool<uint>.Shared.Rent(size * size);
            Depth = ArrayPool<float>.Shared.Rent(size * size);
        }

        public int Size { get; }

        public uint[] Color { get; }

        public float[] Depth { get; }

        /// <summary>Clears rows <paramref name="top"/> to <paramref name="bottom"/> (exclusive); each band clears its own.</summary>
        public void Clear(int top, int bottom)
        {
            Array.Clear(Color, top * Size, (bottom - top) * Size);
            Array.Clear(Depth, top * Size, (bottom - top) * Size);
        }

        public void Return()
        {
            ArrayPool<uint>.Shared.Return(Color);
            ArrayPool<float>.Shared.Return(Depth);
        }
    }

    /// <summary>A mesh's vertices on the screen, and their lit colours for front faces, worked out once for both bands.</summary>
    private sealed class ProjectedMesh
    {
        private ProjectedMesh(SceneMesh mesh, SnappedPoint[] snapped, Vector4[]? lit) => (Mesh, Snapped, Lit) = (mesh, snapped, lit);

        public SceneMesh Mesh { get; }

        public SnappedPoint[] Snapped { get; }

        /// <summary>Null when the mesh has no normals (each triangle is then lit flat).</summary>
        public Vector4[]? Lit { get; }

        public static ProjectedMesh Of(SceneMesh mesh, Camera camera)
        {
            var count = mesh.Positions.Length;
            var snapped = ArrayPool<SnappedPoint>.Shared.Rent(count);
            for (var i = 0; i < count; i++)
            {
                snapped[i] = SnappedPoint.Of(camera.Project(mesh.Positions[i]));
            }

            Vector4[]? lit = null;
            if (mesh.Normals is { } normals)
            {
                lit = ArrayPool<Vector4>.Shared.Rent(count);
                for (var i = 0; i < count; i++)
                {
                    lit[i] = mesh.ColorOf(i) * camera.Light(normals[i]);
                }
            }

            return new ProjectedMesh(mesh, snapped, lit);
        }

        public void Return()
        {
            ArrayPool<SnappedPoint>.Shared.Return(Snapped);
            if (Lit is not null)
            {
                ArrayPool<Vector4>.Shared.Return(Lit);
            }
        }
    }

    /// <summary>A vertex on the screen, x and y in sub-pixels, z the distance along the view.</summary>
    private readonly record struct SnappedPoint(int X, int Y, float Z)
    {
        /// <summary>
        /// False behind the eye (impossible with our framing, but a stray vertex must not divide by
        /// zero) or absurdly far off the picture, where the edge functions could overflow.
        /// </summary>
        public bool Valid => Z > 0;

        public static SnappedPoint Of(Vector3 screen)
        {
            const float Limit = 1 << 20;
            return screen.Z > 0 && MathF.Abs(screen.X) < Limit && MathF.Abs(screen.Y) < Limit
                ? new SnappedPoint((int)MathF.Round(screen.X * SubPixel), (int)MathF.Round(screen.Y * SubPixel), screen.Z)
                : new SnappedPoint(0, 0, 0);
        }

        public Vector3 ToPixels() => new(X * (1f / SubPixel), Y * (1f / SubPixel), Z);
    }

    private sealed class Camera
    {
        private readonly Vector3 _eye;
        private readonly Vector3 _right;
        private readonly Vector3 _up;
        private readonly Vector3 _forward;
        private readonly Vector3 _key;
        private readonly Vector3 _fill;
        private float _scale = 1;
        private float _offsetX;
        private float _offsetY;

        private Camera(Vector3 eye, Vector3 target)
        {
            _eye = eye;
            _forward = Vector3.Normalize(target - eye);
            _right = Vector3.Normalize(Vector3.Cross(_forward, Vector3.UnitY));
            _up = Vector3.Cross(_right, _forward);
            // Lights are fixed to the camera, so every model is lit the same way: key from the upper
            // left behind the viewer, a weaker fill from the right.
            _key = Vector3.Normalize((-0.45f * _right) + (0.75f * _up) - (0.5f * _forward));
            _fill = Vector3.Normalize((0.8f * _right) + (0.1f * _up) - (0.6f * _forward));
        }

        /// <summary>Looks at the model's bounding box from the 3/4 view and scales it to fill the frame.</summary>
        public static Camera Framing(IReadOnlyList<SceneMesh> meshes, int size)
        {
            var min = new Vector3(float.MaxValue);
            var max = new Vector3(float.MinValue);
            foreach (var mesh in meshes)
            {
                foreach (var p in mesh.Positions)
                {
                    min = Vector3.Min(min, p);
                    max = Vector3.Max(max, p);
                }
            }

            var center = (min + max) / 2;
            var radius = MathF.Max((max - min).Length() / 2, 1e-6f);
            if (!float.IsFinite(radius) || !float.IsFinite(center.X + center.Y + center.Z))
            {
                throw new InvalidDataException("The model's coordinates are not finite numbers.");
            }

            var (az, el) = (Azimuth * MathF.PI / 180, Elevation * MathF.PI / 180);
            var direction = new Vector3(MathF.Sin(az) * MathF.Cos(el), MathF.Sin(el), MathF.Cos(az) * MathF.Cos(el));
            var distance = radius / MathF.Sin(FieldOfView * MathF.PI / 360);
            var camera = new Camera(center + (direction * distance), center);

            // Fit the projected outline (not the loose bounding sphere) to the frame.
            float left = float.MaxValue, right = float.MinValue, top = float.MaxValue, bottom = float.MinValue;
            foreach (var mesh in meshes)
            {
                foreach (var p in mesh.Positions)
                {
                    var s = camera.Project(p);
                    (left, right) = (MathF.Min(left, s.X), MathF.Max(right, s.X));
                    (top, bottom) = (MathF.Min(top, s.Y), MathF.Max(bottom, s.Y));
                }
            }

            var scale = Fill * size / MathF.Max(MathF.Max(right - left, bottom - top), 1e-9f);
            camera._scale = scale;
            camera._offsetX = (size / 2f) - (scale * (left + right) / 2);
            camera._offsetY = (size / 2f) - (scale * (top + bottom) / 2);
            return camera;
        }

        /// <summary>Screen x and y in pixels (y down), and the distance along the view direction.</summary>
        public Vector3 Project(Vector3 world)
        {
            var v = world - _eye;
            var z = Vector3.Dot(v, _forward);
            var x = Vector3.Dot(v, _right) / z;
            var y = -Vector3.Dot(v, _up) / z;
            return new Vector3(_offsetX + (_scale * x), _offsetY + (_scale * y), z);
        }

        public float Light(Vector3 normal) =>
            0.32f + (0.72f * MathF.Max(0, Vector3.Dot(normal, _key))) + (0.28f * MathF.Max(0, Vector3.Dot(normal, _fill)));
    }
}
