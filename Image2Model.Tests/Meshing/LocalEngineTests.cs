using System.Collections.Concurrent;
using System.Numerics;
using Image2Model.Site.Meshing;
using SkiaSharp;

using Image2Model.Tests.Infrastructure;

namespace Image2Model.Tests.Meshing;

public sealed class LocalEngineTests
{
    private static readonly ConcurrentDictionary<string, EngineResult> Converted = new();

    /// <summary>Each fixture at 10k faces, converted once for all the stories that look at it.</summary>
    private static EngineResult Convert(string fixture) =>
        Converted.GetOrAdd(fixture, f => LocalEngine.Convert(Infrastructure.Fixtures.Read(f), new EngineOptions(FaceLimit: 10_000)));

    public static TheoryData<string> Fixtures() => [.. TestImages.AllImageFixtures()];

    public static TheoryData<string> TransparentFixtures() => ["apple.png", "rubber_duck.png", "logo.png", "horse.png"];

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Every_fixture_becomes_a_closed_outward_solid(string fixture)
    {
        var result = Convert(fixture);

        var mesh = MeshFacts.Read(result.Glb);
        mesh.AssertWatertightSolid();
        Assert.Equal(result.Triangles, mesh.Triangles);
        Assert.InRange(result.Triangles, 9_000, 10_000);
    }

    [Theory]
    [MemberData(nameof(TransparentFixtures))]
    public void Object_on_transparency_or_white_becomes_a_cut_out(string fixture)
    {
        Assert.Equal("cut-out", Convert(fixture).Mode);
    }

    [Theory]
    [MemberData(nameof(TransparentFixtures))]
    public void Mesh_seen_from_the_front_covers_the_cut_out_silhouette(string fixture)
    {
        // At the engine's own (auto) face count, which grows with the outline's intricacy.
        var result = LocalEngine.Convert(Infrastructure.Fixtures.Read(fixture), new EngineOptions());
        var silhouette = Segmentation.Find(TestImages.Decode(Infrastructure.Fixtures.Read(fixture))).Subject;
        Assert.NotNull(silhouette);

        var (box, bw, bh) = CropToBox(silhouette.Mask, silhouette.Width, silhouette.Height);
        var projected = MeshFacts.Read(result.Glb).ProjectFront(bw, bh);
        var iou = TestImages.IoU(box, [.. projected.Select(c => c ? (byte)1 : (byte)0)]);
        Assert.True(iou >= 0.97, $"silhouette IoU {iou:F3} < 0.97");
    }

    [Theory]
    [MemberData(nameof(TransparentFixtures))]
    [InlineData("coffee.png")]
    public void Cut_out_rim_shades_smoothly_from_front_to_back_without_a_seam(string fixture)
    {
        var mesh = MeshFacts.Read(Convert(fixture).Glb);
        Assert.True(mesh.Size().Z > 0.05f, "not a cut-out");

        // The rim is two copies of the outline a hair apart (front and back keep their own UVs):
        // the vertices sharing x and y with a z gap far below the model's size.
        var hair = 1e-3f * mesh.Size().Length();
        var rims = mesh.Positions.Select((p, i) => (p, i))
            .GroupBy(v => (MathF.Round(v.p.X * 1e5f), MathF.Round(v.p.Y * 1e5f)))
            .Select(g => g.OrderBy(v => v.p.Z).ToList())
            .Where(g => g.Count >= 2 && g[^1].p.Z - g[0].p.Z < hair)
            .Select(g => (Back: g[0].i, Front: g[^1].i))
            .ToList();
        Assert.True(rims.Count > 100, $"only {rims.Count} rim vertex pairs found");

        var angles = rims.Select(r => MathF.Acos(Math.Clamp(Vector3.Dot(mesh.Normals[r.Back], mesh.Normals[r.Front]), -1f, 1f)) * 180 / MathF.PI).Order().ToList();
        Assert.True(angles[^1] < 1f, $"front and back copies of a rim vertex differ by up to {angles[^1]:F1}° (median {angles[angles.Count / 2]:F1}°) over {rims.Count} pairs");
    }

