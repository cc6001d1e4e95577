namespace Image2Model.Site.Uploads;

public static class UploadsRegistration
{
    public static IHostApplicationBuilder AddUploads(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<UploadOptions>().BindConfiguration(UploadOptions.Section);
        builder.Services.AddScoped<BatchUploader>();
        return builder;
    }
}
