namespace Image2Model.Site.Conversions;

/// <summary>The generators this site has, in registration order; "local" comes first.</summary>
public sealed class GeneratorCatalog(IEnumerable<IGenerator> generators)
{
    private readonly IReadOnlyList<IGenerator> _all = generators.ToList();

    public const string DefaultName = "local";

    public IReadOnlyList<IGenerator> All => _all;

    /// <summary>What users may pick: the configured generators.</summary>
    public IEnumerable<IGenerator> Available => _all.Where(g => g.IsConfigured);

    /// <summary>A registered generator by its exact name, configured or not (for work already queued).</summary>
    public IGenerator? Named(string name) => _all.FirstOrDefault(g => g.Name == name);

    /// <summary>A configured generator by name, or null.</summary>
    public IGenerator? Find(string? name) =>
        Available.FirstOrDefault(g => string.Equals(g.Name, name ?? DefaultName, StringComparison.OrdinalIgnoreCase));
}
