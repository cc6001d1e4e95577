using Microsoft.AspNetCore.Identity;

namespace Image2Model.Site.Data;

public sealed class AppUser : IdentityUser
{
    public DateTime CreatedAt { get; set; } = DateTime.UtcNow;

    /// <summary>Set on every sign-in (password or single sign-on), for the admin's accounts list.</summary>
    public DateTime? LastSignInAt { get; set; }
}
