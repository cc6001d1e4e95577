using Image2Model.Site.Meshing;

namespace Image2Model.Tests.Meshing;

/// <summary>The engine's optimised pixel kernels against plain reference versions.</summary>
public sealed class ImageKernelTests
{
    [Theory]
    [InlineData(2, 37, 21)]
    [InlineData(3, 64, 48)]
    [InlineData(3, 101, 50)]
    [InlineData(5, 83, 29)]
    [InlineData(16, 70, 40)]
    public void Downsample_is_the_rounded_box_average(int factor, int width, int height)
    {
        var random = new Random(factor * 1000 + width);
        var pixels = new byte[width * height * 4];
        random.NextBytes(pixels);
        // Extremes too: all-255 blocks reach the largest sums.
        for (var i = 0; i < pixels.Length / 3; i++) pixels[i] = 255;

        var small = new RgbaImage(width, height, pixels).Downsample(factor);

        int w = width / factor, h = height / factor, area = factor * factor;
        Assert.Equal((w, h), (small.Width, small.Height));
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                for (var c = 0; c < 4; c++)
                {
                    var sum = 0;
                    for (var dy = 0; dy < factor; dy++)
                    {
                        for (var dx = 0; dx < factor; dx++) sum += pixels[((y * factor + dy) * width + x * factor + dx) * 4 + c];
                    }
                    Assert.Equal((byte)((sum + area / 2) / area), small.Pixels[(y * w + x) * 4 + c]);
                }
            }
        }
    }

    [Fact]
    public void Distance_transform_of_a_mask_is_the_exact_squared_distance()
    {
        const int w = 41, h = 29;
        var random = new Random(7);
        var mask = new byte[w * h];
        for (var i = 0; i < mask.Length; i++) mask[i] = random.Next(12) == 0 ? (byte)1 : (byte)0;

        var d = DistanceTransform.SquaredDistanceTo(mask, w, h, 1);

        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                var best = float.MaxValue;
                for (var q = 0; q < mask.Length; q++)
                {
                    if (mask[q] == 0) continue;
                    int dx = q % w - x, dy = q / w - y;
                    best = Math.Min(best, dx * dx + dy * dy);
                }
                Assert.Equal(best, d[y * w + x]);
            }
        }
    }
}
