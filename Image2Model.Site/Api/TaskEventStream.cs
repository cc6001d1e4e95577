using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;

namespace Image2Model.Site.Api;

/// <summary>
/// Writes a task's progress as Server-Sent Events until the closing event, then ends the response.
/// It owns the <see cref="TaskWatch"/> and gives it back however the stream ends.
/// </summary>
public sealed class TaskEventStream(TaskWatch watch, JobSnapshot first, TimeSpan keepAlive) : IResult
{
    public async Task ExecuteAsync(HttpContext http)
    {
        using var _ = watch;
        var response = http.Response;
        // A server shutting down ends open streams (EventSource reconnects by itself, to another
        // node or after the restart) instead of holding the shutdown until its timeout.
        var stopping = http.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, stopping);
        var cancellationToken = ended.Token;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        // Tells nginx not to buffer the stream.
        response.Headers["X-Accel-Buffering"] = "no";
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        try
        {
            JobSnapshot? before = null;
            var now = first;
            var lastWrite = TimeProvider.System.GetTimestamp();
            while (true)
            {
                var wrote = false;
                foreach (var e in TaskEvents.Between(before, now))
                {
                    await WriteAsync(response, e.Name, e.Data, cancellationToken);
                    wrote = true;
                }

                // Snapshots arrive every poll whether or not anything changed, so quiet is measured from the last write.
                if (!wrote && TimeProvider.System.GetElapsedTime(lastWrite) >= keepAlive)
                {
                    await response.WriteAsync(": keep-alive\n\n", cancellationToken);
                    wrote = true;
                }

                if (wrote)
                {
                    await response.Body.FlushAsync(cancellationToken);
                    lastWrite = TimeProvider.System.GetTimestamp();
                }

                if (now.IsFinal)
                {
                    return;
                }

                before = now;
                var next = await NextAsync(response, cancellationToken);
                if (next is null)
                {
                    // The batch was deleted while someone watched it.
                    await WriteAsync(response, TaskEvents.Failed, new TaskFailedEvent(now.JobId, "The job was deleted."), cancellationToken);
                    return;
                }

                now = next;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away, or the server is stopping.
        }
    }

    private static Task WriteAsync(HttpResponse response, string name, object data, CancellationToken cancellationToken) =>
        response.WriteAsync($"event: {name}\ndata: {JsonSerializer.Serialize(data, ApiResults.Json)}\n\n", Encoding.UTF8, cancellationToken);

    /// <summary>The next snapshot; while none comes (the database is away), a comment line every <c>keepAlive</c>.</summary>
    private async Task<JobSnapshot?> NextAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        while (true)
        {
            using var quiet = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            quiet.CancelAfter(keepAlive);
            try
            {
                return await watch.Snapshots.ReadAsync(quiet.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                await response.WriteAsync(": keep-alive\n\n", cancellationToken);
                await response.Body.FlushAsync(cancellationToken);
            }
        }
    }
}
