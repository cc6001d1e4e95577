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

    private readonly ConcurrentQueue<string> _states = new();

    /// <summary>Every state saved, in order: "submitting" before the billed call, "submitted" with the job, "finished" once the provider is done.</summary>
    public IReadOnlyList<string> States => [.. _states];

    /// <summary>The phase of each saved state, in order.</summary>
    public IReadOnlyList<string?> Phases => [.. _states.Select(Phase)];

    /// <summary>The state saved the moment the provider named the job (phase "submitted").</summary>
    public string? SavedState { get; private set; }

    /// <summary>How often a provider job was recorded as submitted: once per billed submit.</summary>
    public int SaveCount { get; private set; }

    /// <summary>Completes when the generator first persists a submitted job.</summary>
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

    /// <summary>Set to stand for a conversion canceled or taken over meanwhile: saves then store nothing and report false, as the queue does.</summary>
    public bool NoLongerOurs { get; set; }

    public Task<bool> SaveResumeStateAsync(string state, CancellationToken cancellationToken)
    {
        if (NoLongerOurs)
        {
            return Task.FromResult(false);
        }

        _states.Enqueue(state);
        if (Phase(state) == "submitted")
        {
            SavedState = state;
            SaveCount++;
            _saved.TrySetResult(state);
        }

        return Task.FromResult(true);
    }

    /// <summary>Stands for a state someone else stored meanwhile (FAL's webhook); otherwise the last one saved.</summary>
    public string? Stored { get; set; }

    public Task<string?> ReadResumeStateAsync(CancellationToken cancellationToken) => Task.FromResult(Stored ?? States.LastOrDefault());

    public static string? Phase(string state) =>
        System.Text.Json.JsonDocument.Parse(state).RootElement.TryGetProperty("phase", out var phase) ? phase.GetString() : null;
}
