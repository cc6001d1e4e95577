using Image2Model.Site.Accounts;
using Microsoft.AspNetCore.Mvc;

namespace Image2Model.Site.Quotas;

/// <summary>"3 of 500 conversions today · 12 MB of 10 GB": shown on the upload page.</summary>
public sealed class QuotaUsageViewComponent(QuotaService quotas) : ViewComponent
{
    public async Task<IViewComponentResult> InvokeAsync() =>
        View(await quotas.UsageAsync(UserClaimsPrincipal.UserId(), HttpContext.RequestAborted));
}
