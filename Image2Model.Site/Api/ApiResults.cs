using System.Text.Json;

namespace Image2Model.Site.Api;

/// <summary>The error body every API failure has: <c>{"detail": "..."}</c>.</summary>
public sealed record ApiError([property: System.Text.Json.Serialization.JsonPropertyName("detail")] string Detail);

public static class ApiResults
{
    /// <summary>Compact and without HTML escaping: SSE needs one line per event and scripts read URLs with grep.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static IResult Error(int status, string detail) => Results.Json(new ApiError(detail), Json, statusCode: status);

    public static IResult JobNotFound() => Error(StatusCodes.Status404NotFound, "Job not found");

    public static IResult TaskNotFound() => Error(StatusCodes.Status404NotFound, "Task not found");

    public static IResult Ok<T>(T body) => Results.Json(body, Json);
}
