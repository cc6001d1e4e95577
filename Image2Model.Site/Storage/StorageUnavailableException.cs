namespace Image2Model.Site.Storage;

/// <summary>
/// The data directory cannot take a write right now: the disk (or quota) is full, or the file system
/// is read-only. Temporary: the same write succeeds once an operator frees space or remounts.
/// </summary>
public sealed class StorageUnavailableException(string reason, Exception inner) : IOException(reason, inner)
{
    /// <summary>For people: what happened and that nothing was kept.</summary>
    public const string UploadMessage = "The server has run out of room to store photos right now, so nothing was uploaded. Please try again later.";

    /// <summary>For a conversion whose model could not be stored; the photo itself is kept.</summary>
    public const string ResultMessage = "The server ran out of room to store this model. Your photo is kept: please try again later.";

    private const int NoSpace = 28;      // ENOSPC
    private const int ReadOnlyFs = 30;   // EROFS
    private const int QuotaExceeded = 122; // EDQUOT

    /// <summary>
    /// Whether an exception from a file operation means "no room / read-only" rather than a bug.
    /// .NET reports errno as the low bits of HResult for IOException on Unix; a read-only file system
    /// can also surface as UnauthorizedAccessException.
    /// </summary>
    public static bool IsStorageFull(Exception e) => e switch
    {
        StorageUnavailableException => true,
        UnauthorizedAccessException u => u.InnerException is IOException { HResult: ReadOnlyFs } || u.Message.Contains("Read-only file system", StringComparison.Ordinal),
        IOException io => (io.HResult & 0xFFFF) is NoSpace or ReadOnlyFs or QuotaExceeded
            || io.Message.Contains("No space left on device", StringComparison.Ordinal)
            || io.Message.Contains("Read-only file system", StringComparison.Ordinal)
            || io.Message.Contains("Disk quota exceeded", StringComparison.Ordinal),
        _ => false,
    };
}
