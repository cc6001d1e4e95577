using Image2Model.Site.Generators.Remote;

namespace Image2Model.Site.Generators.Hunyuan3D;

public static class Hunyuan3DRegistration
{
    /// <summary>
    /// The hunyuan3d generator: options from <c>Generators:Hunyuan3D</c>, the optional proxy
    /// Authorization value also from <c>HUNYUAN3D_AUTHORIZATION</c>.
    /// </summary>
    public static IHostApplicationBuilder AddHunyuan3DGenerator(this IHostApplicationBuilder builder)
    {
        builder.AddRemoteGenerator<Hunyuan3DGenerator, Hunyuan3DOptions>(
            Hunyuan3DOptions.Section,
            Hunyuan3DClient.HttpClientName,
            Hunyuan3DClient.ReachedHeader,
            (options, configuration) => options.Authorization = configuration.Setting("HUNYUAN3D_AUTHORIZATION") ?? options.Authorization,
            o => (o.BaseUrl is null || o.BaseUrl.IsAbsoluteUri) && o.Presets.ContainsKey("standard") && o.Presets.ContainsKey(o.Preset)
                && o.Presets.Values.All(p => p.Steps > 0 && p.OctreeResolution > 0 && p.GuidanceScale > 0),
            "Generators:Hunyuan3D:BaseUrl must be an absolute URL, and Preset must name one of Presets (each with positive Steps, OctreeResolution and GuidanceScale).",
            (options, http) =>
            {
                if (!string.IsNullOrWhiteSpace(options.Authorization))
                {
                    http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", options.Authorization.Trim());
                }
            });
        return builder;
    }
}
