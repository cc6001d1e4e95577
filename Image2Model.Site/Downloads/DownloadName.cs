using System.Text;

namespace Image2Model.Site.Downloads;

public static class DownloadName
{
    /// <summary>
    /// A safe file name for Content-Disposition, from the user's original name: ASCII letters,
    /// digits and a few harmless marks only, the extension replaced.
    /// </summary>
    public static string For(string originalName, string extension)
    {
        var stem = Path.GetFileNameWithoutExtension(originalName);
        var safe = new StringBuilder(stem.Length);
        foreach (var c in stem.Normalize(NormalizationForm.FormD))
        {
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ' ')
            {
                safe.Append(c);
            }
            else if (!char.IsAscii(c) && char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.NonSpacingMark)
            {
                // Drop accents: "café" becomes "cafe".
            }
            else
            {
                safe.Append('_');
            }
        }

        var name = safe.ToString().Trim(' ', '.', '_');
        if (name.Length > 100)
        {
            name = name[..100];
        }

        return (name.Length == 0 ? "model" : name) + extension;
    }
}
