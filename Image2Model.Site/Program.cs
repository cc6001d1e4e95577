using Image2Model.Site.Accounts;
using Image2Model.Site.Api;
using Image2Model.Site.Audit;
using Image2Model.Site.Cli;
using Image2Model.Site.Conversions;
using Image2Model.Site.Data;
using Image2Model.Site.Downloads;
using Image2Model.Site.Email;
using Image2Model.Site.Generators;
using Image2Model.Site.Generators.Fal;
using Image2Model.Site.Previews;
using Image2Model.Site.Invites;
using Image2Model.Site.Operations;
using Image2Model.Site.Quotas;
using Image2Model.Site.Sharing;
using Image2Model.Site.SingleSignOn;
using Image2Model.Site.Storage;
using Image2Model.Site.Uploads;
using Image2Model.Site.Web;

if (CommandLine.TryRun(args, out var exitCode))
{
    return exitCode;
}

var builder = WebApplication.CreateBuilder(args);
builder.AddData();
builder.AddStorage();
builder.AddAccounts();
builder.AddGenerators();
builder.AddConversions();
builder.AddPreviews();
builder.AddSharing();
builder.AddUploads();
builder.AddDownloads();
builder.AddWebUi();
builder.AddApi();
builder.AddOperations();
builder.AddEmail();
builder.AddAudit();
builder.AddQuotas();
builder.AddInvites();
builder.AddSingleSignOn();

var app = builder.Build();
await app.MigrateDatabaseAsync();
if (CommandLine.TryRunWithServices(app.Services, args) is { } command)
{
    return await command;
}

app.UseWebUi();
app.MapDownloads();
app.MapPreviews();
app.MapZipDownloads();
app.MapSharing();
app.MapApi();
app.MapOperations();
app.MapFalWebhooks();
await app.RunAsync();
return 0;

public partial class Program;
