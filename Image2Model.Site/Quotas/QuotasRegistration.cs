namespace Image2Model.Site.Quotas;

public static class QuotasRegistration
{
    public static IHostApplicationBuilder AddQuotas(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<QuotaOptions>().BindConfiguration(QuotaOptions.Section);
        builder.Services.AddScoped<QuotaService>();
        return builder;
    }
}
