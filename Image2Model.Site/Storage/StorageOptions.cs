namespace Image2Model.Site.Storage;

public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>Where the SQLite file and blobs live; relative paths are under the content root. Never under wwwroot.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>How long an unreferenced blob is kept before housekeeping deletes it (an upload in flight may not be committed yet).</summary>
    public TimeSpan OrphanGracePeriod { get; set; } = TimeSpan.FromHours(24);
}
