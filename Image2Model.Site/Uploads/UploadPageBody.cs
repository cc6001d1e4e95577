using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Image2Model.Site.Uploads;

/// <summary>
/// Reads the upload page's form before the page runs, with the upload limits, so a body that is
/// too large gets the API's plain 413 message. Without this, a chunked body (no Content-Length)
/// only turns out too large while the antiforgery check reads it, which answers a vague 400.
/// Runs after authentication and rate limiting, so nobody signed out can make the site read a large body.
/// </summary>
public static class UploadPageBody
{
    private const string UploadPage = "/upload";

    public static IApplicationBuilder UseUploadPageBodyLimit(this IApplicationBuilder app) =>
        app.UseWhen(
            http => HttpMethods.IsPost(http.Request.Method) && http.Request.Path.Equals(UploadPage, StringComparison.OrdinalIgnoreCase)
                && http.User.Identity?.IsAuthenticated == true && http.Request.HasFormContentType,
            branch => branch.Use(async (http, next) =>
            {
                var limits = http.RequestServices.GetRequiredService<IOptions<UploadOptions>>().Value;
                if (http.Request.ContentLength > limits.MaxRequestBytes || !await TryReadFormAsync(http, limits))
                {
                    http.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                    http.Response.ContentType = "text/plain; charset=utf-8";
                    await http.Response.WriteAsync(limits.TooLargeMessage, http.RequestAborted);
                    return;
                }

                await next(http);
            }));

    private static async Task<bool> TryReadFormAsync(HttpContext http, UploadOptions limits)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = limits.MaxRequestBytes;
        }

        http.Features.Set<IFormFeature>(new FormFeature(http.Request, new FormOptions { MultipartBodyLengthLimit = limits.MaxRequestBytes }));
        try
        {
            await http.Request.ReadFormAsync(http.RequestAborted);
            return true;
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return false;
        }
        catch (InvalidDataException e) when (e.Message.Contains("limit", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        catch (InvalidDataException)
        {
            // Malformed: the page's own checks say what is wrong.
            return true;
        }
    }
}
