using System.Security.Claims;
using Image2Model.Site.Accounts;
using Image2Model.Site.Conversions;
using Image2Model.Site.Data;

namespace Image2Model.Site.Pages.Batches;

/// <summary>What the batch page and its status fragment show: the batch's read model, for those who may see it.</summary>
public sealed record BatchView(BatchReadModel Batch)
{
    public Guid Id => Batch.Id;

    public DateTime CreatedAt => Batch.CreatedAt;

    public IReadOnlyList<BatchItem> Items => Batch.Items;

    public bool IsActive => Batch.IsActive;

    public int Finished => Batch.Finished;

    public int Succeeded => Batch.Succeeded;

    /// <summary>The batch if it exists and <paramref name="user"/> may see it; otherwise null (the caller answers 404).</summary>
    public static async Task<BatchView?> LoadAsync(AppDbContext db, Guid id, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        await BatchReadModel.ByIdAsync(db, id, cancellationToken) is { } batch && user.CanSee(batch.OwnerId) ? new BatchView(batch) : null;
}
