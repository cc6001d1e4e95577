namespace Image2Model.Site.Operations;

/// <summary>
/// <c>probe URL</c>: exit 0 when the URL answers 200, 1 otherwise. The runtime image has no curl,
/// so docker-compose's health check asks the site's own executable.
/// </summary>
public static class ProbeCommand
{
    public static int Run(string[] args, TextWriter error)
    {
        if (args is not [var url] || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            error.WriteLine("Usage: probe http://localhost:8080/health/ready");
            return 2;
        }

        // No redirects: a health URL that redirects (to the sign-in page, say) is the wrong URL.
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = http.GetAsync(uri).GetAwaiter().GetResult();
            if (response.IsSuccessStatusCode)
            {
                return 0;
            }

            error.WriteLine($"{uri} answered {(int)response.StatusCode}");
            return 1;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            error.WriteLine($"{uri} did not answer: {e.Message}");
            return 1;
        }
    }
}
