using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Image2Model.Site.SingleSignOn;

/// <summary>The "Sign in with …" button on the sign-in page; nothing when single sign-on is not configured.</summary>
public sealed class SsoSignInViewComponent(IOptions<SsoOptions> options) : ViewComponent
{
    public IViewComponentResult Invoke() =>
        options.Value.IsConfigured ? View(options.Value) : Content("");
}
