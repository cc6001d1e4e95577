using Image2Model.Site.Audit;
using Image2Model.Site.Data;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Image2Model.Site.Pages.Admin;

/// <summary>The audit log, newest first, filtered by action and by an address (actor or subject).</summary>
public sealed class AuditModel(AppDbContext db, IOptions<AuditOptions> options) : PageModel
{
    public const int PageSize = 50;

    public IReadOnlyList<AuditEntry> Entries { get; private set; } = [];

    [FromQuery]
    public string? Action { get; set; }

    [FromQuery(Name = "q")]
    public string? Search { get; set; }

    [FromQuery(Name = "page")]
    public int PageNumber { get; set; } = 1;

    public bool HasMore { get; private set; }

    public int RetentionDays => options.Value.RetentionDays;

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var query = db.AuditEntries.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(Action))
        {
            query = query.Where(e => e.Action == Action);
        }

        if (!string.IsNullOrWhiteSpace(Search))
        {
            var term = Search.Trim().ToLowerInvariant();
            query = query.Where(e => e.ActorEmail!.ToLower().Contains(term) || e.SubjectEmail!.ToLower().Contains(term));
        }

        PageNumber = Math.Max(1, PageNumber);
        var page = await query.OrderByDescending(e => e.Id).Skip((PageNumber - 1) * PageSize).Take(PageSize + 1).ToListAsync(cancellationToken);
        HasMore = page.Count > PageSize;
        Entries = page.Take(PageSize).ToList();
    }
}
