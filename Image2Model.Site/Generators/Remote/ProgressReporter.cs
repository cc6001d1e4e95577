using Image2Model.Site.Conversions;

namespace Image2Model.Site.Generators.Remote;

/// <summary>
/// Forwards progress to the context without repeating itself. It does not hide a bar that goes
/// backwards: each generator keeps its own reports rising (the tests check that), and the queue
/// never stores a lower value (<see cref="Conversions.WorkQueue.ReportAsync"/>).
/// </summary>
internal sealed class ProgressReporter(IGenerationContext context)
{
    private int _percent = -1;
    private string? _message;

    public Task ReportAsync(int percent, string message, CancellationToken cancellationToken)
    {
        percent = Math.Clamp(percent, 0, 100);
        if (percent == _percent && message == _message)
        {
            return Task.CompletedTask;
        }

        _percent = percent;
        _message = message;
        return context.ReportProgressAsync(percent, message, cancellationToken);
    }
}
