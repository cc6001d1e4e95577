using Image2Model.Site.Conversions;
using Microsoft.EntityFrameworkCore;

namespace Image2Model.Tests.Infrastructure;

public static class Waiting
{
    /// <summary>Polls the database until every conversion of the batch is final; fails the test after <paramref name="timeout"/>.</summary>
    public static async Task<List<Conversion>> ForBatchAsync(SiteFactory factory, Guid batchId, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            await using var db = factory.CreateDbContext();
            var conversions = await db.Conversions.AsNoTracking().Where(c => c.BatchId == batchId).ToListAsync();
            if (conversions.Count > 0 && conversions.All(c => c.IsFinal))
            {
                return conversions;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Batch not finished in time: {string.Join(", ", conversions.Select(c => $"{c.FileName}={c.State}"))}");
            await Task.Delay(100);
        }
    }

    /// <summary>Polls <paramref name="done"/> until it holds; fails the test after <paramref name="timeout"/> (30 s).</summary>
    public static async Task UntilAsync(Func<Task<bool>> done, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!await done())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}");
            await Task.Delay(50);
        }
    }

    public static Task UntilAsync(Func<bool> done, string what, TimeSpan? timeout = null) =>
        UntilAsync(() => Task.FromResult(done()), what, timeout);

    public static Guid BatchIdFrom(HttpResponseMessage redirect)
    {
        var location = redirect.Headers.Location?.ToString() ?? throw new InvalidOperationException($"No redirect: {(int)redirect.StatusCode}");
        return Guid.Parse(location.Split('/').Last());
    }
}
