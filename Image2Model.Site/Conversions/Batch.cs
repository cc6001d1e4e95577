namespace Image2Model.Site.Conversions;

/// <summary>The files of one upload. Its state is derived from its conversions, never stored.</summary>
public sealed class Batch
{
    public Guid Id { get; set; } = Guid.NewGuid();

    /// <summary>
    /// The random id API clients follow a batch by. The progress stream needs no sign-in, so this
    /// id is its only secret and is kept apart from <see cref="Id"/>, which appears in page URLs.
    /// </summary>
    public Guid TaskId { get; set; } = Guid.NewGuid();

    public required string OwnerId { get; set; }

    public DateTime CreatedAt { get; set; }

    public List<Conversion> Conversions { get; set; } = [];
}
