using System.Buffers;
using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Runtime.CompilerServices;

namespace Image2Model.Site.Meshing;

/// <summary>
/// Where a rectangle of working-image coordinates (X0, Y0, Width, Height) lands in the texture,
/// in texture coordinates (U0, V0, USize, VSize).
/// </summary>
internal readonly record struct TextureRegion(double X0, double Y0, double Width, double Height, double U0, double V0, double USize, double VSize)
{
    public System.Numerics.Vector2 Map(float x, float y) =>
        new((float)(U0 + (x - X0) / Width * USize), (float)(V0 + (y - Y0) / Height * VSize));
}

/// <summary>A texture with two regions: the photo for the front, and the back's own.</summary>
internal sealed record BakedTexture(byte[] Jpeg, TextureRegion Front, TextureRegion Back);

/// <summary>
/// Cuts the texture out of the decoded photo and bleeds object colours outward past the outline,
/// so texels sampled at the rim never show the background (no halo). Where a thin dark outline is
/// drawn round the object, the rim band takes it along the outline's normal from just inside, so
/// it runs unbroken round the rim and the steep side shows no flicker between outline and fill. The back, which the camera never
/// saw, gets the object's dominant colours, smoothly: a median over a window wider than lettering
/// or a glint, so neither is mirrored onto it.
/// </summary>
internal static class TextureBaker
{
    private const int JpegQuality = 90;

    /// <summary>
    /// Texels closer to the outline than this (in working pixels) are replaced: they mix in
    /// background through anti-aliasing and JPEG chroma subsampling.
    /// </summary>
    private const float InsideMargin = 2f;

    /// <summary>How far outside the outline the rim band's colour is carried (working pixels); beyond it, bled colour.</summary>
    private const float OutsideBand = 2.5f;

    /// <summary>
    /// How far inside the outline a drawn outline is painted (working pixels). The steep side of the
    /// model stretches these texels from the rim up its slope; kept this thin, the outline is a seam
    /// round the rim, not a dark band down the side. From the front it still shows as the photo's line.
    /// </summary>
    private const float LineInside = 1f;

    /// <summary>Texels deeper than this (working pixels) are never smoothed along the outline: the surface is gentle there.</summary>
    private const float MaxSmoothDepth = 8f;

    /// <summary>The most the smoothing along the outline reaches either way (working pixels).</summary>
    private const double MaxSmoothReach = 6;

    /// <summary>
    /// Depths inside the outline (working pixels) where the rim band looks for a thin dark outline
    /// drawn round the object (the apple's black line, within <see cref="InsideMargin"/>), densely so
    /// every point of the outline finds the line's core; the outermost pixel is skipped as truly mixed.
    /// </summary>
    private static readonly float[] LineDepths = [0.75f, 1.0f, 1.25f, 1.5f, 1.75f, 2.0f, 2.25f, 2.5f, 2.75f, 3.0f];

    /// <summary>Depths whose average is the object's own colour beside an outline.</summary>
    private static readonly float[] ClearDepths = [3.0f, 3.5f, 4.0f];

    /// <summary>A drawn outline is darker than this in every channel.</summary>
    private const int DarkLevel = 120;

    /// <summary>The back's region: at most this many texels along its longer side, and at most a quarter of the front's.</summary>
    private const int BackSide = 96;

    /// <summary>The back's median window, as a share of its longer side: wider than a letter, narrower than the object.</summary>
    private const double BackWindow = 0.12;

    /// <summary>Texels between the regions, so filtering never mixes front and back.</summary>
    private const int Gutter = 4;

    /// <param name="photo">The decoded image (possibly larger than the working image).</param>
    /// <param name="factor">Photo pixels per working pixel along each axis.</param>
    /// <param name="field">The shape; null for a relief, which uses the whole picture.</param>
    public static BakedTexture Bake(RgbaImage photo, int factor, int workingWidth, int workingHeight, ShapeField? field, int maxSize) =>
        Prepare(photo, factor, workingWidth, workingHeight, field, maxSize).Encode();

