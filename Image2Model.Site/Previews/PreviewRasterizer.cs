using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SharpGLTF.Schema2;
using SharpGLTF.Validation;

namespace Image2Model.Site.Previews;

/// <summary>
/// Draws a GLB as a still picture: a 3/4 view from above and to the right, textured, lit by a key
/// and a fill light, with a depth buffer, on a transparent background. A small software rasterizer
/// rather than a GPU: the server has none, and a few tens of thousands of triangles at 512 px cost
/// a few milliseconds on one core.
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
    /// bytes are not a GLB this code can read (for example a compression extension it lacks).
    /// One sample by default: 2 × 2 smooths the outline but triples the drawing time, and the
    /// preview must stay a small part of a local conversion (bench/Image2Model.Bench.Results).
    /// </summary>
    public static byte[] RenderPng(byte[] glb, int size = 512, int supersampling = 1)
    {
        var model = ModelRoot.ParseGLB(glb, new ReadSettings { Validation = ValidationMode.Skip });
        var meshes = Scene.Read(model);
        if (meshes.Count == 0 || meshes.All(m => m.Indices.Length == 0))
        {
            throw new InvalidDataException("The model has no triangles to draw.");
        }

        var full = size * supersampling;
        var frame = new Frame(full);
        try
        {
            var camera = Camera.Framing(meshes, full);
            foreach (var mesh in meshes)
            {
                Draw(mesh, camera, frame);
            }

            return Encode(frame, size, supersampling);
        }
        finally
        {
            frame.Return();
            // Primitives may share a texture: hand each back to the pool once.
            foreach (var texture in meshes.Select(m => m.Texture).OfType<SceneTexture>().Distinct())
            {
                texture.Return();
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Draw(SceneMesh mesh, Camera camera, Frame frame)
    {
        var count = mesh.Positions.Length;
        var screen = ArrayPool<Vector3>.Shared.Rent(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                screen[i] = camera.Project(mesh.Positions[i]);
            }

            // Nearest triangles first: what lies behind them then fails the depth test before it is shaded.
            var indices = mesh.Indices;
            var triangles = indices.Length / 3;
            var order = ArrayPool<int>.Shared.Rent(triangles);
            var distance = ArrayPool<float>.Shared.Rent(triangles);
            for (var t = 0; t < triangles; t++)
            {
                order[t] = t;
                distance[t] = screen[indices[3 * t]].Z + screen[indices[(3 * t) + 1]].Z + screen[indices[(3 * t) + 2]].Z;
            }

            Array.Sort(distance, order, 0, triangles);
            for (var i = 0; i < triangles; i++)
            {
                var t = 3 * order[i];
                DrawTriangle(mesh, camera, frame, screen, indices[t], indices[t + 1], indices[t + 2]);
            }

            ArrayPool<int>.Shared.Return(order);
            ArrayPool<float>.Shared.Return(distance);
        }
        finally
        {
            ArrayPool<Vector3>.Shared.Return(screen);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DrawTriangle(SceneMesh mesh, Camera camera, Frame frame, Vector3[] screen, int ia, int ib, int ic)
    {
        var (pa, pb, pc) = (screen[ia], screen[ib], screen[ic]);
        // Behind the eye (cannot happen with our framing, but a stray vertex must not divide by zero).
        if (pa.Z <= 0 || pb.Z <= 0 || pc.Z <= 0)
        {
            return;
        }

        var area = ((pb.X - pa.X) * (pc.Y - pa.Y)) - ((pb.Y - pa.Y) * (pc.X - pa.X));
        if (MathF.Abs(area) < 1e-6f)
        {
            return;
        }

        var size = frame.Size;
        var minY = Math.Max(0, (int)MathF.Ceiling(MathF.Min(pa.Y, MathF.Min(pb.Y, pc.Y)) - 0.5f));
        var maxY = Math.Min(size - 1, (int)MathF.Floor(MathF.Max(pa.Y, MathF.Max(pb.Y, pc.Y)) - 0.5f));
        var minX = Math.Max(0, (int)MathF.Ceiling(MathF.Min(pa.X, MathF.Min(pb.X, pc.X)) - 0.5f));
        var maxX = Math.Min(size - 1, (int)MathF.Floor(MathF.Max(pa.X, MathF.Max(pb.X, pc.X)) - 0.5f));
        if (minX > maxX || minY > maxY)
        {
            return;
        }

        // glTF: single-sided materials are not drawn from behind (half the work for a closed mesh);
        // double-sided ones show their inside lit with the normal flipped.
        var facing = area < 0 ? 1f : -1f;
        if (facing < 0 && !mesh.DoubleSided)
        {
            return;
        }

        var ca = mesh.ColorOf(ia) * camera.Light(mesh.NormalOf(ia, ib, ic, 0) * facing);
        var cb = mesh.ColorOf(ib) * camera.Light(mesh.NormalOf(ia, ib, ic, 1) * facing);
        var cc = mesh.ColorOf(ic) * camera.Light(mesh.NormalOf(ia, ib, ic, 2) * facing);

        // Perspective-correct texture coordinates: u/z, v/z and 1/z are linear in screen space.
        var (za, zb, zc) = (1f / pa.Z, 1f / pb.Z, 1f / pc.Z);
        var (uva, uvb, uvc) = (mesh.UvOf(ia) * za, mesh.UvOf(ib) * zb, mesh.UvOf(ic) * zc);
        var ta = new Vector4(uva.X, uva.Y, za, 0);
        var tb = new Vector4(uvb.X, uvb.Y, zb, 0);
        var tc = new Vector4(uvc.X, uvc.Y, zc, 0);

        // Barycentric weights as planes over the screen: w = w(0,0) + x·dx + y·dy.
        var inverseArea = 1f / area;
        var (w0dx, w0dy) = (-(pc.Y - pb.Y) * inverseArea, (pc.X - pb.X) * inverseArea);
        var (w1dx, w1dy) = (-(pa.Y - pc.Y) * inverseArea, (pa.X - pc.X) * inverseArea);
        var (w2dx, w2dy) = (-w0dx - w1dx, -w0dy - w1dy);
        var colorDx = (w0dx * ca) + (w1dx * cb) + (w2dx * cc);
        var colorDy = (w0dy * ca) + (w1dy * cb) + (w2dy * cc);
        var texDx = (w0dx * ta) + (w1dx * tb) + (w2dx * tc);
        var texDy = (w0dy * ta) + (w1dy * tb) + (w2dy * tc);
        // The values at pixel centre (0.5, 0.5) relative to vertex a, where the weights are (1, 0, 0).
        var (ox, oy) = (0.5f - pa.X, 0.5f - pa.Y);
        var color0 = ca + (ox * colorDx) + (oy * colorDy);
        var tex0 = ta + (ox * texDx) + (oy * texDy);
        var w0At0 = 1 + (ox * w0dx) + (oy * w0dy);
        var w1At0 = (ox * w1dx) + (oy * w1dy);
        var w2At0 = (ox * w2dx) + (oy * w2dy);

        var texture = mesh.Texture;
        var cutout = mesh.AlphaCutoff;
        var depth = frame.Depth;
        var pixels = frame.Color;
        for (var y = minY; y <= maxY; y++)
        {
            // Where on this row all three weights are ≥ 0: each is linear in x, so solve for the span.
            float left = minX, right = maxX;
            if (!Clip(w0At0 + (y * w0dy), w0dx, ref left, ref right)
                || !Clip(w1At0 + (y * w1dy), w1dx, ref left, ref right)
                || !Clip(w2At0 + (y * w2dy), w2dx, ref left, ref right))
            {
                continue;
            }

            var x0 = Math.Max(minX, (int)MathF.Ceiling(left));
            var x1 = Math.Min(maxX, (int)MathF.Floor(right));
            var color = color0 + (x0 * colorDx) + (y * colorDy);
            var tex = tex0 + (x0 * texDx) + (y * texDy);
            var index = (y * size) + x0;
            for (var x = x0; x <= x1; x++, index++, color += colorDx, tex += texDx)
            {
                var invZ = tex.Z;
                if (invZ <= depth[index])
                {
                    continue;
                }

                var lit = color;
                if (texture is not null)
                {
                    var z = 1f / invZ;
                    var texel = texture.Sample(tex.X * z, tex.Y * z);
                    if (texel.W < cutout)
                    {
                        continue;
                    }

                    lit *= texel;
                }

                depth[index] = invZ;
                pixels[index] = Pack(lit);
            }
        }
    }

    /// <summary>Narrows [left, right] to where <c>at0 + x·dx ≥ 0</c>; false when nothing is left.</summary>
    private static bool Clip(float at0, float dx, ref float left, ref float right)
    {
        const float Slack = 1e-5f;
        if (dx > 0)
        {
            left = MathF.Max(left, (-at0 - Slack) / dx);
        }
        else if (dx < 0)
        {
            right = MathF.Min(right, (-at0 - Slack) / dx);
        }
        else if (at0 < -Slack)
        {
            return false;
        }

        return left <= right;
    }

    private static uint Pack(Vector4 c)
    {
        var r = (uint)Math.Clamp((int)(c.X * 255f + 0.5f), 0, 255);
        var g = (uint)Math.Clamp((int)(c.Y * 255f + 0.5f), 0, 255);
        var b = (uint)Math.Clamp((int)(c.Z * 255f + 0.5f), 0, 255);
        return r | (g << 8) | (b << 16) | 0xFF000000u;
    }

    /// <summary>Averages each block of samples into one pixel and writes the PNG.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static byte[] Encode(Frame frame, int size, int supersampling)
    {
        var rgba = ArrayPool<byte>.Shared.Rent(size * size * 4);
        try
        {
            if (supersampling == 1)
            {
                // One sample: every pixel is either opaque or empty, already straight RGBA.
                MemoryMarshal.AsBytes(frame.Color.AsSpan(0, size * size)).CopyTo(rgba);
                return PngWriter.Write(rgba.AsSpan(0, size * size * 4), size, size);
            }

            var samples = (uint)(supersampling * supersampling);
            var o = 0;
            for (var y = 0; y < size; y++)
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

            return PngWriter.Write(rgba.AsSpan(0, size * size * 4), size, size);
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
            Array.Clear(Color, 0, size * size);
            Array.Clear(Depth, 0, size * size);
        }

        public int Size { get; }

        public uint[] Color { get; }

        public float[] Depth { get; }

        public void Return()
        {
            ArrayPool<uint>.Shared.Return(Color);
            ArrayPool<float>.Shared.Return(Depth);
        }
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
            foreach (var p in meshes.SelectMany(m => m.Positions))
            {
                min = Vector3.Min(min, p);
                max = Vector3.Max(max, p);
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
            foreach (var p in meshes.SelectMany(m => m.Positions))
            {
                var s = camera.Project(p);
                (left, right) = (MathF.Min(left, s.X), MathF.Max(right, s.X));
                (top, bottom) = (MathF.Min(top, s.Y), MathF.Max(bottom, s.Y));
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
