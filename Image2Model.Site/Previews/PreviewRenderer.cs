using System.Diagnostics;
using Image2Model.Site.Previews.Compressed;

namespace Image2Model.Site.Previews;

/// <summary>
/// Turns a stored GLB into the preview PNG the library, the batch page, the model page's poster
/// and the API show. A model that cannot be drawn (a compression this site cannot decode, corrupt
/// data, no triangles) simply has no preview: it never fails the conversion. Draco models need
/// <paramref name="draco"/> (the site's own wasm decoder).
/// </summary>
public sealed class PreviewRenderer(ILogger<PreviewRenderer> logger, DracoDecoder? draco = null)
{
    public const int Size = 512;

    public byte[]? TryRender(byte[] glb)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var png = PreviewRasterizer.RenderPng(glb, Size, draco: draco);
            logger.LogDebug("Rendered a {Bytes}-byte preview in {ElapsedMs:F1} ms", png.Length, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return png;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogWarning("No preview for this model: {Reason}", e.Message);
            return null;
        }
    }
}
