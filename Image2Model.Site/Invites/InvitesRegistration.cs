namespace Image2Model.Site.Invites;

public static class InvitesRegistration
{
    public static IHostApplicationBuilder AddInvites(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<InviteOptions>().BindConfiguration(InviteOptions.Section);
        builder.Services.AddScoped<InviteService>();
        return builder;
    }
}
