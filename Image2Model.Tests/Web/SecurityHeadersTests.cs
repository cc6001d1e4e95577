using Image2Model.Tests.Infrastructure;

namespace Image2Model.Tests.Web;

public sealed class SecurityHeadersTests
{
    [Fact]
    public async Task Scripts_may_compile_webassembly_for_the_model_viewer_but_never_eval()
    {
        using var site = new SiteFactory();
        var client = site.CreateClient();

        var response = await client.GetAsync("/");

        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        var scriptSrc = csp.Split(';').Select(d => d.Trim()).Single(d => d.StartsWith("script-src ", StringComparison.Ordinal));
        Assert.Equal("script-src 'self' 'wasm-unsafe-eval'", scriptSrc);
        Assert.DoesNotContain("'unsafe-eval'", csp);
        Assert.DoesNotContain("'unsafe-inline'", scriptSrc);
    }
}
