using System.Text.Json;
using System.Text.Json.Nodes;
using Image2Model.Site.Conversions;

namespace Image2Model.Site.Generators.Remote;

/// <summary>
/// The life of every remote job, written once: prepare (uploads), submit exactly once, save the
/// state, resume, poll until the deadline, fetch, cancel. A provider supplies only its protocol:
/// <typeparamref name="TUpload"/> is what the submit needs from the preparation, <typeparamref name="TJob"/>
/// what must be saved to find the job again, <typeparamref name="TResult"/> what a finished poll hands to the fetch.
/// </summary>
internal abstract class RemoteGenerator<TUpload, TJob, TResult>(
    RemoteGeneratorOptions options,
    RemoteFiles files,
    TimeProvider time,
    ILogger logger) : IGenerator
    where TJob : class
    where TResult : class
{
    // The phases a saved state goes through. Only "finished" survives Try again (see ResumeStates).
    private const string Submitting = "submitting";
    private const string Submitted = "submitted";
    private const string Finished = "finished";
    private const string Refetched = "refetched";

    public abstract string Name { get; }

    public abstract string DisplayName { get; }

    public abstract string Description { get; }

    public bool IsConfigured => options.IsConfigured;

    public abstract GeneratorFeatures Features { get; }

    /// <summary>How messages and logs name the provider: "FAL", "Tripo".</summary>
    protected abstract string Provider { get; }

    /// <summary>Shown when a conversion reaches a generator that lost its configuration.</summary>
    protected abstract string NotConfiguredMessage { get; }

    protected virtual string SubmittingMessage => $"Sending the job to {Provider}";

    protected virtual string QueuedMessage => $"Waiting in {Provider}'s queue";

    protected virtual string TimeoutMessage => $"Timed out after {Durations.Describe(options.Deadline)} waiting for {DisplayName}.";

    private string OutcomeUnknownMessage =>
        $"{char.ToUpperInvariant(Provider[0])}{Provider[1..]} may have started this job, but its answer never arrived, so it was not sent a second time. Try again to start a new one.";

    /// <summary>Shown while a submit whose answer was lost waits for the provider's callback to name its job.</summary>
    private string WaitingForJobMessage => $"Waiting to hear back from {Provider} about this job";

    /// <summary>
    /// How long after a submit whose answer was lost the provider may still name its job (a callback
    /// stores it in the saved state, see <see cref="WithJob"/>); null when nothing would: fail at once.
    /// </summary>
    protected virtual TimeSpan? JobNamedLaterWithin => null;

    protected TimeProvider Time => time;

    protected RemoteFiles Files => files;

    protected ILogger Logger => logger;

    /// <summary>Everything before the billed call (uploads): free to cancel, nothing is billed yet.</summary>
    protected abstract Task<TUpload> PrepareAsync(GenerationRequest request, ProviderPhoto photo, ProgressReporter progress, CancellationToken cancellationToken);

    /// <summary>The one call that creates a billed job; <paramref name="cancellationToken"/> is the submit's own timeout.</summary>
    protected abstract Task<TJob> SubmitAsync(TUpload upload, GenerationRequest request, CancellationToken cancellationToken);

    /// <summary>False when a saved job lacks what polling it needs.</summary>
    protected abstract bool CanResume(TJob job);

    /// <summary>The provider's id of the job, for logs.</summary>
    protected abstract string JobId(TJob job);

    /// <summary>One status round per call of the returned function: null while the job is not done, a final error when it failed.</summary>
    protected abstract Func<CancellationToken, Task<TResult?>> Polling(TJob job, ProgressReporter progress);

    /// <summary>Turns a finished job into the model (downloads, checks).</summary>
    protected abstract Task<GeneratedModel> FetchAsync(TJob job, TResult result, ProgressReporter progress, CancellationToken cancellationToken);

    /// <summary>Asks the provider to stop the job. By default there is no such call: the job is left to finish there.</summary>
    protected virtual Task CancelJobAsync(TJob job, CancellationToken cancellationToken)
    {
        logger.LogInformation("{Provider} has no cancel call; job {Job} is left to finish there", Provider, JobId(job));
        return Task.CompletedTask;
    }

    public async Task<GeneratedModel> GenerateAsync(GenerationRequest request, IGenerationContext context, CancellationToken cancellationToken)
    {
        if (!IsConfigured)
        {
            throw new GenerationFailedException(NotConfiguredMessage);
        }

        var progress = new ProgressReporter(context);
        SavedJob saved;
        if (request.ResumeState is { } state)
        {
            saved = Read(state) ?? throw new GenerationFailedException(
                $"The saved {Provider} job of this conversion cannot be read, so it cannot be resumed; retry the conversion.");
            if (saved.Job is null)
            {
                // An earlier attempt stopped in the middle of the submit: paying twice is worse than asking.
                logger.LogWarning("Conversion {Conversion} stopped while its {Provider} submit was in flight; not submitting again", request.ConversionId, Provider);
                saved = await WaitForJobAsync(request, context, saved.SubmittedAt, progress, null, cancellationToken);
            }

            logger.LogInformation("Conversion {Conversion} resumes {Provider} job {Job} ({Phase})", request.ConversionId, Provider, JobId(saved.Job!), saved.Phase);
            await progress.ReportAsync(5, $"Checking on the job at {Provider}", cancellationToken);
        }
        else
        {
            saved = await SubmitOnceAsync(request, context, progress, cancellationToken);
        }

        var job = saved.Job!;
        var result = await StatusPolling.UntilDoneAsync(
            Polling(job, progress),
            saved.SubmittedAt + options.Deadline,
            options.PollInterval,
            time,
            TimeoutMessage,
            async () =>
            {
                logger.LogWarning("{Provider} job {Job} passed its deadline", Provider, JobId(job));
                await CancelRemoteAsync(Serialize(saved), CancellationToken.None);
            },
            logger,
            cancellationToken);

        // The provider's part is done and paid for: a failure from here on is ours, so Try again
        // fetches this job rather than buying a new one. Once: a second failure starts afresh.
        var phase = saved.Phase is Finished or Refetched ? Refetched : Finished;
        if (!await context.SaveResumeStateAsync(Serialize(saved with { Phase = phase }), CancellationToken.None))
        {
            // Done at the provider, nothing left to cancel; the result would not be stored.
            throw NoLongerOurs(request, cancellationToken);
        }

        return await FetchAsync(job, result, progress, cancellationToken);
    }

    /// <summary>Any answer is final; failures are only logged (the conversion is canceled here already).</summary>
    public async Task CancelRemoteAsync(string resumeState, CancellationToken cancellationToken)
    {
        if (!IsConfigured || Read(resumeState) is not { Job: { } job })
        {
            logger.LogWarning("No {Provider} job to cancel in the saved state", Provider);
            return;
        }

        try
        {
            await CancelJobAsync(job, cancellationToken);
        }
        catch (Exception ex) when (ex is RemoteUnavailableException or GenerationFailedException)
        {
            logger.LogWarning(ex, "Cancel of {Provider} job {Job} could not be sent", Provider, JobId(job));
        }
    }

    private async Task<SavedJob> SubmitOnceAsync(GenerationRequest request, IGenerationContext context, ProgressReporter progress, CancellationToken cancellationToken)
    {
        TUpload upload;
        try
        {
            upload = await PrepareAsync(request, ProviderPhoto.From(request.Image, request.ContentType), progress, cancellationToken);
        }
        catch (RemoteUnavailableException ex)
        {
            // Nothing is at the provider yet: fail now rather than pile up.
            throw new GenerationFailedException(ex.Message, ex);
        }

        await progress.ReportAsync(3, SubmittingMessage, cancellationToken);
        // Recorded before the call: if this process dies during it, the next attempt knows a job
        // may exist and refuses to pay for a second one.
        var submittedAt = time.GetUtcNow();
        if (!await context.SaveResumeStateAsync(Serialize(new SavedJob(Submitting, submittedAt, null)), CancellationToken.None))
        {
            throw NoLongerOurs(request, cancellationToken);
        }

        TJob job;
        Exception? lost = null;
        using (var timeout = new CancellationTokenSource(options.SubmitTimeout, time))
        {
            try
            {
                job = await SubmitAsync(upload, request, timeout.Token);
            }
            catch (RemoteUnavailableException ex) when (ex.NoAnswer)
            {
                logger.LogWarning(ex, "The {Provider} submit of conversion {Conversion} got no answer", Provider, request.ConversionId);
                lost = ex;
                job = null!;
            }
            catch (OperationCanceledException ex) when (timeout.IsCancellationRequested)
            {
                logger.LogWarning("The {Provider} submit of conversion {Conversion} took longer than {Timeout}", Provider, request.ConversionId, options.SubmitTimeout);
                lost = ex;
                job = null!;
            }
            catch (RemoteUnavailableException ex)
            {
                throw new GenerationFailedException(ex.Message, ex);
            }
        }

        if (lost is not null)
        {
            // The job may exist: only the provider can say which one it is, never a second submit.
            var named = await WaitForJobAsync(request, context, submittedAt, progress, lost, cancellationToken);
            await progress.ReportAsync(5, QueuedMessage, cancellationToken);
            return named;
        }

        var saved = new SavedJob(Submitted, time.GetUtcNow(), job);
        // Saved regardless of cancellation: this is what prevents a second, billed submit.
        if (!await context.SaveResumeStateAsync(Serialize(saved), CancellationToken.None))
        {
            // Canceled (or taken over) while the submit ran: whoever did it could not know this job,
            // so nobody else will ever cancel it. Stop it here, or it runs and is billed for nothing.
            logger.LogInformation("Conversion {Conversion} stopped while {Provider} created job {Job}; canceling that job", request.ConversionId, Provider, JobId(job));
            await CancelRemoteAsync(Serialize(saved), CancellationToken.None);
            throw NoLongerOurs(request, cancellationToken);
        }

        logger.LogInformation("Conversion {Conversion} submitted to {Provider} as job {Job}", request.ConversionId, Provider, JobId(job));
        // Stopped while the submit ran (shutdown, cancel): the job is saved, so the next attempt resumes it.
        cancellationToken.ThrowIfCancellationRequested();
        await progress.ReportAsync(5, QueuedMessage, cancellationToken);
        return saved;
    }

    /// <summary>
    /// After a submit whose answer was lost: waits until the saved state names the job (a provider
    /// callback stores it), up to <see cref="JobNamedLaterWithin"/> after the submit; then fails as before.
    /// </summary>
    private async Task<SavedJob> WaitForJobAsync(GenerationRequest request, IGenerationContext context, DateTimeOffset submittedAt, ProgressReporter progress, Exception? cause, CancellationToken cancellationToken)
    {
        if (JobNamedLaterWithin is not { } within)
        {
            throw new GenerationFailedException(OutcomeUnknownMessage, cause);
        }

        await progress.ReportAsync(3, WaitingForJobMessage, cancellationToken);
        var until = submittedAt + within;
        while (true)
        {
            if (await context.ReadResumeStateAsync(cancellationToken) is { } state && Read(state) is { Job: { } job } named)
            {
                logger.LogInformation("{Provider} named job {Job} of conversion {Conversion} after its submit answer was lost", Provider, JobId(job), request.ConversionId);
                return named;
            }

            if (time.GetUtcNow() >= until)
            {
                logger.LogWarning("{Provider} never named the job of conversion {Conversion} within {Wait}", Provider, request.ConversionId, within);
                throw new GenerationFailedException(OutcomeUnknownMessage, cause);
            }

            await Task.Delay(options.PollInterval, time, cancellationToken);
        }
    }

    /// <summary>
    /// The saved state once the provider named the job of a submit whose answer was lost; null when
    /// <paramref name="savedState"/> is not such a submit of this provider (it knows its job already, or is unreadable).
    /// </summary>
    internal string? WithJob(string savedState, TJob job) =>
        Read(savedState) is { Phase: Submitting } saved ? Serialize(new SavedJob(Submitted, saved.SubmittedAt, job)) : null;

    /// <summary>The provider's id of the job a saved state names, if any.</summary>
    internal string? JobIdIn(string savedState) => Read(savedState) is { Job: { } job } ? JobId(job) : null;

    /// <summary>The run stops: the conversion was canceled or taken over, so nothing it does is stored.</summary>
    private OperationCanceledException NoLongerOurs(GenerationRequest request, CancellationToken cancellationToken)
    {
        logger.LogInformation("Conversion {Conversion} is no longer this run's; stopping", request.ConversionId);
        return new OperationCanceledException("The conversion was canceled or taken over.", cancellationToken);
    }

    /// <summary>Downloads the model and an optional preview from provider URLs (no key sent) and checks the model.</summary>
    protected async Task<GeneratedModel> DownloadAsync(Uri model, Uri? preview, string madeBy, ProgressReporter progress, CancellationToken cancellationToken)
    {
        await progress.ReportAsync(90, "Downloading the model", cancellationToken);
        var glb = await files.GetAsync(model, "model", Provider, options.MaxDownloadBytes, cancellationToken);
        byte[]? previewImage = null;
        if (preview is not null)
        {
            try
            {
                previewImage = await files.GetAsync(preview, "preview image", Provider, options.MaxDownloadBytes, cancellationToken);
            }
            catch (GenerationFailedException ex)
            {
                // The preview is a nicety; the model is what the user asked for.
                logger.LogWarning(ex, "{Provider} preview image could not be downloaded", Provider);
            }
        }

        return await CheckAsync(glb, previewImage, madeBy, progress, cancellationToken);
    }

    protected static async Task<GeneratedModel> CheckAsync(byte[] glb, byte[]? preview, string madeBy, ProgressReporter progress, CancellationToken cancellationToken)
    {
        await progress.ReportAsync(97, "Checking the model", cancellationToken);
        var triangles = GlbModel.CountTriangles(glb);
        return new GeneratedModel(glb, preview, triangles, $"Made by {madeBy}: {triangles:N0} triangles.");
    }

    /// <summary>One flat JSON object: the provider's job fields plus provider, phase and submittedAt.</summary>
    private string Serialize(SavedJob saved)
    {
        var state = saved.Job is null ? new JsonObject() : JsonSerializer.SerializeToNode(saved.Job, ApiCall.Json)!.AsObject();
        state["provider"] = Name;
        state["phase"] = saved.Phase;
        state["submittedAt"] = saved.SubmittedAt;
        return state.ToJsonString(ApiCall.Json);
    }

    private SavedJob? Read(string state)
    {
        try
        {
            if (JsonNode.Parse(state) is not JsonObject saved || saved["provider"]?.GetValue<string>() != Name)
            {
                return null;
            }

            // States saved before phases existed always held a submitted job.
            var phase = saved["phase"]?.GetValue<string>() ?? Submitted;
            var submittedAt = saved["submittedAt"]?.GetValue<DateTimeOffset>() ?? time.GetUtcNow();
            if (phase == Submitting)
            {
                return new SavedJob(phase, submittedAt, null);
            }

            var job = saved.Deserialize<TJob>(ApiCall.Json);
            return job is not null && CanResume(job) ? new SavedJob(phase, submittedAt, job) : null;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            logger.LogWarning(ex, "Saved {Provider} state is not readable", Provider);
            return null;
        }
    }

    private sealed record SavedJob(string Phase, DateTimeOffset SubmittedAt, TJob? Job);
}
