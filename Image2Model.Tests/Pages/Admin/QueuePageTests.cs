using System.Net;
using Image2Model.Site.Conversions;
using Image2Model.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using static Image2Model.Tests.Infrastructure.AdminStories;

namespace Image2Model.Tests.Pages.Admin;

/// <summary>The queue page: what waits and runs, recent failures, and cancelling anyone's conversion.</summary>
public sealed class QueuePageTests : IDisposable
{
    private readonly SiteFactory _site = new();

    // A web-only node: conversions wait in the queue until the test moves them.
    public QueuePageTests() => _site.Settings["Conversions:RunOnThisNode"] = "false";

    public void Dispose() => _site.Dispose();

    [Fact]
    public async Task Admin_cancels_a_waiting_conversion_from_the_queue_and_its_owner_sees_it_canceled()
    {
        var owner = $"queued-{Guid.NewGuid():N}@example.com";
        var user = await UserStories.SignedInUserAsync(_site, owner);
        var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(user, [Fixtures.File("apple.png")]));
        var admin = await SignedInAdminAsync(_site);
        var queue = await admin.GetPageAsync("/admin/queue");
        var row = Row(queue, "apple.png");
        Assert.Equal(owner, Cell(row, "Owner"));
        Assert.Equal("Pending", Cell(row, "State"));

        var after = await admin.FollowAsync(await admin.SubmitAsync(Form(row, "Cancel")!));

        Assert.EndsWith("/admin/queue", after.Url);
        Assert.Contains("Nothing in the queue.", after.QuerySelector("main")!.TextContent);
        Assert.Equal("1", after.QuerySelectorAll(".stat").Single(s => s.TextContent.Contains("Canceled")).QuerySelector("strong")!.TextContent);
        var batch = await user.GetPageAsync($"/batches/{batchId}");
        Assert.Equal("Canceled", batch.QuerySelector(".conversion .badge")!.TextContent);
    }

    [Fact]
    public async Task The_queue_shows_recent_failures_with_their_reason()
    {
        var user = await UserStories.SignedInUserAsync(_site);
        var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(user, [Fixtures.File("horse.png")]));
        await using (var db = _site.CreateDbContext())
        {
            await db.Conversions.Where(c => c.BatchId == batchId).ExecuteUpdateAsync(s => s
                .SetProperty(c => c.State, ConversionState.Failed).SetProperty(c => c.Message, "The provider said no").SetProperty(c => c.FinishedAt, DateTime.UtcNow));
        }

        var admin = await SignedInAdminAsync(_site);
        var queue = await admin.GetPageAsync("/admin/queue");

        var failure = Row(queue, "horse.png");
        Assert.Equal("The provider said no", Cell(failure, "Reason"));
        Assert.Equal($"/batches/{batchId}", failure.QuerySelector("a")!.GetAttribute("href"));
        Assert.Null(Form(failure, "Cancel"));
    }

    [Fact]
    public async Task A_user_who_is_not_admin_cannot_cancel_from_the_queue()
    {
        var owner = await UserStories.SignedInUserAsync(_site);
        var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(owner, [Fixtures.File("apple.png")]));
        var id = (await _site.CreateDbContext().Conversions.SingleAsync(c => c.BatchId == batchId)).Id;
        var other = await UserStories.SignedInUserAsync(_site);

        var response = await PostAsync(other, await other.GetPageAsync("/upload"), "/admin/queue?handler=Cancel", ("conversionId", id.ToString()));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/access-denied", response.Headers.Location!.PathAndQuery);
        Assert.Equal(ConversionState.Pending, (await _site.CreateDbContext().Conversions.AsNoTracking().SingleAsync(c => c.Id == id)).State);
    }
}
