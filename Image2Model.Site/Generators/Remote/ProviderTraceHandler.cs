namespace Image2Model.Site.Generators.Remote;

/// <summary>Logs the provider's trace/request id of every attempt, so support tickets can quote it.</summary>
internal sealed class ProviderTraceHandler(string header, ILogger logger) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        var trace = response.Headers.TryGetValues(header, out var values) ? string.Join(",", values) : "-";
        logger.LogDebug("{Method} {Path} answered {Status}; {Header}: {Trace}",
            request.Method, request.RequestUri?.AbsolutePath, (int)response.StatusCode, header, trace);
        return response;
    }
}
