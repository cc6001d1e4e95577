using Image2Model.Site.Generators.Remote;

namespace Image2Model.Site.Generators.Tripo;

/// <summary>Section <c>Generators:Tripo</c>; the key comes from the <c>TRIPO_API_KEY</c> configuration value.</summary>
public sealed class TripoOptions : RemoteGeneratorOptions
{
    public const string Section = "Generators:Tripo";

    public Uri BaseUrl { get; set; } = new("https://api.tripo3d.ai/v2/openapi");

    public string ModelVersion { get; set; } = "v2.5-20250123";
}
