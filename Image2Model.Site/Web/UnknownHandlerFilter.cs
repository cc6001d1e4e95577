using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Image2Model.Site.Web;

/// <summary>
/// Razor Pages renders a page even when no handler matches the request (TRACE, or
/// <c>?handler=nothere</c>), so its model is never loaded and the view throws: a 500 with a stack
/// trace for what is the client's mistake. This filter answers such requests for every page:
/// 405 with <c>Allow</c> when the page has no handler for the method (OPTIONS gets 204 with
/// <c>Allow</c>: that is its question), 404 for an unknown handler
/// name (also when Razor Pages would fall back to the page's unnamed handler).
/// Pages without any handler (the error page, static pages) are left alone: the error page must
/// render for whatever method the failed request used.
/// </summary>
public sealed class UnknownHandlerFilter : IAsyncPageFilter
{
    public Task OnPageHandlerSelectionAsync(PageHandlerSelectedContext context) => Task.CompletedTask;

    public Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        var handlers = context.ActionDescriptor.HandlerMethods;
        if (handlers.Count == 0)
        {
            return next();
        }

        var request = context.HttpContext.Request;
        var asked = context.RouteData.Values["handler"] as string ?? request.Query["handler"].FirstOrDefault();
        var selected = context.HandlerMethod;
        if (selected is not null && (string.IsNullOrEmpty(asked) || selected.Name is not null))
        {
            return next();
        }

        if (selected is null && !handlers.Any(h => string.Equals(h.HttpMethod, request.Method, StringComparison.OrdinalIgnoreCase)))
        {
            var allowed = handlers.Select(h => h.HttpMethod.ToUpperInvariant()).ToHashSet();
            if (allowed.Contains(HttpMethods.Get))
            {
                // Razor Pages answers HEAD with the GET handler.
                allowed.Add(HttpMethods.Head);
            }

            context.HttpContext.Response.Headers.Allow = string.Join(", ", allowed.Order(StringComparer.Ordinal));
            context.Result = new StatusCodeResult(HttpMethods.IsOptions(request.Method) ? StatusCodes.Status204NoContent : StatusCodes.Status405MethodNotAllowed);
        }
        else
        {
            context.Result = new NotFoundResult();
        }

        return Task.CompletedTask;
    }
}
