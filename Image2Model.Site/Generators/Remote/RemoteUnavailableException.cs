namespace Image2Model.Site.Generators.Remote;

/// <summary>
/// The provider answered with a transient failure after the pipeline's own retries, or could not
/// be reached. While a job is at the provider this is waited out until the deadline.
/// </summary>
internal sealed class RemoteUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
