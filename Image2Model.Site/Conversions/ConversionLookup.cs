using System.Security.Claims;
using Image2Model.Site.Accounts;
using Microsoft.EntityFrameworkCore;

namespace Image2Model.Site.Conversions;

public static class ConversionLookup
{
    /// <summary>
    /// Resource-based authorization in one place: the conversion is loaded first, then shown only
    /// to its owner or an admin. Anyone else gets null, exactly like an id that does not exist.
    /// </summary>
    public static async Task<Conversion?> FindVisibleAsync(this IQueryable<Conversion> conversions, Guid id, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var conversion = await conversions.AsNoTracking().SingleOrDefaultAsync(c => c.Id == id, cancellationToken);
        return conversion is not null && user.CanSee(conversion.OwnerId) ? conversion : null;
    }
}
