using System.Text;

namespace Image2Model.Site.Downloads;

public static class DownloadName
{
    /// <summary>
    /// A safe file name for Content-Disposition, from the user's original name: letters and
    /// digits of any script, spaces and a few harmless marks; everything else becomes "_".
    /// Non-ASCII names travel in the RFC 5987 filename* parameter that ASP.NET Core adds.
    /// </summary>
    public static string For(string originalName, string extension)
    {
        var stem = Path.GetFileNameWithoutExtension(originalName);
        var safe = new StringBuilder(stem.Length);
        foreach (var c in stem)
        {
            safe.Append(char.IsLetterOrDigit(c) || c is '-' or '_' or '.' or ' ' ? c : '_');
        }

        var name = safe.ToString().Trim(' ', '.', '_');
        if (name.Length > 100)
        {
            name = name[..100];
        }

        return (name.Length == 0 ? "model" : name) + extension;
    }
}
