using System.Data.Common;
using System.Net;
using AngleSharp.Html.Dom;
using Image2Model.Site.Data;
using Image2Model.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Image2Model.Tests.Pages.Batches;

/// <summary>The batch page when its upload is deleted (in another tab, say) while it is open.</summary>
public sealed class DeletedBatchTests : IDisposable
{
    private readonly DeletingSite _site = new();

    public DeletedBatchTests() =>
        // A web-only node: conversions stay Pending, so the page keeps polling.
        _site.Settings["Conversions:RunOnThisNode"] = "false";

    public void Dispose() => _site.Dispose();

    [Fact]
    public async Task The_status_poll_of_a_deleted_upload_answers_a_final_fragment_that_says_so()
    {
        var client = await UserStories.SignedInUserAsync(_site);
        var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(client, [Fixtures.File("apple.png")]));
        var conversionId = (await _site.CreateDbContext().Conversions.SingleAsync(c => c.BatchId == batchId)).Id;
        var model = await client.GetPageAsync($"/models/{conversionId}");
        Assert.Equal(HttpStatusCode.Redirect, (await client.SubmitAsync(model.QuerySelector<IHtmlFormElement>("form[action*='handler=Delete']")!)).StatusCode);

        var poll = await client.Http.SendAsync(HtmxGet($"/batches/{batchId}"));
        var full = await client.Http.GetAsync($"/batches/{batchId}");

        Assert.Equal(HttpStatusCode.NotFound, poll.StatusCode);
        var html = await poll.Content.ReadAsStringAsync();
        Assert.DoesNotContain("<html", html);
        var status = (await SiteClient.ParseAsync(poll)).QuerySelector("#batch-status")!;
        Assert.Contains("This upload was deleted", status.TextContent);
        Assert.False(status.HasAttribute("hx-get"));
        Assert.False(status.HasAttribute("hx-trigger"));
        Assert.Equal(HttpStatusCode.NotFound, full.StatusCode);
        Assert.NotNull((await SiteClient.ParseAsync(full)).QuerySelector("html head title"));
    }

    [Fact]
    public async Task Canceling_while_the_upload_is_deleted_meanwhile_answers_the_deleted_fragment_not_a_500()
    {
        var client = await UserStories.SignedInUserAsync(_site);
        var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(client, [Fixtures.File("apple.png")]));
        var page = await client.GetPageAsync($"/batches/{batchId}");
        _site.DeleteBatchAfterNextConversionUpdate(batchId);

        var response = await client.SubmitAsync(page.QuerySelector<IHtmlFormElement>("form[action$='handler=cancel']")!,
            configure: r => r.Headers.Add("HX-Request", "true"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("<html", html);
        Assert.Contains("This upload was deleted", html);
        Assert.False(await _site.CreateDbContext().Batches.AnyAsync(b => b.Id == batchId));
    }

    private static HttpRequestMessage HtmxGet(string url)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("HX-Request", "true");
        return request;
    }

    /// <summary>
    /// The site, where the test can make "another tab" delete an upload at the worst moment: right
    /// after a request has changed one of its conversions and before it reads the batch back.
    /// </summary>
    private sealed class DeletingSite : SiteFactory
    {
        private readonly DeleteAfterUpdate _interceptor;

        public DeletingSite() => _interceptor = new DeleteAfterUpdate(ConnectionString);

        public void DeleteBatchAfterNextConversionUpdate(Guid batchId) => _interceptor.Armed = batchId;

        protected override void ConfigureTestServices(IServiceCollection services) =>
            services.ConfigureDbContext<SqliteDbContext>(o => o.AddInterceptors(_interceptor));
    }

    private sealed class DeleteAfterUpdate(string connectionString) : DbCommandInterceptor
    {
        public Guid? Armed { get; set; }

        public override async ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
        {
            if (Armed is { } batchId && command.CommandText.Contains("UPDATE \"Conversions\"", StringComparison.Ordinal))
            {
                Armed = null;
                await using var connection = new SqliteConnection(connectionString);
                await connection.OpenAsync(cancellationToken);
                await using var delete = connection.CreateCommand();
                delete.CommandText = "DELETE FROM \"Conversions\" WHERE \"BatchId\" = $id; DELETE FROM \"Batches\" WHERE \"Id\" = $id;";
                // EF Core keeps Guids in SQLite as upper-case text.
                delete.Parameters.AddWithValue("$id", batchId.ToString().ToUpperInvariant());
                await delete.ExecuteNonQueryAsync(cancellationToken);
            }

            return result;
        }
    }
}
