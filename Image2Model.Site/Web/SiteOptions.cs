namespace Image2Model.Site.Web;

public sealed class SiteOptions
{
    public const string Section = "Site";

    /// <summary>
    /// The site's public address, e.g. https://models.example.com. When set, absolute links (the
    /// API's signed download links) use it and never the request's Host header.
    /// </summary>
    public Uri? PublicBaseUrl { get; set; }
}
