using Image2Model.Site.Conversions;

namespace Image2Model.Site.Generators.Remote;

/// <summary>Forwards progress to the context, never lower than before and without repeating itself.</summary>
internal sealed class ProgressReporter(IGenerationContext context)
{
    private int _percent = -1;
    private string? _message;

    public int Percent => Math.Max(_percent, 0);

    public Task ReportAsync(int percent, string message, CancellationToken cancellationToken)
    {
        percent = Math.Clamp(Math.Max(percent, _percent), 0, 100);
        if (percent == _percent && message == _message)
        {
            return Task.CompletedTask;
        }

        _percent = percent;
        _message = message;
        return context.ReportProgressAsync(percent, message, cancellationToken);
    }
}
