using Image2Model.Site.Conversions;

namespace Image2Model.Site.Generators.Remote;

/// <summary>
/// The long wait for a model: an outer loop with its own deadline, never a long HTTP timeout.
/// Transient trouble is waited out until the deadline; final errors end it at once.
/// </summary>
internal static class StatusPolling
{
    /// <param name="poll">One status round; null while the job is not finished.</param>
    /// <param name="onTimeout">Best-effort clean-up at the provider before the timeout is reported.</param>
    public static async Task<T> UntilDoneAsync<T>(
        Func<CancellationToken, Task<T?>> poll,
        DateTimeOffset deadline,
        TimeSpan interval,
        TimeProvider time,
        string timeoutMessage,
        Func<Task> onTimeout,
        ILogger logger,
        CancellationToken cancellationToken)
        where T : class
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                if (await poll(cancellationToken) is { } done)
                {
                    return done;
                }
            }
            catch (RemoteUnavailableException ex)
            {
                logger.LogWarning(ex, "Transient trouble while waiting for the job; still waiting: {Reason}", ex.Message);
            }

            var left = deadline - time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                await onTimeout();
                throw new GenerationFailedException(timeoutMessage);
            }

            await Task.Delay(interval < left ? interval : left, time, cancellationToken);
        }
    }
}
