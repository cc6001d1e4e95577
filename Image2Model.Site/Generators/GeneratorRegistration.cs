using Image2Model.Site.Conversions;
using Image2Model.Site.Generators.Fal;
using Image2Model.Site.Generators.Hunyuan3D;
using Image2Model.Site.Generators.Local;
using Image2Model.Site.Generators.Tripo;

namespace Image2Model.Site.Generators;

public static class GeneratorRegistration
{
    /// <summary>Registers every generator; the upload form offers those that are configured, in this order.</summary>
    public static IHostApplicationBuilder AddGenerators(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<LocalOptions>().BindConfiguration(LocalOptions.Section);
        builder.Services.AddSingleton<IGenerator, LocalGenerator>();
        // Each remote generator is offered only when its key (FAL_KEY, TRIPO_API_KEY) or server
        // (Generators:Hunyuan3D:BaseUrl) is set.
        builder.AddFalTripoGenerator();
        builder.AddTripoGenerator();
        builder.AddHunyuan3DGenerator();
        builder.Services.AddSingleton<GeneratorCatalog>();
        return builder;
    }
}
