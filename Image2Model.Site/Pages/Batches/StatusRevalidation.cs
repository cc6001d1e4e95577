using Htmx;
using Microsoft.Net.Http.Headers;

namespace Image2Model.Site.Pages.Batches;

/// <summary>
/// The status fragment's polls, read before Razor Pages: a browser polling an unchanged batch
/// revalidates its copy (its ETag) once a second, and the answer is a 304 that needs no page, no
/// model binding and no filters. It runs after authentication, authorization and rate limiting,
/// on the endpoint routing picked (the batch page), so it refuses exactly whom the page refuses.
/// </summary>
/// <remarks>
/// The ETag is computed by the page's own code from the same read model (<see cref="BatchView"/>),
/// read from the database at every poll (<see cref="BatchStatusReader"/>), so a change made on any
/// node shows on the next poll. When the batch changed (or the poll kept no copy), the page renders
/// the batch read here: one query either way. A batch that is gone or not the user's goes to the
/// page, which answers 404.
/// </remarks>
public static class StatusRevalidation
{
    private const string Page = "/Batches/Details";

    public static IApplicationBuilder UseBatchStatusRevalidation(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (HttpMethods.IsGet(request.Method)
                && request.RouteValues.TryGetValue("page", out var page) && Page.Equals(page as string, StringComparison.Ordinal)
                && !request.Query.ContainsKey("handler")
                && request.IsHtmxNonBoosted()
                && Guid.TryParse(request.RouteValues["id"] as string, out var id)
                && BatchView.For(await context.RequestServices.GetRequiredService<BatchStatusReader>().ReadAsync(id, context.RequestAborted), context.User) is { } batch)
            {
                var etag = batch.ETagFor(context.User);
                if (request.Headers.IfNoneMatch.Count > 0 && Matches(request, etag))
                {
                    WriteValidators(context.Response, etag);
                    context.Response.StatusCode = StatusCodes.Status304NotModified;
                    return;
                }

                context.Items[typeof(Read)] = new Read(batch, etag);
            }

            await next(context);
        });

    /// <summary>A batch this poll read before the page, with its ETag.</summary>
    public sealed record Read(BatchView Batch, EntityTagHeaderValue ETag);

    /// <summary>The batch this poll already read, if it did.</summary>
    public static Read? AlreadyRead(HttpContext context, Guid id) =>
        context.Items.TryGetValue(typeof(Read), out var item) && item is Read read && read.Batch.Id == id ? read : null;

    /// <summary>Whether the browser's copy is current (weak comparison, as for any GET).</summary>
    public static bool Matches(HttpRequest request, EntityTagHeaderValue etag) =>
        request.GetTypedHeaders().IfNoneMatch.Any(tag => tag.Compare(etag, useStrongComparison: false) || tag.Equals(EntityTagHeaderValue.Any));

    /// <summary>The fragment's caching headers, the same on a 200 and a 304.</summary>
    public static void WriteValidators(HttpResponse response, EntityTagHeaderValue etag)
    {
        response.Headers.Vary = "HX-Request";
        // The browser keeps the fragment and revalidates it at every poll (XHR does so by itself).
        response.Headers.CacheControl = "private, no-cache";
        response.Headers.ETag = etag.ToString();
    }
}
