using System.Security.Claims;

namespace Image2Model.Site.Accounts;

public static class ClaimsPrincipalExtensions
{
    public static string UserId(this ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("Not signed in.");

    public static bool IsAdmin(this ClaimsPrincipal user) => user.IsInRole(AccountsRegistration.AdminRole);

    /// <summary>Whether this user may see a resource owned by <paramref name="ownerId"/>.</summary>
    public static bool CanSee(this ClaimsPrincipal user, string ownerId) =>
        user.Identity?.IsAuthenticated == true && (user.FindFirstValue(ClaimTypes.NameIdentifier) == ownerId || user.IsAdmin());
}
