namespace Image2Model.Site.Api;

public sealed class ApiOptions
{
    public const string Section = "Api";

    /// <summary>
    /// Origins whose browser scripts may call the API, e.g. "https://app.example.com". None by
    /// default. One entry may also hold several, separated by commas (handy in one environment variable).
    /// </summary>
    public string[] CorsOrigins { get; set; } = [];

    /// <summary>How long a signed download link works.</summary>
    public TimeSpan DownloadLinkLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often the progress stream looks at the database for all open streams together.</summary>
    public TimeSpan StreamPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A quiet stream sends a comment this often so proxies keep it open.</summary>
    public TimeSpan StreamKeepAlive { get; set; } = TimeSpan.FromSeconds(15);

    public IEnumerable<string> AllowedOrigins =>
        CorsOrigins.SelectMany(o => o.Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
