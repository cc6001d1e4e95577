namespace Image2Model.Site.Generators.Local;

public sealed class LocalOptions
{
    public const string Section = "Generators:Local";

    /// <summary>Longest side of the embedded texture, in pixels.</summary>
    public int MaxTextureSize { get; set; } = 2048;

    /// <summary>Height of the model in metres.</summary>
    public float Height { get; set; } = 1f;
}
