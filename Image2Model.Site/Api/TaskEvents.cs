namespace Image2Model.Site.Api;

/// <summary>One Server-Sent Event: its name and the object that becomes its JSON data line.</summary>
public sealed record TaskEvent(string Name, object Data);

/// <summary>What a progress stream says when a job moves from one snapshot to the next.</summary>
public static class TaskEvents
{
    public const string Progress = "task_progress";
    public const string FileUpdate = "file_update";
    public const string Completed = "task_completed";
    public const string Failed = "task_failed";

    /// <summary>
    /// The events between two snapshots, in the order clients expect: the job's progress, then each
    /// file that changed, then (once every file is final) the one closing event. With no earlier
    /// snapshot every file is reported, so a client that connects late still learns everything.
    /// </summary>
    public static IEnumerable<TaskEvent> Between(JobSnapshot? before, JobSnapshot now)
    {
        if (before is not null && before.SameAs(now))
        {
            yield break;
        }

        yield return new TaskEvent(Progress, new TaskProgressEvent(now.TaskId, now.JobId, now.Status, now.Progress, now.Finished, now.Total, now.Total, now.Message));

        foreach (var file in now.Files)
        {
            if (before?.Files.FirstOrDefault(f => f.FileId == file.FileId) != file)
            {
                yield return new TaskEvent(FileUpdate, new FileUpdateEvent(file.FileId, file.FileName, file.Status, file.Progress, file.Status == "failed" ? file.Message : null));
            }
        }

        if (now.IsFinal)
        {
            yield return Final(now);
        }
    }

    public static TaskEvent Final(JobSnapshot job) => job.Status == "completed"
        ? new TaskEvent(Completed, new TaskCompletedEvent(job.JobId, new JobResult(job.JobId, job.Status, job.Total, job.Succeeded, job.Failed)))
        : new TaskEvent(Failed, new TaskFailedEvent(job.JobId, job.FailureSummary));
}
