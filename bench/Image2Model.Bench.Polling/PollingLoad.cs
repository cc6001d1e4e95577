using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Image2Model.Bench.Polling;

// 500 watchers polling their batch's status fragment once a second while uploads run, against
// the built site in a process of its own (SQLite in a temp data directory, local generator).
// After a warm-up until the fragment's rate settles, prints the fragment's capacity (closed loop)
// next to a static file's in the same run (measured before and after the fragment; shares are of the faster), each poll rendered and revalidated as browsers do
// (If-None-Match with the last ETag), then p50/p99 latency, the site's CPU and memory at the
// watchers' offered rate, both ways.
// Usage: dotnet run -c Release --project bench/Image2Model.Bench.Polling -- [watchers, default 500] [accounts, default 20]
internal static class PollingLoad
{
    private const string Password = "benchmark password";

    public static async Task Main(string[] args)
    {
        // The site is started from its Release build, which only -c Release builds (a Debug site measures what the debugger costs).
        if (typeof(PollingLoad).Assembly.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled == true)
        {
            throw new InvalidOperationException("Run with -c Release: dotnet run -c Release --project bench/Image2Model.Bench.Polling");
        }

        var watchers = int.TryParse(args.ElementAtOrDefault(0), out var w) ? w : 500;
        var accounts = int.TryParse(args.ElementAtOrDefault(1), out var a) ? a : 20;
        var repository = BenchRepository.Root();
        var dataDirectory = Directory.CreateTempSubdirectory("image2model-polling-").FullName;
        using var site = StartSite(repository, dataDirectory, out var root);
        SitePid = site.Id;
        try
        {
            await WaitUntilReadyAsync(root);
            var photo = await File.ReadAllBytesAsync(Path.Combine(repository, "Image2Model.Tests", "Fixtures", "apple.png"));

            // Each account uploads one batch; its watchers share the account's cookie (as tabs do).
            var users = new List<Watched>();
            for (var i = 0; i < accounts; i++)
            {
                var (client, cookie, batch) = await SignUpAndUploadAsync(root, $"watcher-{i}@example.com", photo);
                users.Add(new Watched(client, cookie, batch));
            }

            using var load = new HttpClient(new SocketsHttpHandler { UseCookies = false, MaxConnectionsPerServer = 1024, PooledConnectionLifetime = TimeSpan.FromMinutes(10) }) { BaseAddress = root };
            HttpRequestMessage Poll(int watcher) => PollOf(watcher, conditional: false);

            // As a browser revalidates the fragment it kept: If-None-Match with the last ETag it got.
            HttpRequestMessage Revalidate(int watcher) => PollOf(watcher, conditional: true);

            HttpRequestMessage PollOf(int watcher, bool conditional)
            {
                var user = users[watcher % users.Count];
                var request = new HttpRequestMessage(HttpMethod.Get, user.Batch);
                request.Headers.Add("HX-Request", "true");
                request.Headers.Add("Cookie", user.Cookie);
                if (conditional && user.ETag is { } etag)
                {
                    request.Headers.TryAddWithoutValidation("If-None-Match", etag);
                }

                request.Options.Set(WatchedKey, user);
                return request;
            }

            HttpRequestMessage Static(int _) => new(HttpMethod.Get, "/css/site.css");

            // Uploads keep running throughout: one photo a second from the first account.
            using var stopUploads = new CancellationTokenSource();
            var uploads = Task.Run(() => UploadLoopAsync(users[0].Client, photo, stopUploads.Token));

            // Warm-up until the fragment's rate settles: on 2 busy cores the JIT's tiering takes a minute or two,
            // and a server's steady state is what counts.
            var previous = 0.0;
            for (var round = 1; round <= 15; round++)
            {
                await ClosedLoopAsync(load, Static, 32, TimeSpan.FromSeconds(2));
                await ClosedLoopAsync(load, Revalidate, 32, TimeSpan.FromSeconds(3));
                await ClosedLoopAsync(load, _ => new HttpRequestMessage(HttpMethod.Get, "/account/login"), 32, TimeSpan.FromSeconds(2));
                var rate = (await ClosedLoopAsync(load, Poll, 32, TimeSpan.FromSeconds(4))).Rate;
                Console.Error.WriteLine($"warm-up round {round}: fragment {rate:N0} req/s");
                if (round >= 4 && Math.Abs(rate - previous) < 0.1 * previous)
                {
                    break;
                }

                previous = rate;
            }

            // BENCH_PROFILE=seconds: only hammer the fragment that long, to attach dotnet-trace to the site's pid
            // (BENCH_PROFILE_REVALIDATE=1: the 304 path, as browsers revalidate).
            if (double.TryParse(Environment.GetEnvironmentVariable("BENCH_PROFILE"), out var profileSeconds))
            {
                var profiled = Environment.GetEnvironmentVariable("BENCH_PROFILE_REVALIDATE") == "1" ? (Func<int, HttpRequestMessage>)Revalidate : Poll;
                Console.WriteLine($"site pid {site.Id}: polling the fragment for {profileSeconds} s");
                for (var window = 0; window < profileSeconds / 10; window++)
                {
                    Console.WriteLine($"{await ClosedLoopAsync(load, profiled, 64, TimeSpan.FromSeconds(10))}");
                }

                return;
            }

            var staticRate = await ClosedLoopAsync(load, Static, 64, TimeSpan.FromSeconds(5));
            var fragmentRate = await ClosedLoopAsync(load, Poll, 64, TimeSpan.FromSeconds(5));
            var notModifiedBefore = Volatile.Read(ref NotModified);
            var answeredBefore = Volatile.Read(ref Answered);
            var revalidatedRate = await ClosedLoopAsync(load, Revalidate, 64, TimeSpan.FromSeconds(5));
            var revalidatedShare = (Volatile.Read(ref NotModified) - notModifiedBefore) / (double)(Volatile.Read(ref Answered) - answeredBefore);
            // For scale: an anonymous Razor page (the sign-in form), no database, no cookie to read.
            var pageRate = await ClosedLoopAsync(load, _ => new HttpRequestMessage(HttpMethod.Get, "/account/login"), 64, TimeSpan.FromSeconds(5));
            var staticAgain = await ClosedLoopAsync(load, Static, 64, TimeSpan.FromSeconds(5));

            var plain = await WatchAsync(load, site.Id, Poll, watchers);
            var revalidating = await WatchAsync(load, site.Id, Revalidate, watchers);
            await stopUploads.CancelAsync();
            var uploaded = await uploads;

            Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
            // Shares of the faster static run: a burst of other work on a shared machine during one of them does not flatter the fragment.
            var staticBest = Math.Max(staticRate.Rate, staticAgain.Rate);
            Console.WriteLine($"static file (/css/site.css), 64 connections: {staticRate} (again after the others: {staticAgain})");
            Console.WriteLine($"status fragment, 64 connections, every poll rendered (no If-None-Match): {fragmentRate} ({fragmentRate.Rate / staticBest:P0} of static's faster run)");
            Console.WriteLine($"status fragment, 64 connections, revalidated as browsers do (If-None-Match, {revalidatedShare:P0} answered 304): {revalidatedRate} ({revalidatedRate.Rate / staticBest:P0} of static's faster run)");
            Console.WriteLine($"sign-in page (anonymous Razor page), 64 connections: {pageRate}");
            Console.WriteLine($"{watchers} watchers polling once a second ({accounts} accounts), 15 s each, {uploaded} uploads meanwhile:");
            Console.WriteLine($"  every poll rendered: {plain}");
            Console.WriteLine($"  revalidated:         {revalidating}");
        }
        finally
        {
            site.Kill();
            await site.WaitForExitAsync();
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    /// <summary>Status polls the site answered 304, and all it answered.</summary>
    private static int NotModified;

    private static int Answered;

    /// <summary>Open loop at the watchers' rate for 15 s: latency, and the site's CPU and memory meanwhile.</summary>
    private static async Task<string> WatchAsync(HttpClient http, int site, Func<int, HttpRequestMessage> request, int watchers)
    {
        var cpuBefore = CpuTime(site);
        var notModifiedBefore = Volatile.Read(ref NotModified);
        var clock = Stopwatch.StartNew();
        var latencies = await OpenLoopAsync(http, request, watchers, TimeSpan.FromSeconds(15));
        var cpu = (CpuTime(site) - cpuBefore) / clock.Elapsed;
        latencies.Sort();
        var notModified = (Volatile.Read(ref NotModified) - notModifiedBefore) / (double)latencies.Count;
        return $"{latencies.Count:N0} polls ({notModified:P0} answered 304), p50 {Percentile(latencies, 0.50):0.0} ms, p99 {Percentile(latencies, 0.99):0.0} ms, max {latencies[^1]:0.0} ms; " +
            $"site CPU {cpu:P0} of one core, memory (RSS) {Rss(site) / 1024.0 / 1024:N0} MiB";
    }

    /// <summary>The site's process, whose CPU time each closed loop reads.</summary>
    private static int SitePid;

    /// <summary>A closed loop's rate, and the site's CPU time per request meanwhile (what the site itself spends, whatever the load generator on the same cores costs).</summary>
    private readonly record struct Capacity(double Rate, double CpuPerRequest)
    {
        public override string ToString() => $"{Rate:N0} req/s, site CPU {CpuPerRequest:N0} µs per request";
    }

    private static async Task<Capacity> ClosedLoopAsync(HttpClient http, Func<int, HttpRequestMessage> request, int connections, TimeSpan duration)
    {
        var count = 0L;
        var cpuBefore = CpuTime(SitePid);
        var stop = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async worker =>
        {
            var i = worker;
            while (stop.Elapsed < duration)
            {
                using var response = await http.SendAsync(request(i++));
                await response.Content.ReadAsByteArrayAsync();
                EnsureOk(response);
                Interlocked.Increment(ref count);
            }
        }));
        return new Capacity(count / stop.Elapsed.TotalSeconds, (CpuTime(SitePid) - cpuBefore).TotalMicroseconds / count);
    }

