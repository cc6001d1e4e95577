using System.Diagnostics;
using System.Net;
using Image2Model.Site.Api;
using Image2Model.Site.Conversions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Kind = System.Text.Json.JsonValueKind;

namespace Image2Model.Tests.Api;

public sealed class StreamTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Stream_follows_running_conversions_in_order_and_ends_after_task_completed()
    {
        var script = await ApiStories.ScriptAsync(factory);
        var upload = await ApiStories.UploadAsync(script, "apple.png", "horse.png");
        var taskId = upload.GetProperty("task_id").GetString();

        // EventSource sends no Authorization, so neither does this client.
        var stream = await ServerSentEvents.ReadToEndAsync(ApiStories.Script(factory, null), $"/api/v1/status/tasks/{taskId}/stream");

        var events = stream.Events;
        Assert.Equal(TaskEvents.Progress, events[0].Name);
        Assert.Equal(TaskEvents.Completed, events[^1].Name);
        Assert.DoesNotContain(events.Take(events.Count - 1), e => e.Name is TaskEvents.Completed or TaskEvents.Failed);
        Assert.Contains(events, e => e.Name == TaskEvents.FileUpdate);

        var progress = events.Where(e => e.Name == TaskEvents.Progress).Select(e => e.Data).ToList();
        foreach (var p in progress)
        {
            ApiStories.HasShape(p, ("task_id", Kind.String), ("job_id", Kind.String), ("status", Kind.String), ("progress", Kind.Number),
                ("current", Kind.Number), ("total", Kind.Number), ("total_files", Kind.Number), ("message", Kind.String));
            Assert.Equal(taskId, p.GetProperty("task_id").GetString());
            Assert.Equal(2, p.GetProperty("total_files").GetInt32());
        }

        var percents = progress.Select(p => p.GetProperty("progress").GetInt32()).ToList();
        Assert.Equal(percents.Order(), percents);
        Assert.Equal(100, percents[^1]);
        Assert.Equal("completed", progress[^1].GetProperty("status").GetString());

        foreach (var update in events.Where(e => e.Name == TaskEvents.FileUpdate).Select(e => e.Data))
        {
            ApiStories.HasShape(update, ("file_id", Kind.String), ("filename", Kind.String), ("status", Kind.String), ("progress", Kind.Number));
        }

        // Each file's last update says it is done, and comes before the closing event.
        foreach (var file in upload.GetProperty("uploaded_files").EnumerateArray())
        {
            var last = events.Last(e => e.Name == TaskEvents.FileUpdate && e.Data.GetProperty("file_id").GetString() == file.GetProperty("file_id").GetString());
            Assert.Equal("completed", last.Data.GetProperty("status").GetString());
        }

        var completed = events[^1].Data;
        ApiStories.HasShape(completed, ("job_id", Kind.String), ("result", Kind.Object));
        ApiStories.HasShape(completed.GetProperty("result"), ("job_id", Kind.String), ("status", Kind.String), ("total_files", Kind.Number),
            ("successful_files", Kind.Number), ("failed_files", Kind.Number));
        Assert.Equal(2, completed.GetProperty("result").GetProperty("successful_files").GetInt32());
        Assert.Equal(0, completed.GetProperty("result").GetProperty("failed_files").GetInt32());
    }

    [Fact]
    public async Task Finished_task_gets_its_final_event_at_once()
    {
        var script = await ApiStories.ScriptAsync(factory);
        var upload = await ApiStories.UploadAsync(script, "apple.png");
        await ApiStories.WaitForFinishAsync(factory, upload);

        var stream = await ServerSentEvents.ReadToEndAsync(ApiStories.Script(factory, null), $"/api/v1/status/tasks/{upload.GetProperty("task_id").GetString()}/stream", TimeSpan.FromSeconds(5));

        Assert.Equal([TaskEvents.Progress, TaskEvents.FileUpdate, TaskEvents.Completed], stream.Events.Select(e => e.Name));
    }

    [Fact]
    public async Task Task_whose_files_all_failed_ends_with_task_failed_and_a_plain_message()
    {
        using var stalled = new ApiFactory();
        stalled.Settings["Conversions:RunOnThisNode"] = "false";
        stalled.Settings["Api:StreamKeepAlive"] = "00:00:00.300";
        var script = await ApiStories.ScriptAsync(stalled);
        var upload = await ApiStories.UploadAsync(script, "apple.png");
        var jobId = Guid.Parse(upload.GetProperty("job_id").GetString()!);
        var keptAlive = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reading = ServerSentEvents.ReadToEndAsync(ApiStories.Script(stalled, null), $"/api/v1/status/tasks/{upload.GetProperty("task_id").GetString()}/stream",
            onComment: () => keptAlive.TrySetResult());

        // Quiet until the first keep-alive comment arrives (however slow the machine), then the file fails.
        await keptAlive.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await using (var db = stalled.CreateDbContext())
        {
            await db.Conversions.Where(c => c.BatchId == jobId).ExecuteUpdateAsync(s => s
                .SetProperty(c => c.State, ConversionState.Failed)
                .SetProperty(c => c.Message, "The photo has no clear object in it."));
        }

        var stream = await reading;
        Assert.True(stream.Comments >= 1, "No keep-alive comment while the task was quiet.");
        Assert.Equal([TaskEvents.Progress, TaskEvents.FileUpdate, TaskEvents.Progress, TaskEvents.FileUpdate, TaskEvents.Failed], stream.Events.Select(e => e.Name));
        Assert.Equal("queued", stream.Events[0].Data.GetProperty("status").GetString());
        Assert.Equal("The photo has no clear object in it.", stream.Events[3].Data.GetProperty("error").GetString());
        ApiStories.HasShape(stream.Events[^1].Data, ("job_id", Kind.String), ("error", Kind.String));
        Assert.Equal("The photo has no clear object in it.", stream.Events[^1].Data.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("6f9619ff-8b86-d011-b42d-00cf4fc964ff")]
    [InlineData("not-a-uuid")]
    public async Task Unknown_or_malformed_task_stream_is_404(string taskId)
    {
        var response = await ApiStories.Script(factory, null).GetAsync($"/api/v1/status/tasks/{taskId}/stream");

        Assert.Equal("Task not found", await ApiStories.DetailAsync(response, HttpStatusCode.NotFound));
    }

    [Fact]
    public async Task Two_hundred_streams_share_one_poller_and_all_end_by_themselves()
    {
        var script = await ApiStories.ScriptAsync(factory);
        var upload = await ApiStories.UploadAsync(script, "apple.png");
        var url = $"/api/v1/status/tasks/{upload.GetProperty("task_id").GetString()}/stream";
        var hub = factory.Services.GetRequiredService<TaskStreamHub>();
        var pollsBefore = hub.Polls;
        var clock = Stopwatch.StartNew();

        var streams = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => ServerSentEvents.ReadToEndAsync(ApiStories.Script(factory, null), url, TimeSpan.FromSeconds(40))));

        Assert.All(streams, s => Assert.Equal(TaskEvents.Completed, s.Events[^1].Name));
        // The poll interval here is 200 ms; one query per stream per tick would be hundreds of times more.
        var polls = hub.Polls - pollsBefore;
        Assert.True(polls <= clock.Elapsed.TotalSeconds * 5 + 200, $"{polls} polls in {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.True(polls < 200 * clock.Elapsed.TotalSeconds, $"{polls} polls in {clock.Elapsed.TotalSeconds:0.0} s");
    }
}
