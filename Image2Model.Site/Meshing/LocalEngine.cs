namespace Image2Model.Site.Meshing;

/// <param name="FaceLimit">Target triangle count; null picks one from the image.</param>
/// <param name="MaxTextureSize">Longest side of the embedded texture, in pixels.</param>
/// <param name="Height">Height of the model in metres.</param>
public sealed record EngineOptions(int? FaceLimit = null, int MaxTextureSize = 2048, float Height = 1f);

/// <param name="Mode">How the model was made, in words a user understands ("cut-out" or "relief").</param>
public sealed record EngineResult(byte[] Glb, int Triangles, string Mode)
{
    /// <summary>Why this mode, in plain words (for a relief: why no free-standing cut-out was made).</summary>
    public string Reason { get; init; } = "";

    /// <summary>"inflated" or "badge" for a cut-out; null for a relief.</summary>
    public string? Profile { get; init; }

    /// <summary>The cut-out mask that was used (empty for a relief).</summary>
    public CutoutMask? Mask { get; init; }
}

/// <summary>
/// The object mask the engine worked with: 1 = object, <paramref name="Width"/> x <paramref name="Height"/>
/// cells, each covering <paramref name="Scale"/> x <paramref name="Scale"/> pixels of the decoded,
/// upright photo, which is <paramref name="PhotoWidth"/> x <paramref name="PhotoHeight"/>.
/// </summary>
public sealed record CutoutMask(byte[] Bits, int Width, int Height, int Scale, int PhotoWidth, int PhotoHeight)
{
    /// <summary>Whether the point at (u, v) in 0..1 of the upright photo is object.</summary>
    public bool IsObject(double u, double v)
    {
        var x = (int)(u * PhotoWidth / Scale);
        var y = (int)(v * PhotoHeight / Scale);
        return x >= 0 && y >= 0 && x < Width && y < Height && Bits[y * Width + x] != 0;
    }
}

/// <summary>The input could not be read as an image; the message says why, for the user.</summary>
public sealed class ImageDecodeException(string message) : Exception(message);

/// <summary>
/// The embedded, offline image-to-3D engine behind the "local" generator: decode, find the
/// subject, inflate its silhouette into a rounded closed solid (or make a relief tile when there
/// is no clear subject), mesh it to the face limit, texture it with the photo and write a GLB.
/// </summary>
/// <remarks>
/// The engine's loops are marked <c>[MethodImpl(MethodImplOptions.AggressiveOptimization)]</c>:
/// compiled fully optimised on first use instead of tiered. A site converts a photo now and then,
/// so under tiered compilation its first thirty or so conversions ran the loops unoptimised (or
/// instrumented) while the JIT recompiled them on the same two cores: about 1.5x the CPU per
/// conversion of the settled process, and a slow first conversion.
/// </remarks>
public static class LocalEngine
{
    public const string CutOut = "cut-out";
    public const string Relief = "relief";

    /// <summary>Segmentation and meshing work on an image this size; the texture uses the full decode.</summary>
    internal const int WorkingSide = 640;

    public const int MinFaces = 200;
    public const int MaxFaces = 500_000;

    public static EngineResult Convert(byte[] image, EngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(options);
        var textureSide = Math.Clamp(options.MaxTextureSize, 16, 8192);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var photo = ImageDecoding.Decode(image, Math.Max(textureSide, WorkingSide), pooled: true);
        StageTimes.Lap("decode", clock);
        try
        {
            return Convert(photo, options, textureSide);
        }
        finally
        {
            photo.ReturnToPool();
        }
    }

