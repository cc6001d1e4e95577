using Image2Model.Site.Conversions;

namespace Image2Model.Tests.Storage;

/// <summary>Every node registers the cluster's housekeeping trigger at its own start; they must all mean one schedule.</summary>
public sealed class HousekeepingScheduleTests
{
    [Fact]
    public void Nodes_starting_at_different_times_put_housekeeping_on_the_same_hourly_grid()
    {
        var hour = TimeSpan.FromHours(1);
        var first = ConversionsRegistration.FirstHousekeeping(new DateTimeOffset(2026, 12, 1, 14, 10, 7, TimeSpan.Zero), hour);
        var second = ConversionsRegistration.FirstHousekeeping(new DateTimeOffset(2026, 12, 1, 14, 47, 31, TimeSpan.Zero), hour);

        Assert.Equal(new DateTimeOffset(2026, 12, 1, 15, 0, 0, TimeSpan.Zero), first);
        Assert.Equal(first, second);
    }

    [Fact]
    public void The_first_run_waits_at_least_a_minute_after_start_or_one_short_interval()
    {
        var justBeforeTheHour = new DateTimeOffset(2026, 12, 1, 14, 59, 30, TimeSpan.Zero);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 16, 0, 0, TimeSpan.Zero), ConversionsRegistration.FirstHousekeeping(justBeforeTheHour, TimeSpan.FromHours(1)));

        var now = new DateTimeOffset(2026, 12, 1, 14, 0, 0, 500, TimeSpan.Zero);
        var next = ConversionsRegistration.FirstHousekeeping(now, TimeSpan.FromSeconds(2));
        Assert.True(next - now >= TimeSpan.FromSeconds(2) && next - now < TimeSpan.FromSeconds(4));
        Assert.Equal(0, next.Ticks % TimeSpan.FromSeconds(2).Ticks);
    }
}
