namespace Image2Model.Site.Conversions;

/// <summary>
/// Stops a conversion wherever it is: in the database (so no node starts or finishes it), on
/// this node (so local work stops at once), and at the provider (so a remote job stops being billed).
/// </summary>
public sealed class ConversionCancellation(WorkQueue queue, ConversionRunner runner, GeneratorCatalog generators, ILogger<ConversionCancellation> logger)
{
    /// <returns>False when the conversion had already finished.</returns>
    public async Task<bool> CancelAsync(Conversion conversion, CancellationToken cancellationToken)
    {
        if (!await queue.CancelAsync(conversion.Id, cancellationToken))
        {
            return false;
        }

        runner.Abandon(conversion.Id);
        // Read again: the caller's copy may predate the job id the run saved meanwhile. From here on
        // the state cannot change, and a run whose save came too late cancels its own job.
        if (await queue.ResumeStateAsync(conversion.Id, cancellationToken) is { } state && generators.Named(conversion.Generator) is { } generator)
        {
            try
            {
                await generator.CancelRemoteAsync(state, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Canceled here already; the provider's job ends on its own, unbilled work is a bonus.
                logger.LogWarning(e, "Could not cancel the provider's job for conversion {ConversionId}", conversion.Id);
            }
        }

        return true;
    }
}
