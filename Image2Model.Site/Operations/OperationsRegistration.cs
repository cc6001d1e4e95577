namespace Image2Model.Site.Operations;

public static class OperationsRegistration
{
    /// <summary>Health checks, metrics, and the account-wide operations admins and users run.</summary>
    public static IHostApplicationBuilder AddOperations(this IHostApplicationBuilder builder)
    {
        builder.AddHealth();
        builder.AddMetrics();
        builder.Services.AddScoped<UserDeletion>();
        return builder;
    }

    public static WebApplication MapOperations(this WebApplication app)
    {
        app.MapHealth();
        app.MapMetrics();
        return app;
    }
}
