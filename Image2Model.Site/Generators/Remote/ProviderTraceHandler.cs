using Image2Model.Site.Operations;

namespace Image2Model.Site.Generators.Remote;

/// <summary>Logs the provider's trace/request id of every attempt, so support tickets can quote it.</summary>
internal sealed class ProviderTraceHandler(string client, string header, ILogger logger) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken);
        }
        catch (Exception e) when (SiteMetrics.ProviderFailed(client, e, cancellationToken))
        {
            throw;
        }

        SiteMetrics.ProviderAnswered(client, response.StatusCode);
        var trace = response.Headers.TryGetValues(header, out var values) ? string.Join(",", values) : "-";
        logger.LogDebug("{Method} {Path} answered {Status}; {Header}: {Trace}",
            request.Method, request.RequestUri?.AbsolutePath, (int)response.StatusCode, header, trace);
        return response;
    }
}
