using Image2Model.Tests.Infrastructure;

namespace Image2Model.Tests.Api;

/// <summary>The site with small upload limits (so limit tests send little) and one allowed CORS origin.</summary>
public class ApiFactory : SiteFactory
{
    public const string AllowedOrigin = "https://app.example.com";
    public const int MaxFiles = 4;

    public ApiFactory()
    {
        Settings["Uploads:MaxFiles"] = MaxFiles.ToString();
        Settings["Uploads:MaxFileBytes"] = (1024 * 1024).ToString();
        Settings["Api:CorsOrigins:0"] = AllowedOrigin;
        Settings["Api:StreamPollInterval"] = "00:00:00.200";
    }

    /// <summary>Upload limit of the whole request: every file at its limit plus a megabyte.</summary>
    public const long MaxRequestBytes = MaxFiles * 1024 * 1024 + 1024 * 1024;
}
