using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Image2Model.Tests.MultiNode;

/// <summary>
/// The site as it is deployed: the built Image2Model.Site.dll in a process of its own (started
/// with `dotnet`), configured through environment variables, logging JSON lines to stdout that
/// the test reads. Killing it is a real SIGKILL: nothing runs on the way out.
/// </summary>
public sealed class SiteProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<JsonElement> _logs = new();
    private readonly ConcurrentQueue<string> _text = new();

    private SiteProcess(Process process, Uri root)
    {
        _process = process;
        Root = root;
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri Root { get; }

    public int ProcessId => _process.Id;

    /// <summary>The conversions' lease owner names start with the machine name and process id.</summary>
    public string NodePrefix => $"{Environment.MachineName}/{_process.Id}/";

    public bool HasExited => _process.HasExited;

    public IReadOnlyList<JsonElement> Logs => [.. _logs];

    /// <summary>Log entries whose message template starts with <paramref name="template"/>.</summary>
    public IEnumerable<JsonElement> LogsOf(string template) =>
        Logs.Where(l => l.TryGetProperty("State", out var state) && state.TryGetProperty("{OriginalFormat}", out var format)
            && format.GetString()!.StartsWith(template, StringComparison.Ordinal));

    public string Output => string.Join('\n', _text);

    public static string SiteAssembly
    {
        get
        {
#if DEBUG
            const string configuration = "Debug";
#else
            const string configuration = "Release";
#endif
            return Path.Combine(Infrastructure.Repository.Root(), "Image2Model.Site", "bin", configuration, "net10.0", "Image2Model.Site.dll");
        }
    }

    public static async Task<SiteProcess> StartAsync(IReadOnlyDictionary<string, string> settings)
    {
        var port = FreePort();
        var root = new Uri($"http://127.0.0.1:{port}");
        var contentRoot = Path.Combine(Infrastructure.Repository.Root(), "Image2Model.Site");
        var start = new ProcessStartInfo("dotnet", [SiteAssembly, "--contentRoot", contentRoot])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = contentRoot,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_URLS"] = root.ToString();
        start.Environment["Logging__Console__FormatterName"] = "json";
        start.Environment["Logging__Console__FormatterOptions__IncludeScopes"] = "true";
        start.Environment["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__Image2Model"] = "Information";
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__")] = value;
        }

        var site = new SiteProcess(Process.Start(start)!, root);
        await site.WaitUntilReadyAsync();
        return site;
    }

    private async Task WaitUntilReadyAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(_process.HasExited, $"The site exited at start:\n{Output}");
            try
            {
                if ((await http.GetAsync(new Uri(Root, "/account/login"))).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(200);
        }

        Assert.Fail($"The site did not answer in time:\n{Output}");
    }

    /// <summary>SIGKILL: no shutdown, no lease handed back, exactly like a crashed machine.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync();
    }

    private void Keep(string? line)
    {
        if (string.IsNullOrEmpty(line))
        {
            return;
        }

        _text.Enqueue(line);
        if (line.StartsWith('{'))
        {
            try
            {
                _logs.Enqueue(JsonDocument.Parse(line).RootElement.Clone());
            }
            catch (JsonException)
            {
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        _process.Dispose();
    }
}
