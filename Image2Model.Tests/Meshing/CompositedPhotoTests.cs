using Image2Model.Site.Meshing;
using Image2Model.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Image2Model.Tests.Meshing;

/// <summary>
/// The engine cuts real-looking photos out: objects on wood, tiles, fabric, concrete, a shelf,
/// sky and studio sweeps, with shadows, noise and JPEG artefacts (<see cref="CompositedPhotos"/>).
/// The default suite runs every third case; `dotnet run -c Release --project bench/Image2Model.Bench -- iou`
/// runs the full set and prints the distribution.
/// </summary>
public sealed class CompositedPhotoTests(ITestOutputHelper output)
{
    public const int FullSet = 96;

    [Fact]
    public void Objects_photographed_on_real_looking_backdrops_are_cut_out_close_to_their_true_outline()
    {
        var scores = new List<(string Name, double IoU, string Reason)>();
        Parallel.For(0, FullSet / 3, new ParallelOptions { MaxDegreeOfParallelism = 2 }, k =>
        {
            var photo = CompositedPhotos.Make(k * 3, Fixtures.Read);
            var found = Segmentation.Find(TestImages.Decode(photo.Photo));
            var iou = found.Subject is null ? 0 : TestImages.IoU(found.Subject.Mask, photo.TrueMask);
            lock (scores) scores.Add((photo.Name, iou, found.Reason));
        });
        scores.Sort((a, b) => a.IoU.CompareTo(b.IoU));
        foreach (var (name, iou, reason) in scores) output.WriteLine($"{iou:F3} {name} ({reason})");

        var good = scores.Count(s => s.IoU >= 0.9);
        var median = scores[scores.Count / 2].IoU;
        // Issue 10's target: IoU >= 0.9 on at least 90 % of the images (91 % on the full set of 96).
        Assert.True(good >= 0.9 * scores.Count, $"IoU >= 0.9 on {good} of {scores.Count}; worst: {string.Join(", ", scores.Take(5).Select(s => $"{s.Name} {s.IoU:F2}"))}");
        Assert.True(median >= 0.95, $"median IoU {median:F3} < 0.95");
    }

    [Theory]
    [InlineData(47)] // box on concrete, cut off by the frame
    [InlineData(52)] // mug on fabric, cut off by the frame
    [InlineData(62)] // bottle on a gradient, cut off by the frame
    public void Object_cut_off_by_the_frame_is_cut_out_right_up_to_the_frame(int index)
    {
        var photo = CompositedPhotos.Make(index, Fixtures.Read);
        int w = photo.Width, h = photo.Height;

        var found = Segmentation.Find(TestImages.Decode(photo.Photo));

        Assert.NotNull(found.Subject);
        // The outermost row and column of pixels: where the object truly runs off the frame, the cut-out does too.
        int onFrame = 0, reached = 0;
        for (var i = 0; i < w * h; i++)
        {
            int x = i % w, y = i / w;
            if ((x > 0 && y > 0 && x < w - 1 && y < h - 1) || photo.TrueMask[i] == 0) continue;
            onFrame++;
            if (found.Subject.Mask[i] != 0) reached++;
        }
        Assert.True(onFrame > 0, $"{photo.Name} does not run off the frame");
        Assert.True(reached >= 0.9 * onFrame, $"{photo.Name}: the cut-out reaches {reached} of the {onFrame} frame pixels the object covers");
    }

    public static TheoryData<string> NoSubjectCases() => [.. CompositedPhotos.NoSubject().Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(NoSubjectCases))]
    public void Picture_with_no_single_subject_becomes_a_relief_and_says_why(string name)
    {
        var photo = CompositedPhotos.NoSubject().Single(c => c.Name == name).Photo;

        var result = LocalEngine.Convert(photo, new EngineOptions(FaceLimit: 2_000));

        Assert.True(result.Mode == LocalEngine.Relief, $"{name} became a {result.Mode} ({result.Reason})");
        Assert.StartsWith("no ", result.Reason);
        MeshFacts.Read(result.Glb).AssertWatertightSolid();
    }

    [Theory]
    [MemberData(nameof(NoSubjectCases))]
    public void Picture_with_no_subject_gets_the_plain_relief_with_nothing_raised_as_a_layer(string name)
    {
        var photo = CompositedPhotos.NoSubject().Single(c => c.Name == name).Photo;

        var found = Segmentation.Find(TestImages.Decode(photo));

        Assert.Null(found.Subject);
        Assert.False(found.Layered, $"{name} ({found.Reason}) would raise a layer");
    }
}
