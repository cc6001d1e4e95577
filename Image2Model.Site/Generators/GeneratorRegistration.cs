using Image2Model.Site.Conversions;
using Image2Model.Site.Generators.Local;

namespace Image2Model.Site.Generators;

public static class GeneratorRegistration
{
    /// <summary>Registers every generator; the upload form offers those that are configured, in this order.</summary>
    public static IHostApplicationBuilder AddGenerators(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IGenerator, LocalGenerator>();
        builder.Services.AddSingleton<GeneratorCatalog>();
        return builder;
    }
}
