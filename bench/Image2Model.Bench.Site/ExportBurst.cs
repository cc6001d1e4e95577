using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Image2Model.Site.Conversions;
using Image2Model.Site.Data;
using Image2Model.Site.Meshing;
using Image2Model.Site.Storage;
using Microsoft.EntityFrameworkCore;

namespace Image2Model.Bench.Site;

/// <summary>What one burst of export requests did to the site.</summary>
public sealed record ExportBurstFigures(
    int Requests, int Triangles, IReadOnlyDictionary<int, int> Statuses, TimeSpan Wall, TimeSpan ServerCpu,
    long BaselineWorkingSet, long PeakWorkingSet, TimeSpan SignInMedian, TimeSpan SignInMax, int SignInSamples)
{
    public override string ToString() => string.Join(Environment.NewLine,
        $"{Requests} parallel GET /files/{{id}}/model-obj.zip, one user, one {Triangles:N0}-triangle model",
        $"answers: {string.Join(", ", Statuses.OrderBy(s => s.Key).Select(s => $"{s.Value} x {s.Key}"))}",
        $"burst wall time {Wall.TotalSeconds:0.0} s, server CPU {ServerCpu.TotalSeconds:0.0} s",
        $"server working set: {BaselineWorkingSet / 1048576} MB before, peak {PeakWorkingSet / 1048576} MB",
        $"anonymous GET /account/login during the burst: median {SignInMedian.TotalMilliseconds:0} ms, max {SignInMax.TotalMilliseconds:0} ms ({SignInSamples} requests)");
}

