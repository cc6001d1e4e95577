namespace Image2Model.Site.Generators.Remote;

internal static class Durations
{
    /// <summary>"15 minutes", "1 minute", "90 seconds": how a person says a deadline.</summary>
    public static string Describe(TimeSpan duration)
    {
        if (duration >= TimeSpan.FromMinutes(1) && duration.TotalMinutes == Math.Floor(duration.TotalMinutes))
        {
            var minutes = (int)duration.TotalMinutes;
            return minutes == 1 ? "1 minute" : $"{minutes} minutes";
        }

        var seconds = Math.Max(1, (int)Math.Round(duration.TotalSeconds));
        return seconds == 1 ? "1 second" : $"{seconds} seconds";
    }
}
