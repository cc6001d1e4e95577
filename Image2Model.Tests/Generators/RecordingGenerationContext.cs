using System.Collections.Concurrent;
using Image2Model.Site.Conversions;

namespace Image2Model.Tests.Generators;

/// <summary>Records what a generator reports; fails the test if progress ever goes backwards.</summary>
public sealed class RecordingGenerationContext : IGenerationContext
{
    private readonly ConcurrentQueue<(int Percent, string Message)> _progress = new();
    private readonly TaskCompletionSource<string> _saved = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _last;

    public IReadOnlyList<(int Percent, string Message)> Progress => [.. _progress];

    public string? SavedState { get; private set; }

    public int SaveCount { get; private set; }

    /// <summary>Completes when the generator first persists its resume state.</summary>
    public Task<string> StateSaved => _saved.Task;

    /// <summary>Completes when a report's message contains the text.</summary>
    public async Task WaitForMessageAsync(string text, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (!_progress.Any(p => p.Message.Contains(text, StringComparison.Ordinal)))
        {
            await Task.Delay(20, cts.Token);
        }
    }

    public Task ReportProgressAsync(int percent, string message, CancellationToken cancellationToken)
    {
        Assert.InRange(percent, _last, 100);
        _last = percent;
        _progress.Enqueue((percent, message));
        return Task.CompletedTask;
    }

    public Task SaveResumeStateAsync(string state, CancellationToken cancellationToken)
    {
        SavedState = state;
        SaveCount++;
        _saved.TrySetResult(state);
        return Task.CompletedTask;
    }
}
