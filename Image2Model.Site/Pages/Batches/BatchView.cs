using System.Security.Claims;
using Image2Model.Site.Accounts;
using Image2Model.Site.Conversions;
using Image2Model.Site.Data;
using Microsoft.EntityFrameworkCore;

namespace Image2Model.Site.Pages.Batches;

/// <summary>What the batch page and its status fragment show.</summary>
public sealed record BatchView(Guid Id, DateTime CreatedAt, IReadOnlyList<BatchView.Item> Items)
{
    public sealed record Item(Guid Id, string FileName, ConversionState State, int Progress, string Message, string Generator, bool HasThumbnail);

    public bool IsActive => Items.Any(i => !i.State.IsFinal());

    public int Finished => Items.Count(i => i.State.IsFinal());

    public int Succeeded => Items.Count(i => i.State == ConversionState.Succeeded);

    /// <summary>The batch if it exists and <paramref name="user"/> may see it; otherwise null (the caller answers 404).</summary>
    public static async Task<BatchView?> LoadAsync(AppDbContext db, Guid id, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var batch = await db.Batches.AsNoTracking()
            .Where(b => b.Id == id)
            .Select(b => new
            {
                b.OwnerId,
                b.CreatedAt,
                Items = b.Conversions.OrderBy(c => c.CreatedAt).ThenBy(c => c.FileName)
                    .Select(c => new Item(c.Id, c.FileName, c.State, c.Progress, c.Message, c.Generator, c.ThumbnailBlob != null))
                    .ToList(),
            })
            .SingleOrDefaultAsync(cancellationToken);
        return batch is not null && user.CanSee(batch.OwnerId) ? new BatchView(id, batch.CreatedAt, batch.Items) : null;
    }
}
