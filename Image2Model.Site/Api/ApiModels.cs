using System.Text.Json.Serialization;

namespace Image2Model.Site.Api;

// The JSON contract of the earlier image2model API, which existing clients were written against.
// Names come from the API's snake_case naming policy (ApiResults.Json): TaskId is "task_id".
// That contract spells a file's name "filename", hence the one property called Filename.

public sealed record UploadResponse(
    Guid TaskId,
    Guid JobId,
    Guid BatchId,
    int TotalFiles,
    int? FaceLimit,
    string Status,
    string Message,
    IReadOnlyList<UploadedFile> UploadedFiles,
    IReadOnlyList<RejectedFileResponse> RejectedFiles);

public sealed record UploadedFile(
    Guid FileId,
    string Filename,
    long Size);

public sealed record RejectedFileResponse(
    string Filename,
    string Reason);

public sealed record TaskStatusResponse(
    Guid TaskId,
    Guid JobId,
    string Status,
    int Progress,
    int Current,
    int Total,
    string Message);

public sealed record JobProgressResponse(
    Guid JobId,
    IReadOnlyList<FileProgressResponse> Files);

public sealed record FileProgressResponse(
    Guid FileId,
    string Filename,
    string Status,
    int Progress,
    string Message);

public sealed record DownloadListResponse(
    Guid JobId,
    int TotalFiles,
    IReadOnlyList<DownloadableFile> Files,
    IReadOnlyList<string> DownloadUrls);

public sealed record DownloadableFile(
    Guid FileId,
    string Filename,
    long Size,
    string MimeType,
    DateTimeOffset CreatedTime,
    string Status,
    RenderedImage? RenderedImage);

public sealed record RenderedImage(string Url);

// Server-Sent Events: the event name goes in "event:", one of these records in "data:".

public sealed record TaskProgressEvent(
    Guid TaskId,
    Guid JobId,
    string Status,
    int Progress,
    int Current,
    int Total,
    int TotalFiles,
    string Message);

public sealed record FileUpdateEvent(
    Guid FileId,
    string Filename,
    string Status,
    int Progress,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error);

public sealed record TaskCompletedEvent(
    Guid JobId,
    JobResult Result);

public sealed record JobResult(
    Guid JobId,
    string Status,
    int TotalFiles,
    int SuccessfulFiles,
    int FailedFiles);

public sealed record TaskFailedEvent(
    Guid JobId,
    string Error);
