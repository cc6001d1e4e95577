namespace Image2Model.Site.Generators.Remote;

internal static class ImageTypes
{
    /// <summary>The file extension providers expect for an upload of this content type.</summary>
    public static string Extension(string contentType) => contentType switch
    {
        "image/jpeg" => ".jpg",
        "image/webp" => ".webp",
        _ => ".png",
    };
}