    /// <summary>Each watcher polls once a second, starting at a random point of the first second (open loop: a slow answer does not slow the offered rate).</summary>
    private static async Task<List<double>> OpenLoopAsync(HttpClient http, Func<int, HttpRequestMessage> request, int watchers, TimeSpan duration)
    {
        var latencies = new List<double>();
        var random = new Random(12);
        await Task.WhenAll(Enumerable.Range(0, watchers).Select(async watcher =>
        {
            var offset = TimeSpan.FromMilliseconds(random.Next(1000));
            await Task.Delay(offset);
            var polls = new List<Task>();
            var start = Stopwatch.StartNew();
            for (var tick = 0; tick < duration.TotalSeconds; tick++)
            {
                polls.Add(Task.Run(async () =>
                {
                    var timer = Stopwatch.StartNew();
                    using var response = await http.SendAsync(request(watcher));
                    await response.Content.ReadAsByteArrayAsync();
                    EnsureOk(response);
                    lock (latencies)
                    {
                        latencies.Add(timer.Elapsed.TotalMilliseconds);
                    }
                }));
                var next = TimeSpan.FromSeconds(tick + 1) - start.Elapsed;
                if (next > TimeSpan.Zero)
                {
                    await Task.Delay(next);
                }
            }

            await Task.WhenAll(polls);
        }));
        return latencies;
    }

