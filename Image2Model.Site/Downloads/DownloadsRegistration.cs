namespace Image2Model.Site.Downloads;

public static class DownloadsRegistration
{
    public static IHostApplicationBuilder AddDownloads(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ExportOptions>().BindConfiguration(ExportOptions.Section);
        builder.Services.AddSingleton<ModelExports>();
        return builder;
    }
}
