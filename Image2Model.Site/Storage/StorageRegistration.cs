namespace Image2Model.Site.Storage;

public static class StorageRegistration
{
    public static IHostApplicationBuilder AddStorage(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section);
        builder.Services.AddSingleton<BlobStore>();
        builder.Services.AddSingleton(TimeProvider.System);
        return builder;
    }
}
