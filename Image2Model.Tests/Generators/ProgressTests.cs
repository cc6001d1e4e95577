using Image2Model.Site.Generators.Fal;
using Image2Model.Site.Generators.Remote;

namespace Image2Model.Tests.Generators;

public sealed class ProgressTests
{
    [Fact]
    public async Task The_reporter_forwards_each_change_once_and_keeps_percentages_in_range()
    {
        var context = new RecordingContext();
        var reporter = new ProgressReporter(context);

        await reporter.ReportAsync(-5, "Starting", CancellationToken.None);
        await reporter.ReportAsync(-5, "Starting", CancellationToken.None);
        await reporter.ReportAsync(40, "Working", CancellationToken.None);
        await reporter.ReportAsync(40, "Still working", CancellationToken.None);
        await reporter.ReportAsync(140, "Done", CancellationToken.None);

        Assert.Equal([(0, "Starting"), (40, "Working"), (40, "Still working"), (100, "Done")], context.Reports);
    }

    [Fact]
    public void FALs_bar_does_not_drop_when_the_queue_grows_or_a_log_line_states_less()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var progress = new FalProgress(time);

        var first = progress.Queued(1);
        var behindMore = progress.Queued(4);
        Assert.Equal(9, first.Percent);
        Assert.Equal(9, behindMore.Percent);
        Assert.Equal("Waiting in FAL's queue (4 ahead)", behindMore.Message);

        var stated = progress.Running([new FalLog("Generating mesh 80%")]);
        var lower = progress.Running([new FalLog("Generating mesh 80%"), new FalLog("Texture 10%")]);
        Assert.Equal(71, stated.Percent);
        Assert.Equal(71, lower.Percent);
        Assert.Equal("Tripo3D: Texture 10%", lower.Message);
    }

    private sealed class RecordingContext : Image2Model.Site.Conversions.IGenerationContext
    {
        public List<(int, string)> Reports { get; } = [];

        public Task ReportProgressAsync(int percent, string message, CancellationToken cancellationToken)
        {
            Reports.Add((percent, message));
            return Task.CompletedTask;
        }

        public Task<bool> SaveResumeStateAsync(string state, CancellationToken cancellationToken) => Task.FromResult(true);
    }
}