    [Fact]
    public void Busy_photo_falls_back_to_a_relief_tile_that_is_still_a_closed_solid()
    {
        var result = Convert("astronaut.png");

        Assert.Equal("relief", result.Mode);
        MeshFacts.Read(result.Glb).AssertWatertightSolid();
    }

    [Theory]
    [InlineData("rubber_duck.png", 1_000)]
    [InlineData("rubber_duck.png", 3_333)]
    [InlineData("logo.png", 50_000)]
    [InlineData("apple.png", 200_000)]
    [InlineData("astronaut.png", 1_000)]
    [InlineData("astronaut.png", 77_777)]
    public void Triangle_count_lands_within_ten_percent_under_the_face_limit(string fixture, int limit)
    {
        var result = LocalEngine.Convert(Infrastructure.Fixtures.Read(fixture), new EngineOptions(FaceLimit: limit));

        Assert.InRange(result.Triangles, (int)Math.Ceiling(0.9 * limit), limit);
        var mesh = MeshFacts.Read(result.Glb);
        Assert.Equal(result.Triangles, mesh.Triangles);
        mesh.AssertWatertightSolid();
    }

    [Fact]
    public void Auto_face_limit_picks_a_sensible_count()
    {
        var result = LocalEngine.Convert(Infrastructure.Fixtures.Read("rubber_duck.png"), new EngineOptions());

        Assert.InRange(result.Triangles, 9_000, 40_000);
    }

    [Fact]
    public void Model_stands_upright_centred_on_the_origin_at_the_requested_height()
    {
        var oneMetre = MeshFacts.Read(Convert("rubber_duck.png").Glb);
        var twoMetres = MeshFacts.Read(LocalEngine.Convert(Infrastructure.Fixtures.Read("rubber_duck.png"), new EngineOptions(10_000, Height: 2f)).Glb);

        Assert.Equal(1f, oneMetre.Size().Y, 3);
        Assert.Equal(2f, twoMetres.Size().Y, 3);
        var centre = (oneMetre.Min() + oneMetre.Max()) / 2;
        Assert.True(centre.Length() < 1e-3, $"centre {centre}");
        // The duck is wider than tall (388x299): it lies along X, not on its side.
        Assert.True(oneMetre.Size().X > oneMetre.Size().Y);
        Assert.True(oneMetre.Size().Z > 0.1f, "the cut-out should be inflated, not flat");
    }

    [Fact]
    public void Face_limit_changes_the_triangles_but_never_the_pieces_or_holes_of_the_logo()
    {
        var shapes = new[] { 2_000, 10_000, 40_000 }.Select(limit =>
        {
            var mesh = MeshFacts.Read(LocalEngine.Convert(Infrastructure.Fixtures.Read("logo.png"), new EngineOptions(FaceLimit: limit)).Glb);
            mesh.AssertWatertightSolid();
            // Per closed piece, V - E + F = 2 - 2 x holes.
            return (Limit: limit, Pieces: mesh.Pieces(), Holes: (2 * mesh.Pieces() - mesh.EulerCharacteristic()) / 2);
        }).ToList();

        Assert.All(shapes, s => Assert.Equal((2, 0), (s.Pieces, s.Holes)));
    }

    [Fact]
    public void Flat_sign_becomes_a_thin_badge_and_a_shaded_ball_a_solid_thinner_than_wide()
    {
        var sign = TestImages.Draw(400, 400, SKColors.White, c =>
        {
            using var red = new SKPaint { Color = new SKColor(200, 30, 30), IsAntialias = true };
            c.DrawCircle(200, 200, 150, red);
            using var white = new SKPaint { Color = SKColors.White, IsAntialias = true };
            c.DrawRect(110, 180, 180, 40, white);
        });
        var ball = TestImages.Draw(400, 400, SKColors.White, c =>
        {
            using var paint = new SKPaint { IsAntialias = true };
            paint.Shader = SKShader.CreateRadialGradient(new SKPoint(160, 150), 220, [new SKColor(250, 120, 120), new SKColor(120, 20, 20)], SKShaderTileMode.Clamp);
            c.DrawCircle(200, 200, 150, paint);
        });

        var badge = LocalEngine.Convert(sign, new EngineOptions(4_000));
        var solid = LocalEngine.Convert(ball, new EngineOptions(4_000));

        Assert.Equal("badge", badge.Profile);
        Assert.Equal("inflated", solid.Profile);
        var badgeSize = MeshFacts.Read(badge.Glb).Size();
        var solidSize = MeshFacts.Read(solid.Glb).Size();
        Assert.InRange(badgeSize.Z / badgeSize.X, 0.02, 0.2);
        // Thickness follows the size, capped: no longer as deep as wide, but still a solid.
        Assert.InRange(solidSize.Z / solidSize.X, 0.25, 0.6);
    }

