using Image2Model.Site.Accounts;
using Image2Model.Site.Conversions;
using Image2Model.Site.Data;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Image2Model.Site.Pages.Models;

/// <summary>The library: every conversion of the signed-in user, newest first.</summary>
public sealed class IndexModel(AppDbContext db) : PageModel
{
    public const int PageSize = 48;

    public sealed record Row(Guid Id, Guid BatchId, string FileName, ConversionState State, DateTime CreatedAt, int? Triangles, bool HasThumbnail);

    public IReadOnlyList<Row> Rows { get; private set; } = [];

    public int PageNumber { get; private set; }

    public bool HasMore { get; private set; }

    public async Task OnGetAsync(int p = 1, CancellationToken cancellationToken = default)
    {
        // Capped so that the offset below cannot overflow into a negative number (PostgreSQL refuses those).
        PageNumber = Math.Clamp(p, 1, int.MaxValue / PageSize);
        var userId = User.UserId();
        var rows = await db.Conversions.AsNoTracking()
            .Where(c => c.OwnerId == userId)
            .OrderByDescending(c => c.CreatedAt).ThenBy(c => c.FileName)
            .Skip((PageNumber - 1) * PageSize).Take(PageSize + 1)
            .Select(c => new Row(c.Id, c.BatchId, c.FileName, c.State, c.CreatedAt, c.Triangles, c.ThumbnailBlob != null))
            .ToListAsync(cancellationToken);
        HasMore = rows.Count > PageSize;
        Rows = rows.Take(PageSize).ToList();
    }
}
