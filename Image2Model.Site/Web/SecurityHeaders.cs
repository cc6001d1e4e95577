namespace Image2Model.Site.Web;

/// <summary>
/// A strict Content Security Policy: scripts only from this site, never inline, never eval.
/// Styles allow 'unsafe-inline' only because model-viewer sets inline styles on its own elements;
/// the site's own markup has none.
/// </summary>
public static class SecurityHeaders
{
    // 'wasm-unsafe-eval' lets WebAssembly compile, and nothing else: model-viewer's meshopt decoder
    // and the Draco and Basis decoders it loads for compressed provider models are WebAssembly
    // (served by this site). JavaScript eval() and new Function() stay blocked.
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
        "connect-src 'self' blob: data:; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; " +
        "form-action 'self'; frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "same-origin";
            return next(context);
        });
}