    [Fact]
    public void Ring_keeps_its_hole_like_a_mug_handle()
    {
        var result = LocalEngine.Convert(TestImages.Ring(), new EngineOptions(FaceLimit: 8_000));

        Assert.Equal("cut-out", result.Mode);
        var mesh = MeshFacts.Read(result.Glb);
        mesh.AssertWatertightSolid();
        Assert.Equal(0, mesh.EulerCharacteristic());
    }

    [Fact]
    public void Ring_photographed_on_a_noisy_gradient_keeps_its_hole()
    {
        var photo = TestImages.Draw(400, 300, SKColors.White, c =>
        {
            using (var backdrop = new SKPaint())
            {
                backdrop.Shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(400, 300), [new SKColor(235, 230, 220), new SKColor(170, 165, 160)], SKShaderTileMode.Clamp);
                c.DrawRect(0, 0, 400, 300, backdrop);
            }
            using var ring = new SKPaint { Color = new SKColor(150, 60, 30), IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = 36 };
            c.DrawCircle(200, 150, 90, ring);
        }, SKEncodedImageFormat.Jpeg);

        var result = LocalEngine.Convert(photo, new EngineOptions(FaceLimit: 6_000));

        Assert.Equal("cut-out", result.Mode);
        var mesh = MeshFacts.Read(result.Glb);
        mesh.AssertWatertightSolid();
        Assert.Equal(0, mesh.EulerCharacteristic());
    }

    [Fact]
    public void Forty_megapixel_photo_is_decoded_scaled_down_and_textured_within_the_size_limit()
    {
        var photo = TestImages.Draw(8000, 5000, new SKColor(230, 232, 235), c =>
        {
            using var paint = new SKPaint { Color = new SKColor(20, 120, 90), IsAntialias = true };
            c.DrawOval(4000, 2500, 2600, 1800, paint);
        }, SKEncodedImageFormat.Jpeg);

        var result = LocalEngine.Convert(photo, new EngineOptions(FaceLimit: 20_000));

        Assert.Equal("cut-out", result.Mode);
        var mesh = MeshFacts.Read(result.Glb);
        mesh.AssertWatertightSolid();
        using var texture = SKBitmap.Decode(mesh.Model.LogicalImages[0].Content.Content.ToArray());
        Assert.True(Math.Max(texture.Width, texture.Height) <= 2048);
        Assert.True(Math.Abs(mesh.Size().X / mesh.Size().Y - 2600.0 / 1800) < 0.02, $"aspect {mesh.Size().X / mesh.Size().Y}");
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 5)]
    [InlineData(2000, 3)]
    [InlineData(3, 2000)]
    [InlineData(4000, 2)]
    public void Tiny_or_extreme_pictures_still_give_a_closed_model(int width, int height)
    {
        var picture = TestImages.Draw(width, height, new SKColor(200, 180, 90), c =>
        {
            using var paint = new SKPaint { Color = SKColors.Black };
            c.DrawRect(width / 4f, height / 4f, width / 2f, height / 2f, paint);
        });

        var result = LocalEngine.Convert(picture, new EngineOptions(FaceLimit: 1_000));

        Assert.True(result.Triangles is >= 900 and <= 1_000, $"{result.Triangles} triangles");
        MeshFacts.Read(result.Glb).AssertWatertightSolid();
    }

    [Fact]
    public void Webp_photo_converts_like_any_other()
    {
        var webp = TestImages.Composite("apple.png", TestImages.Backdrop.Gradient, SKEncodedImageFormat.Webp);

        var result = LocalEngine.Convert(webp, new EngineOptions(FaceLimit: 3_000));

        Assert.Equal("cut-out", result.Mode);
        MeshFacts.Read(result.Glb).AssertWatertightSolid();
    }

    [Fact]
    public void Coffee_cup_on_its_saucer_is_never_cut_out_without_the_cup()
    {
        // An espresso cup with a spoon on a red saucer on a wooden table (600x400). Its crema is the
        // wood's colour, so a cut can give the cup's opening to the table and keep a red crescent.
        var result = Convert("coffee.png");

        if (result.Mode == "relief")
        {
            Assert.StartsWith("no ", result.Reason);
            return;
        }
        var mask = Assert.IsType<CutoutMask>(result.Mask);
        // The cup's white rim (top, left, right), its crema, and the saucer on either side of the cup.
        (int X, int Y, string What)[] inside =
        [
            (290, 28, "rim at the top"), (182, 120, "rim on the left"), (400, 125, "rim on the right"),
            (290, 145, "crema"), (110, 240, "saucer on the left"), (450, 230, "saucer on the right"),
        ];
        var missing = inside.Where(p => !mask.IsObject(p.X / 600.0, p.Y / 400.0)).Select(p => p.What).ToList();
        Assert.True(missing.Count == 0, $"{result.Mode} ({result.Reason}) leaves out the {string.Join(", ", missing)}");
    }

    [Fact]
    public void Dark_subject_running_off_the_frame_is_raised_over_a_plate_in_a_layered_relief()
    {
        // A dark bust cut off by the bottom and both sides of the frame: found, but not free-standing.
        var photo = TestImages.Draw(400, 300, new SKColor(235, 235, 230), c =>
        {
            using var paint = new SKPaint { Color = new SKColor(25, 30, 60), IsAntialias = true };
            c.DrawOval(200, 320, 225, 190, paint);
        }, SKEncodedImageFormat.Jpeg);

        var result = LocalEngine.Convert(photo, new EngineOptions(FaceLimit: 4_000));

        Assert.True(result.Mode == "relief", $"{result.Mode}: {result.Reason}");
        Assert.Contains("runs off the edges", result.Reason);
        var mesh = MeshFacts.Read(result.Glb);
        mesh.AssertWatertightSolid();
        // The dark subject (bottom of the picture) stands higher than the bright backdrop (top), not lower.
        var subject = mesh.Positions.Where(p => p.Y < mesh.Min().Y + 0.2f * mesh.Size().Y).Max(p => p.Z);
        var backdrop = mesh.Positions.Where(p => p.Y > mesh.Max().Y - 0.2f * mesh.Size().Y).Max(p => p.Z);
        Assert.True(subject > backdrop + 0.02f, $"subject front {subject:F3}, backdrop front {backdrop:F3}");
    }

    [Fact]
    public void Portrait_with_a_flag_and_a_model_shuttle_becomes_a_layered_relief_with_the_face_raised_over_the_plate()
    {
        // Not a cut-out (the shuttle and the mission patch stand out as much as the face), but a
        // subject was found: it is raised as a layer of its own instead of a brightness relief.
        var result = Convert("astronaut.png");

        Assert.Equal("relief", result.Mode);
        Assert.Contains("several separate things stand out", result.Reason);
        var mesh = MeshFacts.Read(result.Glb);
        var face = FrontAt(mesh, 225 / 512f, 110 / 512f);
        var backdrop = FrontAt(mesh, 335 / 512f, 60 / 512f);
        // The layer rises 7 % of the picture's size over the plate; brightness alone moves the
        // front by at most 1.5 % on a layered relief (6 % on a plain one, for black to white).
        Assert.True(face - backdrop > 0.04f * mesh.Size().X, $"face front {face:F3}, backdrop beside it {backdrop:F3}");
    }

    /// <summary>The highest front point near (u, v) of the picture (0..1, v down), for reliefs.</summary>
    private static float FrontAt(MeshFacts mesh, float u, float v)
    {
        var min = mesh.Min();
        var size = mesh.Size();
        return mesh.Positions
            .Where(p => MathF.Abs((p.X - min.X) / size.X - u) < 0.03f && MathF.Abs((min.Y + size.Y - p.Y) / size.Y - v) < 0.03f)
            .Max(p => p.Z);
    }

    [Fact]
    public void Dark_things_in_a_picture_without_one_subject_stand_out_of_the_relief_instead_of_sinking()
    {
        // Two equal dark discs on a light wall: no single subject, so a relief.
        var photo = TestImages.Draw(400, 300, new SKColor(225, 222, 215), c =>
        {
            using var paint = new SKPaint { Color = new SKColor(20, 22, 30), IsAntialias = true };
            c.DrawCircle(120, 150, 55, paint);
            c.DrawCircle(280, 150, 55, paint);
        }, SKEncodedImageFormat.Jpeg);

        var result = LocalEngine.Convert(photo, new EngineOptions(FaceLimit: 8_000));

        Assert.True(result.Mode == "relief", $"{result.Mode}: {result.Reason}");
        var mesh = MeshFacts.Read(result.Glb);
        mesh.AssertWatertightSolid();
        var disc = FrontAt(mesh, 120 / 400f, 0.5f);
        var wall = FrontAt(mesh, 200 / 400f, 0.12f);
        Assert.True(disc > wall, $"dark disc front {disc:F3}, wall front {wall:F3}");
    }

    [Fact]
    public void Blank_picture_becomes_a_relief_tile()
    {
        var blank = TestImages.Draw(300, 200, new SKColor(120, 130, 140), _ => { });

        var result = LocalEngine.Convert(blank, new EngineOptions(FaceLimit: 2_000));

        Assert.Equal("relief", result.Mode);
        MeshFacts.Read(result.Glb).AssertWatertightSolid();
    }

    [Fact]
    public void Photo_of_an_object_on_a_plain_backdrop_becomes_a_textured_cut_out_without_a_halo()
    {
        var backdrop = new SKColor(40, 200, 60);
        var photo = TestImages.Draw(400, 300, backdrop, c =>
        {
            using var paint = new SKPaint { Color = new SKColor(200, 40, 40), IsAntialias = true };
            c.DrawOval(200, 150, 120, 90, paint);
        }, SKEncodedImageFormat.Jpeg);

        var result = LocalEngine.Convert(photo, new EngineOptions(FaceLimit: 5_000));

        Assert.Equal("cut-out", result.Mode);
        var mesh = MeshFacts.Read(result.Glb);
        mesh.AssertWatertightSolid();
        using var texture = SKBitmap.Decode(mesh.Model.LogicalImages[0].Content.Content.ToArray());
        Assert.NotNull(texture);
        // Every rim point (z = 0) samples red, never the green backdrop.
        var zSpan = mesh.Size().Z;
        for (var i = 0; i < mesh.Positions.Length; i++)
        {
            if (Math.Abs(mesh.Positions[i].Z) > zSpan * 1e-3) continue;
            var uv = mesh.Uvs[i];
            var c = texture.GetPixel(Math.Clamp((int)(uv.X * texture.Width), 0, texture.Width - 1), Math.Clamp((int)(uv.Y * texture.Height), 0, texture.Height - 1));
            Assert.True(c.Red > 150 && c.Green < 110, $"rim texel {c} looks like background at {mesh.Positions[i]} uv {uv}");
        }
    }

    [Fact]
    public void Texture_is_an_embedded_jpeg_no_larger_than_asked_on_a_pbr_material()
    {
        var result = LocalEngine.Convert(Infrastructure.Fixtures.Read("logo.png"), new EngineOptions(FaceLimit: 2_000, MaxTextureSize: 256));

        var mesh = MeshFacts.Read(result.Glb);
        var image = Assert.Single(mesh.Model.LogicalImages);
        Assert.True(image.Content.IsJpg);
        using var texture = SKBitmap.Decode(image.Content.Content.ToArray());
        Assert.True(Math.Max(texture.Width, texture.Height) <= 256);
        var material = Assert.Single(mesh.Model.LogicalMaterials);
        Assert.NotNull(material.FindChannel("BaseColor")?.Texture);
        Assert.NotNull(material.FindChannel("MetallicRoughness"));
    }

    [Fact]
    public void Phone_photo_is_turned_the_way_its_exif_orientation_says()
    {
        // Stored landscape (a tall bar drawn lying down), tagged "rotate 90° clockwise to view".
        var stored = TestImages.Draw(300, 200, SKColors.White, c =>
        {
            using var paint = new SKPaint { Color = SKColors.DarkBlue, IsAntialias = true };
            c.DrawRoundRect(40, 60, 220, 80, 20, 20, paint);
        }, SKEncodedImageFormat.Jpeg);

        var upright = MeshFacts.Read(LocalEngine.Convert(stored, new EngineOptions(4_000)).Glb);
        var rotated = MeshFacts.Read(LocalEngine.Convert(Exif.WithOrientation(stored, 6), new EngineOptions(4_000)).Glb);

        Assert.True(upright.Size().X > upright.Size().Y);
        Assert.True(rotated.Size().Y > rotated.Size().X);
    }

    [Fact]
    public void Truncated_jpeg_is_refused_with_a_message_for_the_user()
    {
        var error = Assert.Throws<ImageDecodeException>(() => LocalEngine.Convert(Infrastructure.Fixtures.Read("truncated.jpg"), new EngineOptions()));
        Assert.Contains("incomplete", error.Message);
    }

    [Fact]
    public void Text_file_is_refused_as_not_an_image()
    {
        var error = Assert.Throws<ImageDecodeException>(() => LocalEngine.Convert("hello, world"u8.ToArray(), new EngineOptions()));
        Assert.Contains("not an image", error.Message);
    }

    [Fact]
    public void Pixel_bomb_is_refused_before_decoding()
    {
        var error = Assert.Throws<ImageDecodeException>(() => LocalEngine.Convert(PngHeader(100_000, 100_000), new EngineOptions()));
        Assert.Contains("too large", error.Message);
    }

    [Fact]
    public void Every_output_passes_the_Khronos_glTF_validator_with_no_errors_or_warnings()
    {
        var glbs = new Dictionary<string, byte[]>();
        foreach (var fixture in TestImages.AllImageFixtures()) glbs[fixture] = Convert(fixture).Glb;
        glbs["ring"] = LocalEngine.Convert(TestImages.Ring(), new EngineOptions(3_000)).Glb;
        glbs["duck-on-noise"] = LocalEngine.Convert(TestImages.Composite("rubber_duck.png", TestImages.Backdrop.NoisyWithShadow), new EngineOptions(70_000)).Glb;
        glbs["relief-small"] = LocalEngine.Convert(Infrastructure.Fixtures.Read("astronaut.png"), new EngineOptions(1_000, MaxTextureSize: 100)).Glb;

        var reports = GltfValidator.Validate(glbs);

        Assert.Equal(glbs.Count, reports.Count);
        Assert.All(reports, r => Assert.True(r.Errors == 0 && r.Warnings == 0, $"{r.File}: {r.Errors} errors, {r.Warnings} warnings: {string.Join("; ", r.Messages)}"));
    }

    private static (byte[] Box, int W, int H) CropToBox(byte[] mask, int w, int h)
    {
        int x0 = w, y0 = h, x1 = -1, y1 = -1;
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                if (mask[y * w + x] == 0) continue;
                x0 = Math.Min(x0, x); x1 = Math.Max(x1, x);
                y0 = Math.Min(y0, y); y1 = Math.Max(y1, y);
            }
        }
        int bw = x1 - x0 + 1, bh = y1 - y0 + 1;
        var box = new byte[bw * bh];
        for (var y = 0; y < bh; y++)
        {
            for (var x = 0; x < bw; x++) box[y * bw + x] = mask[(y + y0) * w + x + x0];
        }
        return (box, bw, bh);
    }

    /// <summary>A PNG signature and IHDR claiming the given size, with no pixel data.</summary>
    private static byte[] PngHeader(int width, int height)
    {
        var ihdr = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;
        ihdr[9] = 2;
        var chunk = new List<byte>();
        chunk.AddRange([0, 0, 0, 13]);
        var typeAndData = "IHDR"u8.ToArray().Concat(ihdr).ToArray();
        chunk.AddRange(typeAndData);
        var crc = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typeAndData));
        chunk.AddRange(crc);
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, .. chunk];
    }

    private static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        }
        return ~crc;
    }
}
