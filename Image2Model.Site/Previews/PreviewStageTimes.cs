using System.Diagnostics;

namespace Image2Model.Site.Previews;

/// <summary>
/// Where a preview's time goes, in milliseconds, added up over the renders it is passed to
/// (bench/Image2Model.Bench.Results prints them).
/// </summary>
public sealed class PreviewStageTimes
{
    /// <summary>The GLB's container and JSON.</summary>
    public double Parse { get; set; }

    /// <summary>Accessors into arrays.</summary>
    public double Geometry { get; set; }

    /// <summary>Decoding the base-colour images and, beside it, framing and projecting the vertices (wall time).</summary>
    public double Prepare { get; set; }

    /// <summary>Decoding the base-colour images alone (thread time).</summary>
    public double Texture { get; set; }

    /// <summary>The bands drawn and compressed side by side (wall time).</summary>
    public double Bands { get; set; }

    /// <summary>Rasterizing, summed over the bands (thread time, so it can exceed <see cref="Bands"/>).</summary>
    public double Draw { get; set; }

    /// <summary>Filtering and compressing the PNG, summed over the bands, plus putting the file together.</summary>
    public double Encode { get; set; }

    internal static void Lap(ref long clock, PreviewStageTimes? times, Action<PreviewStageTimes, double> add)
    {
        if (times is not null)
        {
            add(times, Stopwatch.GetElapsedTime(clock).TotalMilliseconds);
            clock = Stopwatch.GetTimestamp();
        }
    }
}
