namespace Image2Model.Site.Conversions;

/// <summary>The files of one upload. Its state is derived from its conversions, never stored.</summary>
public sealed class Batch
{
    public Guid Id { get; set; } = Guid.NewGuid();

    public required string OwnerId { get; set; }

    public DateTime CreatedAt { get; set; }

    public List<Conversion> Conversions { get; set; } = [];
}
