using System.Diagnostics.Metrics;
using System.Net;

namespace Image2Model.Site.Operations;

/// <summary>
/// Every instrument the site defines, in one place. Code elsewhere reports with one call
/// (<c>SiteMetrics.Claimed(takeover)</c>); instruments cost nothing while nobody listens, so the
/// calls stay in even when <c>Metrics:Enabled</c> is false. Names are listed in README.
/// </summary>
public static class SiteMetrics
{
    public const string MeterName = "Image2Model";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Claims = Meter.CreateCounter<long>(
        "image2model.conversions.claims", "{claim}", "Conversions this node claimed from the queue.");

    private static readonly Counter<long> Takeovers = Meter.CreateCounter<long>(
        "image2model.conversions.lease_takeovers", "{claim}", "Claims of conversions another run had started: a node's lease expired, or work was handed back at shutdown.");

    private static readonly Histogram<double> Duration = Meter.CreateHistogram(
        "image2model.conversion.duration", "s", "How long one run of a conversion took, by generator and outcome.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800] });

    private static readonly Counter<long> ProviderErrors = Meter.CreateCounter<long>(
        "image2model.provider.errors", "{error}", "Failed calls to a remote generator's API, by client and kind.");

    private static readonly Counter<long> UploadBytes = Meter.CreateCounter<long>(
        "image2model.uploads.size", "By", "Bytes of photos accepted by uploads.");

    private static readonly Counter<long> UploadFiles = Meter.CreateCounter<long>(
        "image2model.uploads.files", "{file}", "Photos accepted by uploads.");

    public static void Claimed(bool takeover)
    {
        Claims.Add(1);
        if (takeover)
        {
            Takeovers.Add(1);
        }
    }

    /// <summary>One finished run: succeeded, failed, canceled (by a user, or taken over elsewhere), timed_out, released (shutdown) or crashed.</summary>
    public static void ConversionFinished(string generator, string outcome, TimeSpan elapsed) =>
        Duration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("generator", generator), new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>Counts a provider call that answered with an error status; false for a success, so it fits in an exception filter too.</summary>
    public static bool ProviderAnswered(string client, HttpStatusCode status)
    {
        var code = (int)status;
        if (code < 400)
        {
            return false;
        }

        var kind = code switch
        {
            401 or 403 => "unauthorized",
            402 => "payment_required",
            429 => "rate_limited",
            >= 500 => "server_error",
            _ => "client_error",
        };
        ProviderErrors.Add(1, new KeyValuePair<string, object?>("client", client), new KeyValuePair<string, object?>("kind", kind));
        return true;
    }

    /// <summary>Counts a provider call that never got an answer. Returns false: meant for <c>catch (Exception e) when (SiteMetrics.ProviderFailed(...))</c>, which counts without catching.</summary>
    public static bool ProviderFailed(string client, Exception exception, CancellationToken cancellationToken)
    {
        var kind = exception switch
        {
            OperationCanceledException when cancellationToken.IsCancellationRequested => null,
            OperationCanceledException or TimeoutException => "timeout",
            HttpRequestException => "network",
            _ => "other",
        };
        if (kind is not null)
        {
            ProviderErrors.Add(1, new KeyValuePair<string, object?>("client", client), new KeyValuePair<string, object?>("kind", kind));
        }

        return false;
    }

    public static void Uploaded(int files, long bytes)
    {
        UploadFiles.Add(files);
        UploadBytes.Add(bytes);
    }
}
