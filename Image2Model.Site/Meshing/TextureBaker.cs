using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Image2Model.Site.Meshing;

/// <summary>A texture and where it sits in working-image coordinates (for UVs).</summary>
internal sealed record BakedTexture(byte[] Jpeg, double X0, double Y0, double Width, double Height);

/// <summary>
/// Cuts the texture out of the decoded photo and bleeds object colours outward past the outline,
/// so texels sampled at the rim never show the background (no halo).
/// </summary>
internal static class TextureBaker
{
    private const int JpegQuality = 90;

    /// <summary>
    /// Texels closer to the outline than this (in working pixels) are replaced by bled colour:
    /// they mix in background through anti-aliasing and JPEG chroma subsampling.
    /// </summary>
    private const float InsideMargin = 2f;

    /// <summary>
    /// Dark texels are kept closer to the outline: a thin dark outline drawn around the object
    /// (the apple's black line) lies entirely within <see cref="InsideMargin"/>, and bleeding would
    /// erase it. Only the outermost, truly mixed texels are replaced.
    /// </summary>
    private const float DarkInsideMargin = 0.6f;

    private const int DarkLevel = 80;

    /// <param name="photo">The decoded image (possibly larger than the working image).</param>
    /// <param name="factor">Photo pixels per working pixel along each axis.</param>
    /// <param name="field">The shape; null for a relief, which uses the whole picture.</param>
    public static BakedTexture Bake(RgbaImage photo, int factor, int workingWidth, int workingHeight, ShapeField? field, int maxSize)
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
        // Work buffers are pooled: fresh megabyte arrays cost page faults and collections.
        byte[]? rentedPixels = null, rentedValid = null;
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
            return Bake(texture, field, sx, sy, px0, py0, pw, ph, ref rentedValid);
        }
        finally
        {
            if (rentedPixels is not null) ArrayPool<byte>.Shared.Return(rentedPixels);
            if (rentedValid is not null) ArrayPool<byte>.Shared.Return(rentedValid);
        }
    }

    private static BakedTexture Bake(RgbaImage texture, ShapeField? field, double sx, double sy, int px0, int py0, int pw, int ph, ref byte[]? rentedValid)
    {
        int tw = texture.Width, th = texture.Height;
        var pixels = texture.Pixels;
        if (field is not null)
        {
            // Gaps the mesher closed keep their photo content (a logo's white stripe stays white).
            var valid = rentedValid = ArrayPool<byte>.Shared.Rent(tw * th);
            Array.Clear(valid, 0, tw * th);
            // Texel centre -> photo -> working coordinates; keep only texels well inside the outline.
            var stepX = (double)pw / tw / sx;
            var stepY = (double)ph / th / sy;
            double ox = px0 / sx, oy = py0 / sy;
            // The bilinear sample's cell and weights depend on the column or on the row alone, so
            // they are worked out once per column and once per row (same arithmetic as
            // ShapeField.SampleSignedDistance, so the same values).
            var columns = new (int Index, float T)[tw];
            for (var x = 0; x < tw; x++) columns[x] = field.SampleAxis(ox + (x + 0.5) * stepX, horizontal: true);
            Parallel.For(0, th, y =>
            {
                var row = valid.AsSpan(y * tw, tw);
                var (iy, ty) = field.SampleAxis(oy + (y + 0.5) * stepY, horizontal: false);
                if (iy < 0) return;
                var alpha = pixels.AsSpan(y * tw * 4, tw * 4);
                for (var x = 0; x < tw; x++)
                {
                    var (ix, tx) = columns[x];
                    if (ix < 0 || alpha[x * 4 + 3] <= 200) continue;
                    var d = field.SignedDistanceAt(ix, iy, tx, ty);
                    // Dark in every channel: a mix of two bright colours (red object, green backdrop) is not.
                    var dark = Math.Max(alpha[x * 4], Math.Max(alpha[x * 4 + 1], alpha[x * 4 + 2])) < DarkLevel;
                    row[x] = d > InsideMargin || (dark && d > DarkInsideMargin) ? (byte)1 : (byte)0;
                }
            });
            PushPull.Fill(pixels, valid, tw, th);
        }
        // Opaque: JPEG has no alpha. A vector OR sets every fourth byte (little-endian RGBA words).
        var words = MemoryMarshal.Cast<byte, uint>(pixels.AsSpan(0, tw * th * 4));
        var opaque = BitConverter.IsLittleEndian ? 0xFF000000u : 0x000000FFu;
        var vectorised = words.Length - words.Length % Vector<uint>.Count;
        var alphaBits = new Vector<uint>(opaque);
        for (var i = 0; i < vectorised; i += Vector<uint>.Count) (new Vector<uint>(words[i..]) | alphaBits).CopyTo(words[i..]);
        for (var i = vectorised; i < words.Length; i++) words[i] |= opaque;
        return new BakedTexture(texture.EncodeJpeg(JpegQuality), px0 / sx, py0 / sy, pw / sx, ph / sy);
    }
}
