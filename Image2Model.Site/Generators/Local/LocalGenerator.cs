using Image2Model.Site.Conversions;
using Image2Model.Site.Meshing;
using Microsoft.Extensions.Options;

namespace Image2Model.Site.Generators.Local;

/// <summary>The embedded, offline engine: needs no key and no network, so it is always available.</summary>
public sealed class LocalGenerator(IOptions<LocalOptions> options) : IGenerator
{
    public string Name => "local";

    public string DisplayName => "Local (built in)";

    public string Description => "Runs on this server in about a second. No account or key needed.";

    public bool IsConfigured => true;

    public GeneratorFeatures Features => GeneratorFeatures.None;

    public async Task<GeneratedModel> GenerateAsync(GenerationRequest request, IGenerationContext context, CancellationToken cancellationToken)
    {
        await context.ReportProgressAsync(10, "Building the model", cancellationToken);
        try
        {
            var result = await Task.Run(() => LocalEngine.Convert(request.Image, new EngineOptions(request.Options.FaceLimit, options.Value.MaxTextureSize, options.Value.Height)), cancellationToken);
            // A relief says why: the user sees that no free-standing subject was found, and what to try.
            var mode = result.Mode == LocalEngine.Relief && result.Reason.Length > 0 ? $"{result.Mode} ({result.Reason})" : result.Mode;
            return new GeneratedModel(result.Glb, null, result.Triangles, $"Done: {mode}, {result.Triangles:N0} triangles");
        }
        catch (ImageDecodeException e)
        {
            throw new GenerationFailedException(e.Message, e);
        }
    }
}