    private static async Task<int> UploadLoopAsync(HttpClient client, byte[] photo, CancellationToken stop)
    {
        var count = 0;
        while (!stop.IsCancellationRequested)
        {
            await UploadAsync(client, photo);
            count++;
            try
            {
                await Task.Delay(1000, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }

        return count;
    }

    private static async Task<(HttpClient Client, string Cookie, string Batch)> SignUpAndUploadAsync(Uri root, string email, byte[] photo)
    {
        var cookies = new CookieContainer();
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies }) { BaseAddress = root };
        await client.PostAsync("/account/register", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = await TokenAsync(client, "/account/register"),
            ["Input.Email"] = email, ["Input.Password"] = Password, ["Input.ConfirmPassword"] = Password,
        }));
        var signedIn = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = await TokenAsync(client, "/account/login"),
            ["Input.Email"] = email, ["Input.Password"] = Password,
        }));
        if (signedIn.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"Could not sign in {email}.");
        }

        var batch = await UploadAsync(client, photo);
        var cookie = cookies.GetCookies(root)["image2model"] ?? throw new InvalidOperationException("No auth cookie.");
        return (client, $"image2model={cookie.Value}", batch);
    }

    private static async Task<string> UploadAsync(HttpClient client, byte[] photo)
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent(await TokenAsync(client, "/upload")), "__RequestVerificationToken" },
            { new StringContent("local"), "Input.Generator" },
            { new StringContent("auto"), "Input.FacePreset" },
        };
        var file = new ByteArrayContent(photo);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(file, "files", "apple.png");
        var response = await client.PostAsync("/upload", form);
        return response.Headers.Location?.ToString() ?? throw new InvalidOperationException($"Upload answered {(int)response.StatusCode}.");
    }

    private static async Task<string> TokenAsync(HttpClient client, string url) =>
        Regex.Match(await client.GetStringAsync(url), "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;

    private static readonly HttpRequestOptionsKey<Watched> WatchedKey = new("watched");

    /// <summary>One account's batch and its current auth cookie (renewed like a browser renews it).</summary>
    private sealed class Watched(HttpClient client, string cookie, string batch)
    {
        public HttpClient Client { get; } = client;

        public string Batch { get; } = batch;

        public volatile string Cookie = cookie;

        /// <summary>The fragment's last ETag, as the browser's cache keeps it.</summary>
        public volatile string? ETag;
    }

    private static void EnsureOk(HttpResponseMessage response)
    {
        // A browser keeps the cookie the site renews (after its periodic account check); so do the watchers.
        if (response.RequestMessage?.Options.TryGetValue(WatchedKey, out var user) == true
            && response.Headers.TryGetValues("Set-Cookie", out var cookies)
            && cookies.FirstOrDefault(c => c.StartsWith("image2model=")) is { } renewed)
        {
            user.Cookie = renewed.Split(';')[0];
        }

        if (response.RequestMessage?.Options.TryGetValue(WatchedKey, out var watched) == true)
        {
            Interlocked.Increment(ref Answered);
            if (response.StatusCode == HttpStatusCode.NotModified)
            {
                Interlocked.Increment(ref NotModified);
                return;
            }

            if (response.Headers.ETag is { } etag)
            {
                watched.ETag = etag.ToString();
            }
        }

        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"{response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}");
        }
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];

    /// <summary>utime + stime of the process, from /proc (clock ticks of 10 ms on Linux).</summary>
    private static TimeSpan CpuTime(int pid)
    {
        var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return TimeSpan.FromMilliseconds((long.Parse(fields[11]) + long.Parse(fields[12])) * 10);
    }

    private static long Rss(int pid) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;

    private static Process StartSite(string repository, string dataDirectory, out Uri root)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        root = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}");
        listener.Stop();
        var contentRoot = Path.Combine(repository, "Image2Model.Site");
        var start = new ProcessStartInfo("dotnet", [Path.Combine(contentRoot, "bin", "Release", "net10.0", "Image2Model.Site.dll"), "--contentRoot", contentRoot])
        {
            RedirectStandardOutput = true,
            WorkingDirectory = contentRoot,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_URLS"] = root.ToString();
        start.Environment["Storage__DataDirectory"] = dataDirectory;
        start.Environment["RateLimits__UploadsPerMinute"] = "100000";
        start.Environment["RateLimits__AccountAttemptsPerMinute"] = "100000";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(start)!;
        // BENCH_SITE_LOG=path: the site's log (warnings and errors) goes there.
        var log = Environment.GetEnvironmentVariable("BENCH_SITE_LOG") is { Length: > 0 } path ? TextWriter.Synchronized(new StreamWriter(path) { AutoFlush = true }) : null;
        process.OutputDataReceived += (_, line) => log?.WriteLine(line.Data);
        process.BeginOutputReadLine();
        return process;
    }

    private static async Task WaitUntilReadyAsync(Uri root)
    {
        using var http = new HttpClient { BaseAddress = root };
        for (var i = 0; i < 300; i++)
        {
            try
            {
                if ((await http.GetAsync("/account/login")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200);
        }

        throw new InvalidOperationException("The site did not start.");
    }
}
