using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Image2Model.Site.Accounts;
using Image2Model.Site.Conversions;
using Image2Model.Site.Data;
using Microsoft.Net.Http.Headers;

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

    /// <summary>Site build the fragment's markup comes from: a new build may render the same batch differently.</summary>
    private static readonly Guid Markup = typeof(BatchView).Assembly.ManifestModule.ModuleVersionId;

    /// <summary>
    /// Names what the status fragment shows <paramref name="user"/>: it changes whenever the
    /// fragment would, so an unchanged one is answered 304 without rendering. The same on every
    /// node running the same build.
    /// </summary>
    public EntityTagHeaderValue ETagFor(ClaimsPrincipal user)
    {
        var text = new StringBuilder().Append(Markup).Append('|').Append(user.FindFirstValue(ClaimTypes.NameIdentifier)).Append('|').Append(Id);
        foreach (var item in Items)
        {
            text.Append('|').Append(item.Id).Append(',').Append(item.State).Append(',').Append(item.Progress).Append(',')
                .Append(item.HasModel).Append(item.HasPreview).Append(item.HasThumbnail).Append(',').Append(item.Message);
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()));
        return new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(hash.AsSpan(0, 16))}\"");
    }

    /// <summary>The batch if it exists and <paramref name="user"/> may see it; otherwise null (the caller answers 404).</summary>
    public static async Task<BatchView?> LoadAsync(AppDbContext db, Guid id, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        For(await BatchReadModel.ByIdAsync(db, id, cancellationToken), user);

    /// <summary>The view of <paramref name="batch"/> if <paramref name="user"/> may see it; otherwise null.</summary>
    public static BatchView? For(BatchReadModel? batch, ClaimsPrincipal user) =>
        batch is not null && user.CanSee(batch.OwnerId) ? new BatchView(batch) : null;
}