/// <summary>
/// The export burst of issue 9: the site runs in its own process (so its working set is its own),
/// on real HTTP on loopback with a SQLite file. One signed-in user asks for the OBJ zip of one
/// large model many times at once while an anonymous visitor keeps loading the sign-in page.
/// Used by the bench command (<c>export-burst</c>) and by the test that holds the limits.
/// </summary>
public static class ExportBurst
{
    public static async Task<ExportBurstFigures> RunAsync(string siteDirectory, byte[] photo, int requests = 50, int faces = 100_000)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("image2model-burst-").FullName;
        var database = Path.Combine(dataDirectory, "burst.db");
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = siteDirectory, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(siteDirectory, "Image2Model.Site.dll"));
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Storage__DataDirectory"] = dataDirectory;
        start.Environment["ConnectionStrings__Default"] = $"Data Source={database}";
        start.Environment["RateLimits__AccountAttemptsPerMinute"] = "10000";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        using var site = Process.Start(start) ?? throw new InvalidOperationException("The site did not start.");
        site.OutputDataReceived += (_, _) => { };
        site.ErrorDataReceived += (_, _) => { };
        site.BeginOutputReadLine();
        site.BeginErrorReadLine();
        try
        {
            var address = new Uri($"http://127.0.0.1:{port}");
            using var user = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() }) { BaseAddress = address, Timeout = TimeSpan.FromMinutes(5) };
            using var visitor = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = address, Timeout = TimeSpan.FromMinutes(5) };
            await WaitUntilUpAsync(visitor, site);
            var ownerId = await SignUpAsync(user, database);

            var model = LocalEngine.Convert(photo, new EngineOptions(faces));
            var conversionId = await SeedAsync(database, Path.Combine(dataDirectory, "blobs"), ownerId, model.Glb, model.Triangles);

            // Warm up what a first request pays once (JIT, Razor) so the burst measures the burst.
            for (var i = 0; i < 5; i++)
            {
                (await visitor.GetAsync("/account/login")).EnsureSuccessStatusCode();
            }

            site.Refresh();
            var baseline = site.WorkingSet64;
            var cpuBefore = site.TotalProcessorTime;
            long peak = baseline;
            using var stop = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    site.Refresh();
                    peak = Math.Max(peak, site.WorkingSet64);
                    await Task.Delay(20);
                }
            });
            var signInTimes = new List<TimeSpan>();
            var signIn = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    var watch = Stopwatch.StartNew();
                    using var response = await visitor.GetAsync("/account/login");
                    await response.Content.ReadAsByteArrayAsync();
                    signInTimes.Add(watch.Elapsed);
                    await Task.Delay(50);
                }
            });

            var clock = Stopwatch.StartNew();
            var statuses = await Task.WhenAll(Enumerable.Range(0, requests).Select(async _ =>
            {
                using var response = await user.GetAsync($"/files/{conversionId}/model-obj.zip", HttpCompletionOption.ResponseHeadersRead);
                await response.Content.CopyToAsync(Stream.Null);
                return (int)response.StatusCode;
            }));
            var wall = clock.Elapsed;
            // One more sign-in sample after the last answer, so a burst shorter than one sample still counts.
            await Task.Delay(100);
            await stop.CancelAsync();
            await Task.WhenAll(sampler, signIn);
            site.Refresh();
            var cpu = site.TotalProcessorTime - cpuBefore;
            var sorted = signInTimes.Order().ToList();
            return new ExportBurstFigures(requests, model.Triangles, statuses.GroupBy(s => s).ToDictionary(g => g.Key, g => g.Count()), wall, cpu,
                baseline, peak, sorted[sorted.Count / 2], sorted[^1], sorted.Count);
        }
        finally
        {
            if (!site.HasExited)
            {
                site.Kill(entireProcessTree: true);
                await site.WaitForExitAsync();
            }

            try
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
            catch (IOException)
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

    private static async Task WaitUntilUpAsync(HttpClient client, Process site)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(90))
        {
            if (site.HasExited)
            {
                throw new InvalidOperationException($"The site exited with code {site.ExitCode}.");
            }

            try
            {
                if ((await client.GetAsync("/account/login")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(200);
        }

        throw new TimeoutException("The site did not answer within 90 s.");
    }

    private static async Task<string> SignUpAsync(HttpClient client, string database)
    {
        const string email = "burst@example.com", password = "many parallel downloads";
        await client.PostAsync("/account/register", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = await TokenAsync(client, "/account/register"),
            ["Input.Email"] = email, ["Input.Password"] = password, ["Input.ConfirmPassword"] = password,
        }));
        var signedIn = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = await TokenAsync(client, "/account/login"),
            ["Input.Email"] = email, ["Input.Password"] = password,
        }));
        if (signedIn.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"Could not sign in: {(int)signedIn.StatusCode}.");
        }

        await using var db = Open(database);
        return await db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();
    }

    private static async Task<Guid> SeedAsync(string database, string blobRoot, string ownerId, byte[] glb, int triangles)
    {
        var blobs = new BlobStore(blobRoot);
        var key = await blobs.PutAsync(glb);
        var now = DateTime.UtcNow;
        var batch = new Batch { OwnerId = ownerId, CreatedAt = now };
        var conversion = new Conversion
        {
            OwnerId = ownerId, FileName = "big.png", OriginalBlob = key, ContentType = "image/png", Generator = "local",
            State = ConversionState.Succeeded, Progress = 100, Message = "Done", ModelBlob = key, ModelSize = glb.Length,
            Triangles = triangles, CreatedAt = now, StartedAt = now, FinishedAt = now,
        };
        batch.Conversions.Add(conversion);
        await using var db = Open(database);
        db.Batches.Add(batch);
        await db.SaveChangesAsync();
        return conversion.Id;
    }

    private static SqliteDbContext Open(string database) =>
        new(new DbContextOptionsBuilder<SqliteDbContext>().UseSqlite($"Data Source={database}").Options);

    private static async Task<string> TokenAsync(HttpClient client, string url) =>
        Regex.Match(await client.GetStringAsync(url), "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;

    /// <summary>The bench command: prints the figures of one burst.</summary>
    public static async Task MainAsync(string[] args, string repository)
    {
        var photo = args.ElementAtOrDefault(0) ?? Path.Combine(repository, "Image2Model.Tests", "Fixtures", "coffee.png");
        var requests = int.TryParse(args.ElementAtOrDefault(1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 50;
        var figures = await RunAsync(AppContext.BaseDirectory, await File.ReadAllBytesAsync(photo), requests);
        Console.WriteLine(figures);
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores");
    }
}
