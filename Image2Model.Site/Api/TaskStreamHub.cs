using System.Threading.Channels;
using Image2Model.Site.Data;
using Microsoft.Extensions.Options;

namespace Image2Model.Site.Api;

/// <summary>
/// Feeds every open progress stream of this process from one poller: about once a second it reads
/// the conversions of all watched tasks in a single query and hands each stream the latest
/// snapshot of its task. Streams never touch the database themselves, so a thousand open streams
/// cost one query a second, not a thousand. Reading the database (rather than listening to this
/// node's runner) means work done on any node shows up.
/// </summary>
public sealed class TaskStreamHub(IServiceScopeFactory scopes, IOptions<ApiOptions> options, ILogger<TaskStreamHub> logger) : BackgroundService
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, List<Channel<JobSnapshot?>>> _watchers = [];

    // A new stream wakes the poller so it gets its first snapshot (or its 404) without waiting a tick.
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    private long _polls;

    /// <summary>How many database reads the hub has made; lets tests see that streams share them.</summary>
    public long Polls => Interlocked.Read(ref _polls);

    /// <summary>
    /// Starts watching a task. The reader yields the task's latest snapshot after every poll, or
    /// null when the task does not exist. Dispose the watch when the stream ends.
    /// </summary>
    public TaskWatch Watch(Guid taskId)
    {
        // Only the newest snapshot matters: a slow client skips states rather than piling them up.
        var channel = Channel.CreateBounded<JobSnapshot?>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        lock (_gate)
        {
            if (!_watchers.TryGetValue(taskId, out var list))
            {
                _watchers[taskId] = list = [];
            }

            list.Add(channel);
        }

        _wake.Writer.TryWrite(true);
        return new TaskWatch(channel.Reader, () => Unwatch(taskId, channel));
    }

    private void Unwatch(Guid taskId, Channel<JobSnapshot?> channel)
    {
        lock (_gate)
        {
            if (_watchers.TryGetValue(taskId, out var list) && list.Remove(channel) && list.Count == 0)
            {
                _watchers.Remove(taskId);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            Guid[] taskIds;
            lock (_gate)
            {
                taskIds = [.. _watchers.Keys];
            }

            if (taskIds.Length == 0)
            {
                // Nobody is watching: sleep until the first stream opens.
                await _wake.Reader.ReadAsync(stoppingToken);
                continue;
            }

            await PollAsync(taskIds, stoppingToken);
            using var tick = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            tick.CancelAfter(options.Value.StreamPollInterval);
            try
            {
                await _wake.Reader.ReadAsync(tick.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // The regular tick.
            }
        }
    }

    private async Task PollAsync(Guid[] taskIds, CancellationToken cancellationToken)
    {
        Dictionary<Guid, JobSnapshot> snapshots;
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            snapshots = await JobSnapshots.ByTasksAsync(scope.ServiceProvider.GetRequiredService<AppDbContext>(), taskIds, cancellationToken);
            Interlocked.Increment(ref _polls);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The database may be briefly away; streams simply hear nothing until the next tick.
            logger.LogWarning(e, "Reading progress for {TaskCount} streamed tasks failed", taskIds.Length);
            return;
        }

        lock (_gate)
        {
            foreach (var taskId in taskIds)
            {
                if (_watchers.TryGetValue(taskId, out var list))
                {
                    var snapshot = snapshots.GetValueOrDefault(taskId);
                    foreach (var channel in list)
                    {
                        channel.Writer.TryWrite(snapshot);
                    }
                }
            }
        }
    }
}

/// <summary>One stream's subscription to its task's snapshots.</summary>
public sealed class TaskWatch(ChannelReader<JobSnapshot?> snapshots, Action stop) : IDisposable
{
    public ChannelReader<JobSnapshot?> Snapshots => snapshots;

    public void Dispose() => stop();
}
