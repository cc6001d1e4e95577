using System.Net;
using System.Text.Json;

namespace Image2Model.Tests.Api;

public sealed record ServerEvent(string Name, JsonElement Data);

/// <summary>Reads a text/event-stream the way EventSource does: "event:" and "data:" lines, a blank line ends an event.</summary>
public static class ServerSentEvents
{
    public sealed record Stream(IReadOnlyList<ServerEvent> Events, int Comments, HttpResponseMessage Response);

    /// <summary>
    /// Reads the whole stream until the server ends it; fails the test after <paramref name="timeout"/>.
    /// <paramref name="onComment"/> hears each comment line (keep-alive) as it arrives.
    /// </summary>
    public static async Task<Stream> ReadToEndAsync(HttpClient client, string url, TimeSpan? timeout = null, IDictionary<string, string>? headers = null, Action? onComment = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(40));
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        foreach (var (header, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.Add(header, value);
        }

        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
        var events = new List<ServerEvent>();
        var comments = 0;
        string? name = null;
        string? data = null;
        while (await reader.ReadLineAsync(cancel.Token) is { } line)
        {
            if (line.StartsWith(':'))
            {
                comments++;
                onComment?.Invoke();
            }
            else if (line.StartsWith("event: "))
            {
                name = line["event: ".Length..];
            }
            else if (line.StartsWith("data: "))
            {
                Assert.Null(data);
                data = line["data: ".Length..];
            }
            else if (line.Length == 0 && name is not null && data is not null)
            {
                events.Add(new ServerEvent(name, JsonDocument.Parse(data).RootElement.Clone()));
                (name, data) = (null, null);
            }
        }

        return new Stream(events, comments, response);
    }
}
