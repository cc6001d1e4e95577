using Microsoft.AspNetCore.Identity;

namespace Image2Model.Site.Data;

public sealed class AppUser : IdentityUser
{
    public DateTime CreatedAt { get; set; } = DateTime.UtcNow;
}
