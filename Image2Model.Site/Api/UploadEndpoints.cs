using Image2Model.Site.Accounts;
using Image2Model.Site.Conversions;
using Image2Model.Site.Uploads;
using Image2Model.Site.Web;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using FaceLimits = Image2Model.Site.Conversions.GenerationOptions;

namespace Image2Model.Site.Api;

/// <summary>POST /api/v1/upload: the upload page's checks and batch, answered in JSON.</summary>
public static class UploadEndpoints
{
    public static void MapUploadEndpoints(this RouteGroupBuilder api)
    {
        // Routing treats "/upload/" as "/upload", so one route serves both spellings.
        api.MapPost("/upload", UploadAsync)
            .RequireRateLimiting(RateLimits.Uploads)
            // Described rather than declared with Accepts(), which would make routing refuse other
            // content types with a bare 415 instead of this endpoint's JSON 400.
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                operation.RequestBody = UploadForm.Document;
                return Task.CompletedTask;
            })
            .Produces<UploadResponse>()
            .Produces<ApiError>(StatusCodes.Status400BadRequest)
            .Produces<ApiError>(StatusCodes.Status413PayloadTooLarge)
            .Produces<ApiError>(StatusCodes.Status403Forbidden)
            .Produces(StatusCodes.Status429TooManyRequests)
            .WithSummary("Upload photos; each becomes a model");
    }

    private static async Task<IResult> UploadAsync(HttpContext http, BatchUploader uploader, IOptions<UploadOptions> uploadOptions, CancellationToken cancellationToken)
    {
        var limits = uploadOptions.Value;
        if (await ReadFormAsync(http, limits, cancellationToken) is not { } form)
        {
            return ApiResults.Error(StatusCodes.Status413PayloadTooLarge, limits.TooLargeMessage);
        }

        if (!TryFaceLimit(form["face_limit"], out var faceLimit))
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest, $"face_limit must be a whole number from {FaceLimits.MinFaces} to {FaceLimits.MaxFaces}, or absent for Auto.");
        }

        var generator = form["generator"] is { Count: > 0 } chosen && !string.IsNullOrWhiteSpace(chosen) ? chosen.ToString() : GeneratorCatalog.DefaultName;
        var outcome = await uploader.UploadAsync(http.User.UserId(), form.Files.GetFiles("files"), generator, new GenerationOptions(faceLimit), cancellationToken);
        var rejected = outcome.Rejected.Select(r => new RejectedFileResponse(r.FileName, r.Reason)).ToList();
        if (outcome.Quota is { } quota)
        {
            return ApiResults.Quota(http, quota);
        }

        if (outcome.StorageFull)
        {
            http.Response.Headers.RetryAfter = "60";
            return ApiResults.Error(StatusCodes.Status503ServiceUnavailable, outcome.Error!);
        }

        if (outcome.Batch is not { } batch)
        {
            return ApiResults.Error(StatusCodes.Status400BadRequest,
                string.Join(" ", [outcome.Error ?? "Nothing was uploaded.", .. rejected.Select(r => $"{r.Filename}: {r.Reason}")]));
        }

        var uploaded = batch.Conversions.Select(c => new UploadedFile(c.Id, c.FileName, c.OriginalSize)).ToList();
        return ApiResults.Ok(new UploadResponse(batch.TaskId, batch.Id, batch.Id, uploaded.Count, faceLimit, "queued",
            $"Processing {JobSnapshot.FilesWord(uploaded.Count)}", uploaded, rejected));
    }

    /// <summary>The form, read with the upload page's size limits; null when the body is too large.</summary>
    private static async Task<IFormCollection?> ReadFormAsync(HttpContext http, UploadOptions limits, CancellationToken cancellationToken)
    {
        if (http.Request.ContentLength > limits.MaxRequestBytes)
        {
            return null;
        }

        // Only this endpoint (and the upload page) may receive a body this large.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = limits.MaxRequestBytes;
        }

        if (!http.Request.HasFormContentType)
        {
            return FormCollection.Empty;
        }

        http.Features.Set<IFormFeature>(new FormFeature(http.Request, new FormOptions { MultipartBodyLengthLimit = limits.MaxRequestBytes }));
        try
        {
            return await http.Request.ReadFormAsync(cancellationToken);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }
        catch (InvalidDataException e) when (e.Message.Contains("limit", StringComparison.OrdinalIgnoreCase))
        {
            // The multipart reader's own length limits.
            return null;
        }
        catch (InvalidDataException)
        {
            // A malformed body holds no usable files; the uploader says so.
            return FormCollection.Empty;
        }
    }

    private static bool TryFaceLimit(string? value, out int? faceLimit)
    {
        faceLimit = null;
        if (string.IsNullOrWhiteSpace(value) || value.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (int.TryParse(value, out var number) && number is >= FaceLimits.MinFaces and <= FaceLimits.MaxFaces)
        {
            faceLimit = number;
            return true;
        }

        return false;
    }

    /// <summary>The multipart fields, for the OpenAPI document.</summary>
    private static class UploadForm
    {
        public static OpenApiRequestBody Document => new()
        {
            Required = true,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["multipart/form-data"] = new()
                {
                    Schema = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Object,
                        Required = new HashSet<string> { "files" },
                        Properties = new Dictionary<string, IOpenApiSchema>
                        {
                            ["files"] = new OpenApiSchema
                            {
                                Type = JsonSchemaType.Array,
                                Items = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" },
                                Description = "One part per JPEG or PNG photo.",
                            },
                            ["face_limit"] = new OpenApiSchema
                            {
                                Type = JsonSchemaType.Integer,
                                Description = $"Triangles, {FaceLimits.MinFaces} to {FaceLimits.MaxFaces}; absent means Auto.",
                            },
                            ["generator"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = $"Default \"{GeneratorCatalog.DefaultName}\"." },
                        },
                    },
                },
            },
        };
    }
}
