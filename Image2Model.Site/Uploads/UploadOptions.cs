namespace Image2Model.Site.Uploads;

public sealed class UploadOptions
{
    public const string Section = "Uploads";

    public int MaxFiles { get; set; } = 25;

    public long MaxFileBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>Images with more pixels than this are refused from their header, before decoding.</summary>
    public long MaxPixels { get; set; } = 40_000_000;

    /// <summary>The request body limit for upload endpoints only: every file at its limit plus room for the form.</summary>
    public long MaxRequestBytes => MaxFiles * MaxFileBytes + 1024 * 1024;

    /// <summary>What the API and the upload page both say when a body is over <see cref="MaxRequestBytes"/>.</summary>
    public string TooLargeMessage =>
        $"The upload is larger than {MaxRequestBytes / (1024 * 1024)} MB: at most {MaxFiles} files of {MaxFileBytes / (1024 * 1024)} MB each.";
}