    /// <summary>
    /// Everything but the JPEG encoding, which runs on one core: the caller encodes while it does
    /// something else on the other (<see cref="PreparedTexture.Encode"/>). The photo is not read afterwards.
    /// </summary>
    /// <inheritdoc cref="Bake" path="/param"/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static PreparedTexture Prepare(RgbaImage photo, int factor, int workingWidth, int workingHeight, ShapeField? field, int maxSize)
    {
        double sx = factor, sy = factor;
        int px0 = 0, py0 = 0, pw = workingWidth * factor, ph = workingHeight * factor;
        if (field is not null)
        {
            const int margin = 2;
            var wx0 = Math.Max(0, field.BoxX0 - margin);
            var wy0 = Math.Max(0, field.BoxY0 - margin);
            var wx1 = Math.Min(workingWidth, field.BoxX0 + field.BoxWidth + margin);
            var wy1 = Math.Min(workingHeight, field.BoxY0 + field.BoxHeight + margin);
            px0 = (int)Math.Floor(wx0 * sx);
            py0 = (int)Math.Floor(wy0 * sy);
            pw = Math.Min(photo.Width, (int)Math.Ceiling(wx1 * sx)) - px0;
            ph = Math.Min(photo.Height, (int)Math.Ceiling(wy1 * sy)) - py0;
        }
        // Sides need not be powers of two (glTF 2.0 and WebGL 2 mipmap any size); resampling to one
        // would cost more than the rest of the texture step.
        var cap = Math.Max(16, maxSize);
        var shrink = Math.Min(1.0, (double)cap / Math.Max(pw, ph));
        // The back's region goes below the front (or beside it, for a tall front); the whole must fit the cap.
        while (shrink > 1e-3)
        {
            var (aw, ah) = Layout(Math.Max(1, (int)Math.Round(pw * shrink)), Math.Max(1, (int)Math.Round(ph * shrink))).Atlas;
            if (Math.Max(aw, ah) <= cap) break;
            shrink *= 0.98 * cap / Math.Max(aw, ah);
        }
        // Work buffers are pooled: fresh megabyte arrays cost page faults and collections.
        byte[]? rentedPixels = null, rentedValid = null;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            RgbaImage texture;
            if (shrink < 1)
            {
                var crop = pw == photo.Width && ph == photo.Height ? photo : photo.Crop(px0, py0, pw, ph);
                texture = crop.Resize(Math.Max(1, (int)Math.Round(pw * shrink)), Math.Max(1, (int)Math.Round(ph * shrink)));
            }
            else
            {
                rentedPixels = ArrayPool<byte>.Shared.Rent(pw * ph * 4);
                texture = photo.Crop(px0, py0, pw, ph, rentedPixels);
            }
            StageTimes.Lap("tx crop", clock);
            return Bake(texture, field, sx, sy, px0, py0, pw, ph, ref rentedValid, clock);
        }
        finally
        {
            if (rentedPixels is not null) ArrayPool<byte>.Shared.Return(rentedPixels);
            if (rentedValid is not null) ArrayPool<byte>.Shared.Return(rentedValid);
        }
    }

    /// <summary>The atlas's size and where the back's region starts, for a front of tw x th texels.</summary>
    private static ((int W, int H) Atlas, (int X, int Y, int W, int H) Back) Layout(int tw, int th)
    {
        var cell = Math.Max(4, (int)Math.Ceiling(Math.Max(tw, th) / (double)BackSide));
        int bw = Math.Max(2, (tw + cell - 1) / cell), bh = Math.Max(2, (th + cell - 1) / cell);
        return tw >= th
            ? ((Math.Max(tw, bw), th + Gutter + bh), (0, th + Gutter, bw, bh))
            : ((tw + Gutter + bw, Math.Max(th, bh)), (tw + Gutter, 0, bw, bh));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static PreparedTexture Bake(RgbaImage texture, ShapeField? field, double sx, double sy, int px0, int py0, int pw, int ph, ref byte[]? rentedValid, System.Diagnostics.Stopwatch clock)
    {
        int tw = texture.Width, th = texture.Height, n = tw * th;
        var pixels = texture.Pixels;
        var valid = rentedValid = ArrayPool<byte>.Shared.Rent(n);
        // Per texel: the rim band's colour (0 = not in the band; a colour is always opaque, so never 0)
        // and whether it lies where the rim may turn steep. Arrays, not concurrent collections: each
        // row writes only its own entries, so the pass needs no locks and its result has no order.
        uint[]? rim = null;
        byte[]? steep = null;
        try
        {
            if (field is null)
            {
                valid.AsSpan(0, n).Fill(1);
            }
            else
            {
                rim = ArrayPool<uint>.Shared.Rent(n);
                steep = ArrayPool<byte>.Shared.Rent(n);
                RimPass(pixels, valid, rim, steep, tw, th, field, px0 / sx, py0 / sy, (double)pw / tw / sx, (double)ph / th / sy);
                StageTimes.Lap("tx pass", clock);
                AverageBand(pixels, valid, rim, tw, th);
            }
            return Finish(pixels, valid, steep, tw, th, field, sx, sy, px0, py0, pw, ph, clock);
        }
        finally
        {
            if (rim is not null) ArrayPool<uint>.Shared.Return(rim);
            if (steep is not null) ArrayPool<byte>.Shared.Return(steep);
        }
    }

    /// <summary>
    /// Marks the texels safely inside the outline valid, finds the rim band's drawn-outline colours
    /// and the texels the smoothing along the outline may change. Texel centre -> photo -> working coordinates.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RimPass(byte[] source, byte[] valid, uint[] rim, byte[] steep, int tw, int th, ShapeField field, double ox, double oy, double stepX, double stepY)
    {
        // The bilinear sample's cell and weights depend on the column or on the row alone, so
        // they are worked out once per column and once per row (same arithmetic as
        // ShapeField.SampleSignedDistance, so the same values).
        var columns = ArrayPool<(int Index, float T)>.Shared.Rent(tw);
        try
        {
            for (var x = 0; x < tw; x++) columns[x] = field.SampleAxis(ox + (x + 0.5) * stepX, horizontal: true);
            var dark = DarkTiles(source, tw, th, stepX, stepY, out var tilesX);
            Parallel.For(0, th, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (y) =>
            {
                var validRow = valid.AsSpan(y * tw, tw);
                var rimRow = rim.AsSpan(y * tw, tw);
                var steepRow = steep.AsSpan(y * tw, tw);
                validRow.Clear();
                rimRow.Clear();
                steepRow.Clear();
                var wy = oy + (y + 0.5) * stepY;
                var (iy, ty) = field.SampleAxis(wy, horizontal: false);
                if (iy < 0) return;
                for (var x = 0; x < tw; x++)
                {
                    var (ix, tx) = columns[x];
                    if (ix < 0) continue;
                    var d = field.SignedDistanceAt(ix, iy, tx, ty);
                    if (d > -OutsideBand && d <= MaxSmoothDepth) steepRow[x] = 1;
                    if (d > InsideMargin)
                    {
                        if (source[(y * tw + x) * 4 + 3] > 200) validRow[x] = 1;
                        continue;
                    }
                    if (d <= -OutsideBand || d > LineInside) continue;
                    if (!dark[(y >> TileBits) * tilesX + (x >> TileBits)]) continue;
                    var wx = ox + (x + 0.5) * stepX;
                    if (RimColour(source, tw, th, field, wx, wy, d, ox, oy, stepX, stepY) is { } colour) rimRow[x] = colour;
                }
            });
        }
        finally
        {
            ArrayPool<(int Index, float T)>.Shared.Return(columns);
        }
    }

    /// <summary>
    /// Written after the pass: the band reads the photo's texels around it. Each band texel is
    /// averaged with its band neighbours, so neighbouring normals that found slightly different
    /// colours do not hatch the rim.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AverageBand(byte[] pixels, byte[] valid, uint[] rim, int tw, int th)
    {
        Parallel.For(0, th, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (y) =>
        {
            var words = MemoryMarshal.Cast<byte, uint>(pixels.AsSpan(0, tw * th * 4));
            var row = rim.AsSpan(y * tw, tw);
            for (var x = 0; x < tw; x++)
            {
                var skip = row[x..].IndexOfAnyExcept(0u);
                if (skip < 0) break;
                x += skip;
                int r = 0, g = 0, b = 0, count = 0;
                for (var dy = -1; dy <= 1; dy++)
                {
                    if (y + dy < 0 || y + dy >= th) continue;
                    for (var dx = -1; dx <= 1; dx++)
                    {
                        if (x + dx < 0 || x + dx >= tw) continue;
                        var c = rim[(y + dy) * tw + x + dx];
                        if (c == 0) continue;
                        r += (byte)c; g += (byte)(c >> 8); b += (byte)(c >> 16); count++;
                    }
                }
                var texel = y * tw + x;
                words[texel] = (uint)(r / count) | (uint)(g / count) << 8 | (uint)(b / count) << 16 | 0xFF000000u;
                valid[texel] = 1;
            }
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static PreparedTexture Finish(byte[] pixels, byte[] valid, byte[]? steep, int tw, int th, ShapeField? field, double sx, double sy, int px0, int py0, int pw, int ph, System.Diagnostics.Stopwatch clock)
    {
        StageTimes.Lap("tx band", clock);
        var (atlasSize, backBox) = Layout(tw, th);
        var back = BackColours(pixels, valid, tw, th, backBox.W, backBox.H);
        StageTimes.Lap("tx back", clock);
        if (field is not null)
        {
            PushPull.Fill(pixels, valid, tw, th);
            StageTimes.Lap("tx pushpull", clock);
            SmoothAlongOutline(pixels, tw, th, steep!, field, px0 / sx, py0 / sy, (double)pw / tw / sx, (double)ph / th / sy);
        }

        StageTimes.Lap("tx smooth", clock);
        // Pooled and not cleared: the two regions and the gutter between them cover every texel.
        var atlasPixels = ArrayPool<byte>.Shared.Rent(atlasSize.W * atlasSize.H * 4);
        var atlas = new RgbaImage(atlasSize.W, atlasSize.H, atlasPixels);
        Blit(pixels, tw, th, atlas, 0, 0);
        Blit(back, backBox.W, backBox.H, atlas, backBox.X, backBox.Y);
        FillGutter(atlas, tw, th, backBox);
        // Opaque: JPEG has no alpha. A vector OR sets every fourth byte (little-endian RGBA words).
        var all = MemoryMarshal.Cast<byte, uint>(atlasPixels.AsSpan(0, atlasSize.W * atlasSize.H * 4));
        var opaque = BitConverter.IsLittleEndian ? 0xFF000000u : 0x000000FFu;
        var vectorised = all.Length - all.Length % Vector<uint>.Count;
        var alphaBits = new Vector<uint>(opaque);
        for (var i = 0; i < vectorised; i += Vector<uint>.Count) (new Vector<uint>(all[i..]) | alphaBits).CopyTo(all[i..]);
        for (var i = vectorised; i < all.Length; i++) all[i] |= opaque;

        double x0 = px0 / sx, y0 = py0 / sy, width = pw / sx, height = ph / sy;
        var front = new TextureRegion(x0, y0, width, height, 0, 0, (double)tw / atlasSize.W, (double)th / atlasSize.H);
        // The back's region covers the same working rectangle, cell for cell.
        var cellX = (double)tw / backBox.W;
        var cellY = (double)th / backBox.H;
        var backRegion = new TextureRegion(x0, y0, width, height, (double)backBox.X / atlasSize.W, (double)backBox.Y / atlasSize.H,
            tw / cellX / atlasSize.W, th / cellY / atlasSize.H);
        StageTimes.Lap("tx atlas", clock);
        return new PreparedTexture(atlas, front, backRegion);
    }

    /// <summary>The texture's texels, laid out, not yet encoded; its buffer is pooled.</summary>
    internal sealed class PreparedTexture(RgbaImage atlas, TextureRegion front, TextureRegion back)
    {
        /// <summary>Encodes the JPEG and gives the buffer back (once; not used afterwards).</summary>
        public BakedTexture Encode()
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var jpeg = atlas.EncodeJpeg(JpegQuality);
            ArrayPool<byte>.Shared.Return(atlas.Pixels);
            StageTimes.Lap("tx jpeg", clock);
            return new BakedTexture(jpeg, front, back);
        }
    }

    /// <summary>
    /// Where the surface turns steep towards the rim, the side stretches each texel up the slope
    /// (by about the slope), so any variation along the outline becomes a streak. Those texels are
    /// averaged along the outline over about as far as they are stretched across it: the side shows
    /// blended colour, and the front, which sees that band foreshortened, loses little.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SmoothAlongOutline(byte[] pixels, int tw, int th, byte[] steep, ShapeField field, double ox, double oy, double stepX, double stepY)
    {
        var length4 = tw * th * 4;
        var source = ArrayPool<byte>.Shared.Rent(length4);
        pixels.AsSpan(0, length4).CopyTo(source);
        // The bulge is worked out on first use (perhaps on another thread right now): asked for
        // here, once, so that only this thread waits for it, not every worker of the loop below.
        var bulge = new FieldGrid(field.Bulge, field.X0, field.Y0, field.Width, field.Height);
        var distance = new FieldGrid(field.SignedDistance, field.X0, field.Y0, field.Width, field.Height);
        // Samples along the outline at least 1.5 working pixels apart: a large texture need not be sampled texel by texel.
        var texel = Math.Max(1.5, Math.Max(stepX, stepY));
        Parallel.For(0, th, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (y) =>
        {
            var steepRow = steep.AsSpan(y * tw, tw);
            for (var x = 0; x < tw; x++)
            {
                var skip = steepRow[x..].IndexOfAnyExcept((byte)0);
                if (skip < 0) break;
                x += skip;
                var wy = oy + (y + 0.5) * stepY;
                var wx = ox + (x + 0.5) * stepX;
                // The signed distance here and half a pixel either way (field.SampleSignedDistance,
                // each axis worked out once for the samples that share it).
                const float h = 0.5f;
                var (cx, cy) = (distance.X(wx), distance.Y(wy));
                var d = distance.At(cx, cy, -3f);
                var gx = distance.At(distance.X(wx + h), cy, -3f) - distance.At(distance.X(wx - h), cy, -3f);
                var gy = distance.At(cx, distance.Y(wy + h), -3f) - distance.At(cx, distance.Y(wy - h), -3f);
                var length = MathF.Sqrt(gx * gx + gy * gy);
                if (length < 1e-3f) continue;
                // The slope just inside the rim point this texel belongs to (outside, the rim's own).
                var inward = MathF.Max(0, -d) + 0.5f;
                double bx = wx + inward * gx / length, by = wy + inward * gy / length;
                var (ux, uy) = (bulge.X(bx), bulge.Y(by));
                var sx = bulge.At(bulge.X(bx + h), uy, 0f) - bulge.At(bulge.X(bx - h), uy, 0f);
                var sy = bulge.At(ux, bulge.Y(by + h), 0f) - bulge.At(ux, bulge.Y(by - h), 0f);
                var reach = Math.Min(MaxSmoothReach, 0.75 * MathF.Sqrt(sx * sx + sy * sy));
                var steps = (int)Math.Floor(reach / texel);
                if (steps < 1) continue;
                double tx = -gy / length * texel, ty = gx / length * texel;
                var o = (y * tw + x) * 4;
                if (Avx.IsSupported)
                {
                    // The same sums as below, the three channels (and alpha, unused) in one vector.
                    var sum = Vector256<double>.Zero;
                    for (var k = -steps; k <= steps; k++)
                    {
                        var fx = Math.Clamp((wx + k * tx - ox) / stepX - 0.5, 0, tw - 1);
                        var fy = Math.Clamp((wy + k * ty - oy) / stepY - 0.5, 0, th - 1);
                        int x0 = Math.Min((int)fx, Math.Max(0, tw - 2)), y0 = Math.Min((int)fy, Math.Max(0, th - 2));
                        int x1 = Math.Min(x0 + 1, tw - 1), y1 = Math.Min(y0 + 1, th - 1);
                        double ax = fx - x0, ay = fy - y0;
                        double w00 = (1 - ax) * (1 - ay), w10 = ax * (1 - ay), w01 = (1 - ax) * ay, w11 = ax * ay;
                        sum += Texel4(source, (y0 * tw + x0) * 4) * Vector256.Create(w00) + Texel4(source, (y0 * tw + x1) * 4) * Vector256.Create(w10)
                            + Texel4(source, (y1 * tw + x0) * 4) * Vector256.Create(w01) + Texel4(source, (y1 * tw + x1) * 4) * Vector256.Create(w11);
                    }
                    var count = 2 * steps + 1;
                    pixels[o] = (byte)Math.Round(sum.GetElement(0) / count);
                    pixels[o + 1] = (byte)Math.Round(sum.GetElement(1) / count);
                    pixels[o + 2] = (byte)Math.Round(sum.GetElement(2) / count);
                    continue;
                }
                double r = 0, g = 0, b = 0;
                var n = 0;
                for (var k = -steps; k <= steps; k++)
                {
                    var fx = Math.Clamp((wx + k * tx - ox) / stepX - 0.5, 0, tw - 1);
                    var fy = Math.Clamp((wy + k * ty - oy) / stepY - 0.5, 0, th - 1);
                    int x0 = Math.Min((int)fx, Math.Max(0, tw - 2)), y0 = Math.Min((int)fy, Math.Max(0, th - 2));
                    int x1 = Math.Min(x0 + 1, tw - 1), y1 = Math.Min(y0 + 1, th - 1);
                    double ax = fx - x0, ay = fy - y0;
                    int i00 = (y0 * tw + x0) * 4, i10 = (y0 * tw + x1) * 4, i01 = (y1 * tw + x0) * 4, i11 = (y1 * tw + x1) * 4;
                    double w00 = (1 - ax) * (1 - ay), w10 = ax * (1 - ay), w01 = (1 - ax) * ay, w11 = ax * ay;
                    r += source[i00] * w00 + source[i10] * w10 + source[i01] * w01 + source[i11] * w11;
                    g += source[i00 + 1] * w00 + source[i10 + 1] * w10 + source[i01 + 1] * w01 + source[i11 + 1] * w11;
                    b += source[i00 + 2] * w00 + source[i10 + 2] * w10 + source[i01 + 2] * w01 + source[i11 + 2] * w11;
                    n++;
                }
                pixels[o] = (byte)Math.Round(r / n);
                pixels[o + 1] = (byte)Math.Round(g / n);
                pixels[o + 2] = (byte)Math.Round(b / n);
            }
        });
        ArrayPool<byte>.Shared.Return(source);
    }

    /// <summary>
    /// <see cref="ShapeField"/>'s bilinear lookup (the same arithmetic, so the same values), split
    /// by axis: samples that share a row or a column share that axis's work.
    /// </summary>
    private readonly struct FieldGrid(float[] values, int x0, int y0, int width, int height)
    {
        /// <summary>The cell and weight along x; cell -1 outside the field.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public (int Cell, float T) X(double x) => Axis(x - x0 - 0.5, width);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public (int Cell, float T) Y(double y) => Axis(y - y0 - 0.5, height);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float At((int Cell, float T) x, (int Cell, float T) y, float outside)
        {
            if (x.Cell < 0 || y.Cell < 0) return outside;
            var i = y.Cell * width + x.Cell;
            var top = values[i] + (values[i + 1] - values[i]) * x.T;
            var bottom = values[i + width] + (values[i + width + 1] - values[i + width]) * x.T;
            return top + (bottom - top) * y.T;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static (int Cell, float T) Axis(double f, int size)
        {
            if (f < 0 || f > size - 1) return (-1, 0f);
            var i = Math.Min((int)f, size - 2);
            return (i, (float)(f - i));
        }
    }

    /// <summary>The four bytes of a texel as doubles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Texel4(byte[] source, int i) =>
        Avx.ConvertToVector256Double(Sse41.ConvertToVector128Int32(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<uint>(ref source[i])).AsByte()));

    /// <summary>
    /// The colour of a thin dark outline at a rim-band texel (at signed distance <paramref name="d"/>):
    /// the darkest of <see cref="LineDepths"/> along the outline's inward normal, when that is dark,
    /// much darker than the colour further in (<see cref="ClearDepths"/>) and not dark outside.
    /// Null when there is no such line: the texel is then bled from the clean inside.
    /// </summary>
    private static uint? RimColour(byte[] source, int tw, int th, ShapeField field, double wx, double wy, float d,
        double ox, double oy, double stepX, double stepY)
    {
        const float h = 0.5f;
        var gx = field.SampleSignedDistance(wx + h, wy) - field.SampleSignedDistance(wx - h, wy);
        var gy = field.SampleSignedDistance(wx, wy + h) - field.SampleSignedDistance(wx, wy - h);
        var length = MathF.Sqrt(gx * gx + gy * gy);
        if (length < 1e-3f) return null;
        gx /= length;
        gy /= length;
        // A cheap test first (most rims have no drawn line): a sample is no darker in any channel
        // than the darkest of its visible texels, so unless one sample's texels hold a dark value
        // in every channel, none is dark and there is no line. The same answer, without the sums.
        var mayBeDark = false;
        foreach (var t in LineDepths)
        {
            if (MayBeDark(source, tw, th, (wx + (t - d) * gx - ox) / stepX - 0.5, (wy + (t - d) * gy - oy) / stepY - 0.5))
            {
                mayBeDark = true;
                break;
            }
        }
        if (!mayBeDark) return null;
        uint? darkest = null;
        var darkestLevel = int.MaxValue;
        foreach (var t in LineDepths)
        {
            if (Along(t) is not { } c) continue;
            // Dark in every channel: a mix of two bright colours (red object, green backdrop) is not.
            var level = Level(c);
            if (level < darkestLevel)
            {
                darkest = c;
                darkestLevel = level;
            }
        }
        int r = 0, g = 0, b = 0, n = 0;
        foreach (var t in ClearDepths)
        {
            if (Along(t) is not { } c) continue;
            r += (byte)c; g += (byte)(c >> 8); b += (byte)(c >> 16); n++;
        }
        uint? clear = n == 0 ? null : (uint)(r / n) | (uint)(g / n) << 8 | (uint)(b / n) << 16 | 0xFF000000u;
        if (darkest is not { } line || darkestLevel >= DarkLevel) return null;
        // Darker (all channels summed) than both sides: the inside, and the outside unless that is
        // transparent. A blend of two bright colours (red object, green backdrop) is darker than
        // neither; nor is the blend with a dark backdrop darker than the backdrop.
        var outside = Along(-1.5f);
        if (clear is { } inner && Sum(line) >= 0.5 * Sum(inner)) return null;
        if (outside is { } o && Sum(line) >= 0.5 * Sum(o)) return null;
        return line;

        uint? Along(float t) => Texel(source, tw, th, (wx + (t - d) * gx - ox) / stepX - 0.5, (wy + (t - d) * gy - oy) / stepY - 0.5);

        static int Level(uint c) => Math.Max((byte)c, Math.Max((byte)(c >> 8), (byte)(c >> 16)));

        static int Sum(uint c) => (byte)c + (byte)(c >> 8) + (byte)(c >> 16);
    }

    private const int TileBits = 3;

    /// <summary>
    /// Per tile of 8 x 8 texels: whether a rim texel there could find a drawn line at all, i.e.
    /// whether some 2 x 2 block of texels within the reach of its samples passes <see cref="MayBeDark"/>.
    /// Most rims have no dark texels near them at all; their texels skip the search.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool[] DarkTiles(byte[] source, int tw, int th, double stepX, double stepY, out int tilesX)
    {
        var tx = tilesX = (tw + (1 << TileBits) - 1) >> TileBits;
        var ty = (th + (1 << TileBits) - 1) >> TileBits;
        var tiles = new bool[tx * ty];
        Parallel.For(0, ty, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (tile) =>
        {
            // Row y's bits, then y | y + 1 (the block's two rows), then | x + 1 (its two columns).
            var below = ArrayPool<byte>.Shared.Rent(tw + 1);
            var pair = ArrayPool<byte>.Shared.Rent(tw + 1);
            var y0 = tile << TileBits;
            var end = Math.Min(th, (tile + 1) << TileBits);
            Row(y0, below);
            for (; y0 < end; y0++)
            {
                below.AsSpan(0, tw).CopyTo(pair);
                Row(Math.Min(y0 + 1, th - 1), below);
                var rows = pair.AsSpan(0, tw);
                Or(rows, below.AsSpan(0, tw));
                // The last column's block is the texel and itself (as Texel clamps).
                pair[tw] = pair[tw - 1];
                var seven = new Vector<byte>(7);
                for (var x0 = 0; x0 < tw; x0++)
                {
                    // Whole vectors of blocks at a time while none is dark in all three channels.
                    if ((x0 & (Vector<byte>.Count - 1)) == 0 && x0 + Vector<byte>.Count < tw
                        && !Vector.EqualsAny(new Vector<byte>(pair, x0) | new Vector<byte>(pair, x0 + 1), seven))
                    {
                        x0 += Vector<byte>.Count - 1;
                        continue;
                    }
                    if ((pair[x0] | pair[x0 + 1]) != 7) continue;
                    tiles[tile * tx + (x0 >> TileBits)] = true;
                    x0 |= (1 << TileBits) - 1;
                }
            }
            ArrayPool<byte>.Shared.Return(below);
            ArrayPool<byte>.Shared.Return(pair);
        });
        // A rim texel's line samples lie at most 5.5 working pixels from it (depths up to 3 inside,
        // the texel up to 2.5 outside), plus a texel for the block and one for rounding.
        var rx = ((int)Math.Ceiling(5.5 / stepX) + 2 + (1 << TileBits) - 1) >> TileBits;
        var ry = ((int)Math.Ceiling(5.5 / stepY) + 2 + (1 << TileBits) - 1) >> TileBits;
        var wide = new bool[tx * ty];
        for (var y = 0; y < ty; y++)
        {
            for (var x = 0; x < tx; x++)
            {
                if (!tiles[y * tx + x]) continue;
                for (var yy = Math.Max(0, y - ry); yy <= Math.Min(ty - 1, y + ry); yy++)
                {
                    wide.AsSpan(yy * tx + Math.Max(0, x - rx), Math.Min(tx - 1, x + rx) - Math.Max(0, x - rx) + 1).Fill(true);
                }
            }
        }
        return wide;

        // Per texel: bit c set when channel c is below DarkLevel (none for a transparent texel).
        // Four channels at once: a byte's top bit after adding 128 - DarkLevel to its low seven bits
        // (or its own top bit) says it is at least DarkLevel.
        void Row(int y, byte[] bits)
        {
            var words = MemoryMarshal.Cast<byte, uint>(source.AsSpan(y * tw * 4, tw * 4));
            const uint add = (128 - DarkLevel) * 0x01010101u;
            for (var x = 0; x < words.Length; x++)
            {
                var c = words[x];
                var below = ~(((c & 0x7F7F7F7Fu) + add) | c) & 0x00808080u;
                bits[x] = c >> 24 == 0 ? (byte)0 : (byte)(((below >> 7) & 1) | ((below >> 14) & 2) | ((below >> 21) & 4));
            }
        }

        static void Or(Span<byte> target, ReadOnlySpan<byte> other)
        {
            var i = 0;
            for (; i <= target.Length - Vector<byte>.Count; i += Vector<byte>.Count)
            {
                (new Vector<byte>(target[i..]) | new Vector<byte>(other[i..])).CopyTo(target[i..]);
            }
            for (; i < target.Length; i++) target[i] |= other[i];
        }
    }

    /// <summary>
    /// Whether <see cref="Texel"/> at this point could be darker than <see cref="DarkLevel"/> in
    /// every channel: each channel must be dark in one of the visible texels it blends.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool MayBeDark(byte[] source, int tw, int th, double fx, double fy)
    {
        fx = Math.Clamp(fx, 0, tw - 1);
        fy = Math.Clamp(fy, 0, th - 1);
        int x0 = Math.Min((int)fx, Math.Max(0, tw - 2)), y0 = Math.Min((int)fy, Math.Max(0, th - 2));
        int x1 = Math.Min(x0 + 1, tw - 1), y1 = Math.Min(y0 + 1, th - 1);
        var bits = DarkBits(source, (y0 * tw + x0) * 4) | DarkBits(source, (y0 * tw + x1) * 4)
            | DarkBits(source, (y1 * tw + x0) * 4) | DarkBits(source, (y1 * tw + x1) * 4);
        return bits == 7;

        static int DarkBits(byte[] s, int i) =>
            s[i + 3] == 0 ? 0 : (s[i] < DarkLevel ? 1 : 0) | (s[i + 1] < DarkLevel ? 2 : 0) | (s[i + 2] < DarkLevel ? 4 : 0);
    }

    /// <summary>
    /// A bilinear sample weighted by alpha (clip art's transparent texels have no colour to lend), as
    /// a little-endian RGBA word; null where the point is mostly transparent.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static uint? Texel(byte[] source, int tw, int th, double fx, double fy)
    {
        fx = Math.Clamp(fx, 0, tw - 1);
        fy = Math.Clamp(fy, 0, th - 1);
        int x0 = Math.Min((int)fx, Math.Max(0, tw - 2)), y0 = Math.Min((int)fy, Math.Max(0, th - 2));
        int x1 = Math.Min(x0 + 1, tw - 1), y1 = Math.Min(y0 + 1, th - 1);
        double tx = fx - x0, ty = fy - y0;
        int a = (y0 * tw + x0) * 4, b = (y0 * tw + x1) * 4, c = (y1 * tw + x0) * 4, e = (y1 * tw + x1) * 4;
        double wa = (1 - tx) * (1 - ty) * source[a + 3], wb = tx * (1 - ty) * source[b + 3];
        double wc = (1 - tx) * ty * source[c + 3], we = tx * ty * source[e + 3];
        var total = wa + wb + wc + we;
        if (total < 128) return null;
        uint word = 0;
        for (var ch = 0; ch < 3; ch++)
        {
            var v = (source[a + ch] * wa + source[b + ch] * wb + source[c + ch] * wc + source[e + ch] * we) / total;
            word |= (uint)Math.Clamp((int)Math.Round(v), 0, 255) << (8 * ch);
        }
        return word | 0xFF000000u;
    }

    /// <summary>
    /// The back: the valid texels averaged into bw x bh cells, glints (near-white, unless most of the
    /// object is white) left out, a per-channel median over a wide window (lettering and small
    /// details are outvoted by the colour around them), holes filled, lightly blurred.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static byte[] BackColours(byte[] pixels, byte[] valid, int tw, int th, int bw, int bh)
    {
        // One pass: each cell sums its texels twice, with and without glints (in the same order as
        // two separate passes would), and whether glints are left out is decided afterwards.
        var all = new float[bw * bh * 4];
        var plain = new float[bw * bh * 4];
        int objectTexels = 0, glareTexels = 0;
        var cellX = (double)tw / bw;
        var cellY = (double)th / bh;
        var column = ArrayPool<int>.Shared.Rent(tw);
        for (var x = 0; x < tw; x++) column[x] = Math.Min(bw - 1, (int)(x / cellX));
        Parallel.For(0, bh, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (cy) =>
        {
            int objects = 0, glints = 0;
            for (var y = 0; y < th; y++)
            {
                if (Math.Min(bh - 1, (int)(y / cellY)) != cy) continue;
                for (var x = 0; x < tw; x++)
                {
                    var i = y * tw + x;
                    if (valid[i] == 0) continue;
                    objects++;
                    int r = pixels[i * 4], g = pixels[i * 4 + 1], b = pixels[i * 4 + 2];
                    var max = Math.Max(r, Math.Max(g, b));
                    var min = Math.Min(r, Math.Min(g, b));
                    var c = (cy * bw + column[x]) * 4;
                    all[c] += r;
                    all[c + 1] += g;
                    all[c + 2] += b;
                    all[c + 3]++;
                    if (0.2126 * r + 0.7152 * g + 0.0722 * b > 215 && max - min < 50)
                    {
                        glints++;
                        continue;
                    }
                    plain[c] += r;
                    plain[c + 1] += g;
                    plain[c + 2] += b;
                    plain[c + 3]++;
                }
            }
            Interlocked.Add(ref objectTexels, objects);
            Interlocked.Add(ref glareTexels, glints);
        });
        ArrayPool<int>.Shared.Return(column);
        var dropGlare = glareTexels < 0.4 * objectTexels;
        var cells = dropGlare ? plain : all;
        var rgba = new byte[bw * bh * 4];
        var cellValid = new byte[bw * bh];
        var perCell = cellX * cellY;
        for (var k = 0; k < bw * bh; k++)
        {
            var n = cells[k * 4 + 3];
            if (n <= 0) continue;
            for (var ch = 0; ch < 3; ch++) rgba[k * 4 + ch] = (byte)Math.Round(cells[k * 4 + ch] / n);
            // A cell mostly outside the object is filled later rather than trusted.
            if (n >= 0.3 * perCell) cellValid[k] = 1;
        }
        byte[] median;
        if (cellValid.AsSpan().IndexOf((byte)1) < 0)
        {
            // Nothing trustworthy (a tiny or all-glare object): what there is, smoothed.
            for (var k = 0; k < bw * bh; k++) cellValid[k] = cells[k * 4 + 3] > 0 ? (byte)1 : (byte)0;
            median = rgba;
        }
        else
        {
            median = Median(rgba, cellValid, bw, bh, Math.Max(1, (int)Math.Round(BackWindow * Math.Max(bw, bh))));
        }
        if (cellValid.AsSpan().IndexOf((byte)1) >= 0) PushPull.Fill(median, cellValid, bw, bh);
        var smooth = MaskOps.BoxBlurRgb(median, bw, bh, 1);
        for (var k = 0; k < bw * bh; k++)
        {
            median[k * 4] = smooth[k * 3];
            median[k * 4 + 1] = smooth[k * 3 + 1];
            median[k * 4 + 2] = smooth[k * 3 + 2];
            median[k * 4 + 3] = 255;
        }
        return median;
    }

    /// <summary>Per-channel median of the valid cells within a square window (sliding histograms, one per row).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static byte[] Median(byte[] rgba, byte[] cellValid, int w, int h, int radius)
    {
        var result = new byte[w * h * 4];
        Parallel.For(0, h, [MethodImpl(MethodImplOptions.AggressiveOptimization)] (y) =>
        {
            var histogram = new int[3 * 256];
            var count = 0;
            int y0 = Math.Max(0, y - radius), y1 = Math.Min(h - 1, y + radius);
            void Column(int x, int sign)
            {
                if (x < 0 || x >= w) return;
                for (var yy = y0; yy <= y1; yy++)
                {
                    var k = yy * w + x;
                    if (cellValid[k] == 0) continue;
                    histogram[rgba[k * 4]] += sign;
                    histogram[256 + rgba[k * 4 + 1]] += sign;
                    histogram[512 + rgba[k * 4 + 2]] += sign;
                    count += sign;
                }
            }
            for (var x = -radius; x < radius; x++) Column(x, 1);
            for (var x = 0; x < w; x++)
            {
                Column(x + radius, 1);
                if (count > 0 && cellValid[y * w + x] != 0)
                {
                    for (var ch = 0; ch < 3; ch++)
                    {
                        var half = (count + 1) / 2;
                        var sum = 0;
                        var v = 0;
                        while (v < 255 && (sum += histogram[ch * 256 + v]) < half) v++;
                        result[(y * w + x) * 4 + ch] = (byte)v;
                    }
                }
                Column(x - radius, -1);
            }
        });
        return result;
    }

    private static void Blit(byte[] source, int w, int h, RgbaImage target, int x0, int y0)
    {
        for (var y = 0; y < h; y++) source.AsSpan(y * w * 4, w * 4).CopyTo(target.Pixels.AsSpan(((y0 + y) * target.Width + x0) * 4));
    }

    /// <summary>Repeats each region's edge into the gutter and the unused corner, so mipmaps blend like colours.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FillGutter(RgbaImage atlas, int tw, int th, (int X, int Y, int W, int H) back)
    {
        var px = MemoryMarshal.Cast<byte, uint>(atlas.Pixels.AsSpan());
        int aw = atlas.Width, ah = atlas.Height;
        for (var y = 0; y < ah; y++)
        {
            for (var x = 0; x < aw; x++)
            {
                var inFront = x < tw && y < th;
                var inBack = x >= back.X && y >= back.Y && x < back.X + back.W && y < back.Y + back.H;
                if (inFront || inBack) continue;
                // Nearest texel of the nearer region.
                int fx = Math.Min(x, tw - 1), fy = Math.Min(y, th - 1);
                int bx = Math.Clamp(x, back.X, back.X + back.W - 1), by = Math.Clamp(y, back.Y, back.Y + back.H - 1);
                var toFront = Math.Abs(x - fx) + Math.Abs(y - fy);
                var toBack = Math.Abs(x - bx) + Math.Abs(y - by);
                px[y * aw + x] = toFront <= toBack ? px[fy * aw + fx] : px[by * aw + bx];
            }
        }
    }
}
