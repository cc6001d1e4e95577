namespace Image2Model.Site.Generators.Remote;

/// <summary>
/// The provider answered with a transient failure after the pipeline's own retries, or could not
/// be reached. While a job is at the provider this is waited out until the deadline.
/// </summary>
/// <param name="noAnswer">The request may have reached the provider but no answer came back (a
/// timeout, a dropped connection): whether a submit created a job cannot be known.</param>
internal sealed class RemoteUnavailableException(string message, Exception? inner = null, bool noAnswer = false) : Exception(message, inner)
{
    public bool NoAnswer { get; } = noAnswer;
}
