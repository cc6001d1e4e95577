using Image2Model.Site.Conversions;
using Image2Model.Site.Data;
using Image2Model.Site.Generators.Remote;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Image2Model.Site.Pages.Admin;

/// <summary>The work queue as admins see it: counts, what is running where, recent failures.</summary>
public sealed class QueueModel(AppDbContext db, ConversionCancellation cancellation, ConversionRunner runner, GeneratorCatalog generators) : PageModel
{
    public sealed record Row(Guid Id, Guid BatchId, string FileName, string? Owner, ConversionState State, int Progress, string Message, string Generator, string? LeaseOwner, DateTime CreatedAt);

    public Dictionary<ConversionState, int> Counts { get; private set; } = [];

    public IReadOnlyList<Row> Active { get; private set; } = [];

    public IReadOnlyList<Row> RecentFailures { get; private set; } = [];

    public IReadOnlyList<IGenerator> Generators => generators.All;

    public ConversionRunner Runner => runner;

    /// <summary>For generators on servers the site's operators run (Hunyuan3D): whether they answer right now.</summary>
    public Dictionary<string, string> ServerChecks { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Counts = await db.Conversions.GroupBy(c => c.State).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(x => x.Key, x => x.Count, cancellationToken);
        Active = await Rows(db.Conversions.Where(c => c.State == ConversionState.Pending || c.State == ConversionState.Running).OrderBy(c => c.CreatedAt), cancellationToken);
        RecentFailures = await Rows(db.Conversions.Where(c => c.State == ConversionState.Failed).OrderByDescending(c => c.FinishedAt), cancellationToken);
        using var quick = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        quick.CancelAfter(TimeSpan.FromSeconds(3));
        var checks = generators.All.Where(g => g.IsConfigured).OfType<IServerCheck>()
            .Select(async g => (((IGenerator)g).Name, Status: await g.CheckAsync(quick.Token)));
        ServerChecks = (await Task.WhenAll(checks)).ToDictionary(c => c.Name, c => c.Status);
    }

    public async Task<IActionResult> OnPostCancelAsync(Guid conversionId, CancellationToken cancellationToken)
    {
        if (await db.Conversions.AsNoTracking().SingleOrDefaultAsync(c => c.Id == conversionId, cancellationToken) is { } conversion)
        {
            await cancellation.CancelAsync(conversion, cancellationToken);
        }

        return RedirectToPage();
    }

    private Task<List<Row>> Rows(IQueryable<Conversion> query, CancellationToken cancellationToken) =>
        query.Take(100)
            .Select(c => new Row(c.Id, c.BatchId, c.FileName, db.Users.Where(u => u.Id == c.OwnerId).Select(u => u.Email).FirstOrDefault(),
                c.State, c.Progress, c.Message, c.Generator, c.LeaseOwner, c.CreatedAt))
            .ToListAsync(cancellationToken);
}
