using System.Security.Claims;
using Image2Model.Site.Accounts;
using Image2Model.Site.Conversions;
using Image2Model.Site.Data;
using Microsoft.EntityFrameworkCore;

namespace Image2Model.Site.Pages.Models;

/// <summary>What the library's GET form asks for. Every field is optional; unknown values mean "any".</summary>
public sealed record LibraryQuery(string? Q = null, string? State = null, string? Generator = null, string? Sort = null, int Page = 1, string? Scope = null, string? Owner = null)
{
    public const int PageSize = 30;

    public static readonly IReadOnlyList<(string Value, string Label)> Sorts =
        [("newest", "Newest first"), ("oldest", "Oldest first"), ("name", "Name"), ("triangles", "Most triangles")];

    public static readonly IReadOnlyList<ConversionState> States = Enum.GetValues<ConversionState>();

    public string SortOrDefault => Sorts.Any(s => s.Value == Sort) ? Sort! : "newest";

    public ConversionState? StateFilter => Enum.TryParse<ConversionState>(State, ignoreCase: true, out var s) ? s : null;

    /// <summary>Only admins may look at everyone's models.</summary>
    public bool AllUsers(ClaimsPrincipal user) => Scope == "all" && user.IsAdmin();

    /// <summary>This query's URL with some fields changed: for page links and the form's pushed URL.</summary>
    public string Url(int? page = null)
    {
        var query = new Dictionary<string, string?>
        {
            ["q"] = string.IsNullOrWhiteSpace(Q) ? null : Q.Trim(),
            ["state"] = StateFilter?.ToString().ToLowerInvariant(),
            ["generator"] = string.IsNullOrEmpty(Generator) ? null : Generator,
            ["sort"] = SortOrDefault == "newest" ? null : SortOrDefault,
            ["scope"] = Scope == "all" ? "all" : null,
            ["owner"] = Scope == "all" && !string.IsNullOrWhiteSpace(Owner) ? Owner.Trim() : null,
            ["p"] = (page ?? Page) > 1 ? (page ?? Page).ToString(System.Globalization.CultureInfo.InvariantCulture) : null,
        };
        var parts = query.Where(p => p.Value is not null).Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value!)}");
        var text = string.Join("&", parts);
        return text.Length == 0 ? "/models" : $"/models?{text}";
    }

    public async Task<LibraryPage> RunAsync(AppDbContext db, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var all = AllUsers(user);
        var rows = from c in db.Conversions.AsNoTracking()
                   join u in db.Users on c.OwnerId equals u.Id
                   select new { c, u.Email };
        if (!all)
        {
            var userId = user.UserId();
            rows = rows.Where(r => r.c.OwnerId == userId);
        }
        else if (!string.IsNullOrWhiteSpace(Owner))
        {
            var owner = Like(Owner.Trim());
            rows = rows.Where(r => r.Email != null && EF.Functions.Like(r.Email.ToLower(), owner, "\\"));
        }

        if (!string.IsNullOrWhiteSpace(Q))
        {
            // Lower-cased on both sides: LIKE is case-sensitive on PostgreSQL, and SQLite only folds ASCII.
            var pattern = Like(Q.Trim());
            rows = rows.Where(r => EF.Functions.Like(r.c.FileName.ToLower(), pattern, "\\"));
        }

        if (StateFilter is { } state)
        {
            rows = rows.Where(r => r.c.State == state);
        }

        if (!string.IsNullOrEmpty(Generator))
        {
            rows = rows.Where(r => r.c.Generator == Generator);
        }

        rows = SortOrDefault switch
        {
            "oldest" => rows.OrderBy(r => r.c.CreatedAt).ThenBy(r => r.c.Id),
            "name" => rows.OrderBy(r => r.c.FileName.ToLower()).ThenByDescending(r => r.c.CreatedAt).ThenBy(r => r.c.Id),
            "triangles" => rows.OrderByDescending(r => r.c.Triangles ?? -1).ThenByDescending(r => r.c.CreatedAt).ThenBy(r => r.c.Id),
            _ => rows.OrderByDescending(r => r.c.CreatedAt).ThenBy(r => r.c.FileName).ThenBy(r => r.c.Id),
        };

        var total = await rows.CountAsync(cancellationToken);
        var pages = Math.Max(1, (total + PageSize - 1) / PageSize);
        var page = Math.Clamp(Page, 1, pages);
        var items = await rows.Skip((page - 1) * PageSize).Take(PageSize)
            .Select(r => new LibraryRow(r.c.Id, r.c.BatchId, r.c.FileName, r.c.State, r.c.Generator, r.c.CreatedAt, r.c.Triangles,
                r.c.ThumbnailBlob != null, r.c.PreviewBlob != null, r.c.ModelBlob != null, r.Email))
            .ToListAsync(cancellationToken);
        return new LibraryPage(this with { Page = page }, items, total, pages, all);
    }

    private static string Like(string text) =>
        "%" + text.ToLowerInvariant().Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
}

public sealed record LibraryRow(Guid Id, Guid BatchId, string FileName, ConversionState State, string Generator, DateTime CreatedAt, int? Triangles,
    bool HasThumbnail, bool HasPreview, bool HasModel, string? OwnerEmail);

public sealed record LibraryPage(LibraryQuery Query, IReadOnlyList<LibraryRow> Rows, int Total, int Pages, bool AllUsers)
{
    public bool HasPrevious => Query.Page > 1;

    public bool HasNext => Query.Page < Pages;

    /// <summary>Whether any filter is on, so an empty result says "nothing matches" rather than "no models yet".</summary>
    public bool IsFiltered => !string.IsNullOrWhiteSpace(Query.Q) || Query.StateFilter is not null || !string.IsNullOrEmpty(Query.Generator) || !string.IsNullOrWhiteSpace(Query.Owner);
}
