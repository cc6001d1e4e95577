using System.Text.Json.Serialization;

namespace Image2Model.Site.Api;

// The JSON contract of the earlier image2model API, which existing clients were written against.
// Names are spelled out per property so the contract reads here exactly as clients see it.

public sealed record UploadResponse(
    [property: JsonPropertyName("task_id")] Guid TaskId,
    [property: JsonPropertyName("job_id")] Guid JobId,
    [property: JsonPropertyName("batch_id")] Guid BatchId,
    [property: JsonPropertyName("total_files")] int TotalFiles,
    [property: JsonPropertyName("face_limit")] int? FaceLimit,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("uploaded_files")] IReadOnlyList<UploadedFile> UploadedFiles,
    [property: JsonPropertyName("rejected_files")] IReadOnlyList<RejectedFileResponse> RejectedFiles);

public sealed record UploadedFile(
    [property: JsonPropertyName("file_id")] Guid FileId,
    [property: JsonPropertyName("filename")] string FileName,
    [property: JsonPropertyName("size")] long Size);

public sealed record RejectedFileResponse(
    [property: JsonPropertyName("filename")] string FileName,
    [property: JsonPropertyName("reason")] string Reason);

public sealed record TaskStatusResponse(
    [property: JsonPropertyName("task_id")] Guid TaskId,
    [property: JsonPropertyName("job_id")] Guid JobId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("progress")] int Progress,
    [property: JsonPropertyName("current")] int Current,
    [property: JsonPropertyName("total")] int Total,
    [property: JsonPropertyName("message")] string Message);

public sealed record JobProgressResponse(
    [property: JsonPropertyName("job_id")] Guid JobId,
    [property: JsonPropertyName("files")] IReadOnlyList<FileProgressResponse> Files);

public sealed record FileProgressResponse(
    [property: JsonPropertyName("file_id")] Guid FileId,
    [property: JsonPropertyName("filename")] string FileName,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("progress")] int Progress,
    [property: JsonPropertyName("message")] string Message);

public sealed record DownloadListResponse(
    [property: JsonPropertyName("job_id")] Guid JobId,
    [property: JsonPropertyName("total_files")] int TotalFiles,
    [property: JsonPropertyName("files")] IReadOnlyList<DownloadableFile> Files,
    [property: JsonPropertyName("download_urls")] IReadOnlyList<string> DownloadUrls);

public sealed record DownloadableFile(
    [property: JsonPropertyName("file_id")] Guid FileId,
    [property: JsonPropertyName("filename")] string FileName,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("mime_type")] string MimeType,
    [property: JsonPropertyName("created_time")] DateTimeOffset CreatedTime,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("rendered_image")] RenderedImage? RenderedImage);

public sealed record RenderedImage([property: JsonPropertyName("url")] string Url);

// Server-Sent Events: the event name goes in "event:", one of these records in "data:".

public sealed record TaskProgressEvent(
    [property: JsonPropertyName("task_id")] Guid TaskId,
    [property: JsonPropertyName("job_id")] Guid JobId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("progress")] int Progress,
    [property: JsonPropertyName("current")] int Current,
    [property: JsonPropertyName("total")] int Total,
    [property: JsonPropertyName("total_files")] int TotalFiles,
    [property: JsonPropertyName("message")] string Message);

public sealed record FileUpdateEvent(
    [property: JsonPropertyName("file_id")] Guid FileId,
    [property: JsonPropertyName("filename")] string FileName,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("progress")] int Progress,
    [property: JsonPropertyName("error"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error);

public sealed record TaskCompletedEvent(
    [property: JsonPropertyName("job_id")] Guid JobId,
    [property: JsonPropertyName("result")] JobResult Result);

public sealed record JobResult(
    [property: JsonPropertyName("job_id")] Guid JobId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("total_files")] int TotalFiles,
    [property: JsonPropertyName("successful_files")] int SuccessfulFiles,
    [property: JsonPropertyName("failed_files")] int FailedFiles);

public sealed record TaskFailedEvent(
    [property: JsonPropertyName("job_id")] Guid JobId,
    [property: JsonPropertyName("error")] string Error);
