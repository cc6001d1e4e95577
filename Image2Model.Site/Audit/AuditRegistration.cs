using Image2Model.Site.Data;
using Microsoft.AspNetCore.Identity;

namespace Image2Model.Site.Audit;

public static class AuditRegistration
{
    public static IHostApplicationBuilder AddAudit(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuditOptions>().BindConfiguration(AuditOptions.Section);
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddScoped<AuditLog>();
        builder.Services.AddSingleton<AuditRetention>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AuditRetention>());
        return builder;
    }
}