    private static EngineResult Convert(RgbaImage photo, EngineOptions options, int textureSide)
    {
        // Whole-pixel box downsampling keeps the working image exactly aligned with the photo.
        var factor = Math.Clamp((int)Math.Round((double)Math.Max(photo.Width, photo.Height) / WorkingSide), 1, Math.Min(photo.Width, photo.Height));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var working = photo.Downsample(factor);
        StageTimes.Lap("downsample", clock);
        var segmentation = Segmentation.Find(working);
        StageTimes.Lap("segmentation", clock);

        if (segmentation.Subject is { } subject)
        {
            var (area, perimeter) = ShapeField.Measure(subject);
            var faces = Budget(options.FaceLimit, AutoFaces(area, perimeter));
            var profile = IsFlatGraphic(working, subject) ? Profile.Badge : Profile.Inflated;
            var field = ShapeField.Inflate(subject, closeGapsNarrowerThan: CutoutMesher.EstimateSpacing(area, faces), profile);
            StageTimes.Lap("inflate", clock);
            // The inflated height is needed by the texture's rim smoothing and by the mesh: worked
            // out alongside the texture's first steps.
            var bulge = Task.Run(() => field.Bulge);
            var (mesh, texture) = Alongside(
                () => CutoutMesher.Build(field, faces, depthScale: 1f),
                () => TextureBaker.Prepare(photo, factor, working.Width, working.Height, field, textureSide));
            Task.WaitAny(bulge);
            StageTimes.Lap("mesh+texture", clock);
            var glb = GlbWriter.Write(mesh, texture, options.Height);
            StageTimes.Lap("glb", clock);
            return new EngineResult(glb, mesh.TriangleCount, CutOut)
            {
                Reason = segmentation.Reason,
                Profile = profile == Meshing.Profile.Badge ? "badge" : "inflated",
                Mask = new CutoutMask(subject.Mask, subject.Width, subject.Height, factor, photo.Width, photo.Height),
            };
        }
        else
        {
            var faces = Budget(options.FaceLimit, 20_000);
            var (mesh, texture) = Alongside(
                () => ReliefMesher.Build(working, faces, segmentation.Layered ? segmentation.Rejected : null),
                () => TextureBaker.Prepare(photo, factor, working.Width, working.Height, null, textureSide));
            return new EngineResult(GlbWriter.Write(mesh, texture, options.Height), mesh.TriangleCount, Relief)
            {
                Reason = segmentation.Reason,
                Mask = new CutoutMask(new byte[working.Width * working.Height], working.Width, working.Height, factor, photo.Width, photo.Height),
            };
        }
    }

    /// <summary>
    /// Prepares the texture first, on both cores (its loops are parallel); then encodes its JPEG,
    /// which runs on one core, on another thread while the mesh is built on the other. Returns only
    /// once the encoding has finished, even on failure.
    /// </summary>
    private static (TriangleMesh Mesh, BakedTexture Texture) Alongside(Func<TriangleMesh> build, Func<TextureBaker.PreparedTexture> prepare)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var prepared = prepare();
        StageTimes.Lap("texture", clock);
        var encoding = Task.Run(prepared.Encode);
        try
        {
            var mesh = build();
            StageTimes.Lap("mesh (alone)", clock);
            return (mesh, encoding.GetAwaiter().GetResult());
        }
        finally
        {
            // Waits without throwing; an encoding failure has already surfaced through GetResult.
            Task.WaitAny(encoding);
        }
    }

    /// <summary>
    /// Flat graphics (a sticker, a flag, a sign) are a few flat colours with no shading: four colours
    /// (4 bits a channel) cover nearly all of the object. They become a badge, not a ball. Clip art
    /// with shading bands (the duck) has more and stays a rounded solid.
    /// </summary>
    internal static bool IsFlatGraphic(RgbaImage image, Silhouette subject)
    {
        var bins = new int[4096];
        var px = image.Pixels;
        var total = 0;
        for (var i = 0; i < subject.Mask.Length; i++)
        {
            if (subject.Mask[i] == 0) continue;
            bins[(px[i * 4] >> 4 << 8) | (px[i * 4 + 1] >> 4 << 4) | (px[i * 4 + 2] >> 4)]++;
            total++;
        }
        Array.Sort(bins);
        var top = 0;
        for (var k = 0; k < 4; k++) top += bins[^(k + 1)];
        return total > 0 && top >= 0.95 * total;
    }

    private static int Budget(int? requested, int auto) => Math.Clamp(requested ?? auto, MinFaces, MaxFaces);

    /// <summary>
    /// More triangles for intricate outlines: the isoperimetric ratio (perimeter² / 4π·area) is
    /// smallest for a disc and grows with every lobe, notch and hole.
    /// </summary>
    internal static int AutoFaces(int area, int perimeter)
    {
        var ratio = (double)perimeter * perimeter / (4 * Math.PI * Math.Max(1, area));
        var faces = 12_000 * Math.Sqrt(Math.Max(1, ratio));
        return (int)Math.Clamp(Math.Round(faces / 1000) * 1000, 10_000, 40_000);
    }
}
