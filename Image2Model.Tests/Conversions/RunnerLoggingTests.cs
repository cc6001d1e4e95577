using System.Collections.Concurrent;
using Image2Model.Site.Conversions;
using Image2Model.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Image2Model.Tests.Conversions;

public sealed class RunnerLoggingTests
{
    [Fact]
    public async Task Each_conversions_log_lines_name_that_conversion_alone()
    {
        var logs = new ScopeRecordingLoggerProvider();
        using var factory = new LoggingSiteFactory(logs);
        // One slot: each conversion is claimed by the run before it, as it finishes.
        factory.Settings["Conversions:MaxConcurrency"] = "1";
        var client = await UserStories.SignedInUserAsync(factory);
        var batchId = Waiting.BatchIdFrom(await UserStories.UploadAsync(client,
            [Fixtures.File("apple.png"), Fixtures.File("rubber_duck.png"), Fixtures.File("logo.png")]));

        var conversions = await Waiting.ForBatchAsync(factory, batchId);

        Assert.All(conversions, c => Assert.Equal(ConversionState.Succeeded, c.State));
        var finished = logs.Lines.Where(l => l.Message.StartsWith("Conversion finished", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, finished.Count);
        Assert.All(finished, line => Assert.Single(line.ConversionIds));
        Assert.Equal(conversions.Select(c => c.Id).Order(), finished.Select(l => l.ConversionIds.Single()).Order());
    }

    private sealed class LoggingSiteFactory(ILoggerProvider logs) : SiteFactory
    {
        protected override void ConfigureTestServices(IServiceCollection services) =>
            services.AddSingleton(logs);
    }

    private sealed record LogLine(string Message, IReadOnlyList<Guid> ConversionIds);

    /// <summary>Records the runner's log lines with the ConversionId of every scope around them.</summary>
    private sealed class ScopeRecordingLoggerProvider : ILoggerProvider, ISupportExternalScope, ILogger
    {
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

        public ConcurrentQueue<LogLine> Lines { get; } = new();

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public ILogger CreateLogger(string categoryName) =>
            categoryName == typeof(ConversionRunner).FullName ? this : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => _scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var ids = new List<Guid>();
            _scopes.ForEachScope((scope, found) =>
            {
                if (scope is IEnumerable<KeyValuePair<string, object>> pairs)
                {
                    found.AddRange(pairs.Where(p => p.Key == "ConversionId").Select(p => (Guid)p.Value));
                }
            }, ids);
            Lines.Enqueue(new LogLine(formatter(state, exception), ids));
        }

        public void Dispose()
        {
        }
    }
}
