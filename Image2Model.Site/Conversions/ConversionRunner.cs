using System.Collections.Concurrent;
using Image2Model.Site.Previews;
using Image2Model.Site.Operations;
using Image2Model.Site.Storage;
using Microsoft.Extensions.Options;

namespace Image2Model.Site.Conversions;

/// <summary>
/// Runs the conversions this node claimed, at most <see cref="ConversionOptions.MaxConcurrency"/>
/// at once, and keeps their leases alive. On shutdown it lets running work finish for a grace
/// period, then hands whatever is left back to the queue so another node (or the next start) resumes it.
/// </summary>
public sealed class ConversionRunner(
    IServiceScopeFactory scopes,
    GeneratorCatalog generators,
    BlobStore blobs,
    PreviewRenderer previews,
    IOptions<ConversionOptions> options,
    ILogger<ConversionRunner> logger) : IHostedService, IDisposable
{
    private readonly ConcurrentDictionary<Guid, RunningConversion> _running = new();
    private readonly SemaphoreSlim _fillLock = new(1, 1);
    private readonly Lock _stopLock = new();
    private readonly CancellationTokenSource _stopping = new();
    private volatile bool _accepting = true;
    private Task _heartbeat = Task.CompletedTask;
    private Task? _stopped;

    private ConversionOptions Options => options.Value;

    /// <summary>Identifies this process as a lease owner.</summary>
    public string NodeId { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";

    public int RunningCount => _running.Count;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _heartbeat = HeartbeatAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    /// <summary>Claims and starts conversions until every slot is busy or the queue is empty.</summary>
    public async Task FillAsync(CancellationToken cancellationToken)
    {
        await _fillLock.WaitAsync(cancellationToken);
        try
        {
            while (_accepting && Options.RunOnThisNode && _running.Count < Options.EffectiveConcurrency)
            {
                Conversion? claimed;
                await using (var scope = scopes.CreateAsyncScope())
                {
                    // Not cancellable: a claim the database applied must reach _running, or it would
                    // sit leased to this node, unrun, until the lease expires.
                    claimed = await scope.ServiceProvider.GetRequiredService<WorkQueue>().ClaimNextAsync(NodeId, Options.LeaseDuration, _running.Keys.ToList(), CancellationToken.None);
                }

                if (claimed is null)
                {
                    break;
                }

                var item = new RunningConversion(claimed, CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token));
                _running[claimed.Id] = item;
                // Each run starts from a clean context: otherwise the claiming run's (or request's)
                // log scopes and trace would flow into it, and its lines would name two conversions.
                using (ExecutionContext.SuppressFlow())
                {
                    item.Task = Task.Run(() => RunAsync(item), CancellationToken.None);
                }
            }
        }
        finally
        {
            _fillLock.Release();
        }
    }

    /// <summary>Stops local work on a conversion that was canceled or taken over elsewhere.</summary>
    public void Abandon(Guid id)
    {
        if (_running.TryGetValue(id, out var item))
        {
            Stop(item);
        }
    }

    private static void Stop(RunningConversion item)
    {
        item.Abandoned = true;
        try
        {
            item.Cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The run ended between the lookup and the cancel: nothing left to stop.
        }
    }

    private async Task RunAsync(RunningConversion item)
    {
        var conversion = item.Conversion;
        item.Cancellation.CancelAfter(Options.ItemTimeout);
        var cancellationToken = item.Cancellation.Token;
        await using var scope = scopes.CreateAsyncScope();
        var queue = scope.ServiceProvider.GetRequiredService<WorkQueue>();
        using var _ = logger.BeginScope(new Dictionary<string, object> { ["ConversionId"] = conversion.Id, ["Generator"] = conversion.Generator });
        var runStarted = TimeProvider.System.GetTimestamp();
        var outcome = "crashed";
        try
        {
            var generator = generators.Named(conversion.Generator);
            if (generator is not { IsConfigured: true })
            {
                throw new GenerationFailedException($"The \"{conversion.Generator}\" generator is not configured on this server any more.");
            }

            var image = await blobs.ReadAllAsync(conversion.OriginalBlob, cancellationToken);
            await queue.ReportAsync(conversion.Id, NodeId, 1, conversion.ResumeState is null ? "Starting" : "Resuming", cancellationToken);

            var started = TimeProvider.System.GetTimestamp();
            var request = new GenerationRequest(conversion.Id, conversion.FileName, conversion.ContentType, image, conversion.Options, conversion.ResumeState);
            var model = await generator.GenerateAsync(request, new GenerationContext(scopes, NodeId, conversion.Id, () => Stop(item)), cancellationToken);

            // Our own rendering, so every model's preview looks alike; a provider's picture only when we
            // cannot draw the file. Drawn while the model is written and flushed to disk, so the wait
            // for the disk hides most of it.
            var rendering = Task.Run(() => previews.TryRender(model.Glb), CancellationToken.None);
            var modelBlob = await blobs.PutAsync(model.Glb, CancellationToken.None);
            var preview = await rendering ?? model.PreviewImage;
            var previewBlob = preview is null ? null : await blobs.PutAsync(preview, CancellationToken.None);
            var stored = await queue.SucceedAsync(conversion.Id, NodeId, modelBlob, model.Glb.Length, previewBlob, model.Triangles, model.Message, CancellationToken.None);
            outcome = "succeeded";
            logger.LogInformation("Conversion finished in {ElapsedMs} ms with {Triangles} triangles (stored: {Stored})",
                (long)TimeProvider.System.GetElapsedTime(started).TotalMilliseconds, model.Triangles, stored);
        }
        catch (GenerationFailedException e)
        {
            outcome = "failed";
            logger.LogWarning("Conversion failed: {Reason}", e.Message);
            await queue.FailAsync(conversion.Id, NodeId, e.Message, CancellationToken.None);
        }
        catch (StorageUnavailableException e)
        {
            // The photo stays stored and the conversion can be retried once there is room again.
            outcome = "failed";
            logger.LogError(e, "Conversion result could not be stored: the data directory is full or read-only");
            await queue.FailAsync(conversion.Id, NodeId, StorageUnavailableException.ResultMessage, CancellationToken.None);
        }
        catch (OperationCanceledException) when (item.Cancellation.IsCancellationRequested)
        {
            outcome = item.Abandoned ? "canceled" : _stopping.IsCancellationRequested ? "released" : "timed_out";
            if (item.Abandoned)
            {
                logger.LogInformation("Conversion stopped: canceled or taken over by another node");
            }
            else if (_stopping.IsCancellationRequested)
            {
                logger.LogInformation("Conversion handed back to the queue for shutdown");
                await queue.ReleaseAsync(conversion.Id, NodeId, CancellationToken.None);
            }
            else
            {
                await queue.FailAsync(conversion.Id, NodeId,
                    $"This took longer than the limit of {Generators.Remote.Durations.Describe(Options.ItemTimeout)}, so it was stopped. Please try again.", CancellationToken.None);
            }
        }
        catch (Exception e) when (IsDatabaseAway(e))
        {
            // Failing it now would need the database too, and would fail work that only has to wait:
            // its lease runs out and it is claimed again (a remote one resumes its saved request).
            outcome = "interrupted";
            logger.LogWarning(e, "Conversion interrupted: the database could not be reached; it runs again once its lease runs out");
        }
        catch (Exception e)
        {
            logger.LogError(e, "Conversion crashed");
            await queue.FailAsync(conversion.Id, NodeId, "Something went wrong while making this model. Please try again.", CancellationToken.None);
        }
        finally
        {
            SiteMetrics.ConversionFinished(conversion.Generator, outcome, TimeProvider.System.GetElapsedTime(runStarted));
            // Remove this run's entry only, never a newer run of the same conversion.
            _running.TryRemove(new KeyValuePair<Guid, RunningConversion>(conversion.Id, item));
            item.Cancellation.Dispose();
        }

        await FillQuietlyAsync();
    }

    /// <summary>A lost or refused database connection (a restart, a failover), directly or as EF Core's transient-failure wrapper.</summary>
    private static bool IsDatabaseAway(Exception e) =>
        e is System.Data.Common.DbException { IsTransient: true } || e.InnerException is System.Data.Common.DbException { IsTransient: true };

    private async Task FillQuietlyAsync()
    {
        try
        {
            await FillAsync(_stopping.Token);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            logger.LogError(e, "Could not claim more work");
        }
    }

    private async Task HeartbeatAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Options.LeaseDuration / 3);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                await RenewLeasesAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task RenewLeasesAsync(CancellationToken cancellationToken)
    {
        var ids = _running.Keys.ToList();
        if (ids.Count == 0)
        {
            return;
        }

        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var owned = await scope.ServiceProvider.GetRequiredService<WorkQueue>().RenewAsync(NodeId, ids, Options.LeaseDuration, cancellationToken);
            foreach (var id in ids.Where(id => !owned.Contains(id)))
            {
                Abandon(id);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Could not renew leases");
        }
    }

    /// <summary>Every caller (the host may call twice) waits for the same, single shutdown.</summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_stopLock)
        {
            return _stopped ??= StopOnceAsync(cancellationToken);
        }
    }

    private async Task StopOnceAsync(CancellationToken cancellationToken)
    {
        _accepting = false;
        // A fill under way may be in the middle of a claim: let it register what it claimed, so
        // that work is awaited and handed back below instead of left leased until it expires.
        await _fillLock.WaitAsync(CancellationToken.None);
        _fillLock.Release();
        var all = Task.WhenAll(_running.Values.Select(r => r.Task));
        await Task.WhenAny(all, Task.Delay(Options.ShutdownGracePeriod, cancellationToken));
        await _stopping.CancelAsync();
        await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None));
        await _heartbeat;
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _fillLock.Dispose();
    }

    private sealed class RunningConversion(Conversion conversion, CancellationTokenSource cancellation)
    {
        public Conversion Conversion { get; } = conversion;

        public CancellationTokenSource Cancellation { get; } = cancellation;

        public Task Task { get; set; } = Task.CompletedTask;

        public volatile bool Abandoned;
    }

    /// <summary>Each report uses its own scope: generators may report from any thread.</summary>
    private sealed class GenerationContext(IServiceScopeFactory scopes, string node, Guid id, Action abandon) : IGenerationContext
    {
        public async Task ReportProgressAsync(int percent, string message, CancellationToken cancellationToken)
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<WorkQueue>().ReportAsync(id, node, percent, message, cancellationToken);
        }

        public async Task<bool> SaveResumeStateAsync(string state, CancellationToken cancellationToken)
        {
            await using var scope = scopes.CreateAsyncScope();
            var ours = await scope.ServiceProvider.GetRequiredService<WorkQueue>().SaveResumeStateAsync(id, node, state, cancellationToken);
            if (!ours)
            {
                // Canceled or taken over, maybe on another node: stop now rather than at the next heartbeat.
                abandon();
            }

            return ours;
        }

        public async Task<string?> ReadResumeStateAsync(CancellationToken cancellationToken)
        {
            await using var scope = scopes.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<WorkQueue>().ResumeStateAsync(id, cancellationToken);
        }
    }
}
