namespace Image2Model.Site.Meshing;

/// <param name="FaceLimit">Target triangle count; null picks one from the image.</param>
/// <param name="MaxTextureSize">Longest side of the embedded texture, in pixels.</param>
/// <param name="Height">Height of the model in metres.</param>
public sealed record EngineOptions(int? FaceLimit = null, int MaxTextureSize = 2048, float Height = 1f);

/// <param name="Mode">How the model was made, in words a user understands ("photo tile", "cut-out", "relief").</param>
public sealed record EngineResult(byte[] Glb, int Triangles, string Mode);

/// <summary>The input could not be read as an image; the message says why, for the user.</summary>
public sealed class ImageDecodeException(string message) : Exception(message);

/// <summary>The embedded, offline image-to-3D engine behind the "local" generator.</summary>
public static class LocalEngine
{
    public static EngineResult Convert(byte[] image, EngineOptions options) => PhotoTile.Build(image, options);
}
