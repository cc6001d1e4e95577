using System.Diagnostics.Metrics;
using Image2Model.Site.Operations;

namespace Image2Model.Tests.Operations;

/// <summary>
/// Listens to the site's meter and keeps only measurements made inside this recorder's async flow,
/// so tests running in parallel (which share the static instruments) do not see each other's counts.
/// </summary>
public sealed class MetricRecorder : IDisposable
{
    private static readonly AsyncLocal<MetricRecorder?> Current = new();
    private readonly MeterListener _listener = new();
    private readonly List<(string Name, double Value, Dictionary<string, string?> Tags)> _measurements = [];

    public MetricRecorder()
    {
        Current.Value = this;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == SiteMetrics.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (Current.Value != this)
        {
            return;
        }

        var copy = new Dictionary<string, string?>();
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value?.ToString();
        }

        lock (_measurements)
        {
            _measurements.Add((instrument.Name, value, copy));
        }
    }

    public double Sum(string name, params (string Key, string Value)[] tags)
    {
        lock (_measurements)
        {
            return _measurements.Where(m => m.Name == name && tags.All(t => m.Tags.GetValueOrDefault(t.Key) == t.Value)).Sum(m => m.Value);
        }
    }

    public int Count(string name, params (string Key, string Value)[] tags)
    {
        lock (_measurements)
        {
            return _measurements.Count(m => m.Name == name && tags.All(t => m.Tags.GetValueOrDefault(t.Key) == t.Value));
        }
    }

    public void Dispose()
    {
        Current.Value = null;
        _listener.Dispose();
    }
}
