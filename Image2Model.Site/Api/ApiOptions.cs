namespace Image2Model.Site.Api;

public sealed class ApiOptions
{
    public const string Section = "Api";

    /// <summary>How long a signed download link works.</summary>
    public TimeSpan DownloadLinkLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often the progress stream looks at the database for all open streams together.</summary>
    public TimeSpan StreamPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A quiet stream sends a comment this often so proxies keep it open.</summary>
    public TimeSpan StreamKeepAlive { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// <c>Api:CorsOrigins</c>: origins whose browser scripts may call the API, e.g.
    /// "https://app.example.com"; none by default. A list (<c>Api:CorsOrigins:0</c>, a JSON array) or
    /// one string with several separated by commas (<c>Api__CorsOrigins=https://a.example,http://localhost:3000</c>).
    /// Read from configuration directly: the binder ignores a plain string where it expects a
    /// list, which would silently drop the one-variable form.
    /// </summary>
    public static string[] AllowedOrigins(IConfiguration configuration)
    {
        var setting = configuration.GetSection(Section).GetSection("CorsOrigins");
        return [.. new[] { setting.Value }.Concat(setting.GetChildren().Select(c => c.Value))
            .OfType<string>()
            .SelectMany(o => o.Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Distinct(StringComparer.OrdinalIgnoreCase)];
    }
}
