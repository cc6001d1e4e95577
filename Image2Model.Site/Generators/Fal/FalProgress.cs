using System.Text.RegularExpressions;

namespace Image2Model.Site.Generators.Fal;

/// <summary>
/// FAL reports no numbers: progress is derived from the state, the log lines so far and the time
/// spent running. Those signals can dip (the queue position grows, a log line states a lower
/// percentage), so the bar never goes below what it already showed.
/// </summary>
internal sealed partial class FalProgress(TimeProvider time)
{
    /// <summary>A typical Tripo3D run; the bar approaches 85 % over a few of these.</summary>
    private static readonly TimeSpan TypicalRun = TimeSpan.FromSeconds(60);

    private DateTimeOffset? _runningSince;
    private int _shown;

    public (int Percent, string Message) Queued(int? position) => position switch
    {
        null or 0 => (Rise(10), "Next in FAL's queue"),
        var p => (Rise(Math.Max(5, 10 - p.Value)), $"Waiting in FAL's queue ({p} ahead)"),
    };

    public (int Percent, string Message) Running(IReadOnlyList<FalLog>? logs)
    {
        _runningSince ??= time.GetUtcNow();
        var elapsed = time.GetUtcNow() - _runningSince.Value;
        var byTime = 15 + 70 * (1 - Math.Exp(-elapsed / TypicalRun));
        var lines = logs?.Where(l => !string.IsNullOrWhiteSpace(l.Message)).Select(l => l.Message!.Trim()).ToList() ?? [];
        var byLines = 15 + 3 * lines.Count;
        var stated = lines.Select(l => Percent().Match(l)).Where(m => m.Success)
            .Select(m => 15 + 0.7 * Math.Min(100, int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)))
            .DefaultIfEmpty(0).Last();
        var percent = (int)Math.Min(85, Math.Max(byTime, Math.Max(byLines, stated)));
        var last = lines.LastOrDefault();
        var message = last is null ? "Tripo3D is building the model" : $"Tripo3D: {(last.Length <= 120 ? last : last[..120] + "…")}";
        return (Rise(percent), message);
    }

    private int Rise(int percent) => _shown = Math.Max(_shown, percent);

    [GeneratedRegex(@"\b(\d{1,3})\s?%")]
    private static partial Regex Percent();
}
