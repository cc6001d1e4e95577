using Image2Model.Site.Accounts;
using Image2Model.Site.Data;
using Microsoft.Extensions.Options;

namespace Image2Model.Site.Api;

/// <summary>Where a job stands: one-off status, the live stream, and per-file progress.</summary>
public static class StatusEndpoints
{
    public static void MapStatusEndpoints(this RouteGroupBuilder api, RouteGroupBuilder open)
    {
        api.MapGet("/status/tasks/{task_id}", TaskStatusAsync)
            .Produces<TaskStatusResponse>()
            .Produces<ApiError>(StatusCodes.Status404NotFound)
            .WithSummary("The status of an upload's task");

        // No Authorization: EventSource cannot send headers. The random task id is the secret,
        // and the stream carries file names, states and progress only, never file contents or links.
        open.MapGet("/status/tasks/{task_id}/stream", TaskStreamAsync)
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .Produces<ApiError>(StatusCodes.Status404NotFound)
            .WithSummary("Server-Sent Events: task_progress, file_update, then task_completed or task_failed");

        api.MapGet("/status/jobs/{job_id}/progress", JobProgressAsync)
            .Produces<JobProgressResponse>()
            .Produces<ApiError>(StatusCodes.Status404NotFound)
            .WithSummary("Progress of each file of a job");
    }

    private static async Task<IResult> TaskStatusAsync(string task_id, HttpContext http, AppDbContext db, CancellationToken cancellationToken) =>
        Guid.TryParse(task_id, out var taskId) && await JobSnapshots.ByTaskAsync(db, taskId, cancellationToken) is { } job && http.User.CanSee(job.OwnerId)
            ? ApiResults.Ok(new TaskStatusResponse(job.TaskId, job.JobId, job.Status, job.Progress, job.Finished, job.Total, job.Message))
            : ApiResults.TaskNotFound();

    private static async Task<IResult> TaskStreamAsync(string task_id, TaskStreamHub hub, IOptions<ApiOptions> options, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(task_id, out var taskId))
        {
            return ApiResults.TaskNotFound();
        }

        var watch = hub.Watch(taskId);
        try
        {
            if (await watch.Snapshots.ReadAsync(cancellationToken) is { } first)
            {
                return new TaskEventStream(watch, first, options.Value.StreamKeepAlive);
            }
        }
        catch
        {
            watch.Dispose();
            throw;
        }

        watch.Dispose();
        return ApiResults.TaskNotFound();
    }

    private static async Task<IResult> JobProgressAsync(string job_id, HttpContext http, AppDbContext db, CancellationToken cancellationToken) =>
        Guid.TryParse(job_id, out var jobId) && await JobSnapshots.ByJobAsync(db, jobId, cancellationToken) is { } job && http.User.CanSee(job.OwnerId)
            ? ApiResults.Ok(new JobProgressResponse(job.JobId, job.Files.Select(f => new FileProgressResponse(f.FileId, f.FileName, f.Status, f.Progress, f.Message)).ToList()))
            : ApiResults.JobNotFound();
}
