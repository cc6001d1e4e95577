using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Image2Model.Site.Conversions;
using Image2Model.Site.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Image2Model.Bench.Soak;

// Soak: 1,000 local conversions (40 uploads of 25 photos) with 4 workers on SQLite, through the
// whole site (real HTTP on loopback, a SQLite file in WAL mode), while a watcher polls each batch's
// status fragment. Every 5 s it prints managed heap and process RSS; at the end, how many
// conversions succeeded, how many polls failed, and whether "database is locked" reached anyone.
// Usage: dotnet run -c Release --project bench/Image2Model.Bench.Soak -- [conversions, default 1000]
internal static class Soak
{
    public static async Task<int> Main(string[] args)
    {
        var total = int.TryParse(args.ElementAtOrDefault(0), out var n) ? n : 1000;
        var repository = BenchRepository.Root();
        var dataDirectory = Directory.CreateTempSubdirectory("image2model-soak-").FullName;
        await using var site = new WebApplicationFactory<global::Program>().WithWebHostBuilder(b => b
            .UseEnvironment("Production")
            .UseSetting("Storage:DataDirectory", dataDirectory)
            .UseSetting("Conversions:MaxConcurrency", "4")
            .UseSetting("RateLimits:UploadsPerMinute", "100000")
            .UseSetting("RateLimits:AccountAttemptsPerMinute", "100000")
            .UseSetting("Logging:LogLevel:Default", "Warning"));
        site.UseKestrel(0);
        site.StartServer();
        var address = site.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true }) { BaseAddress = new Uri(address) };
        await SignUpAsync(client);
        var photos = new[] { "apple.png", "horse.png", "rubber_duck.png" }
            .Select(p => File.ReadAllBytes(Path.Combine(repository, "Image2Model.Tests", "Fixtures", p))).ToArray();

        var clock = Stopwatch.StartNew();
        var batches = new List<string>();
        var pollFailures = 0;
        var polls = 0;
        var locked = 0;
        using var stop = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                string[] current;
                lock (batches)
                {
                    current = [.. batches];
                }

                foreach (var batch in current.TakeLast(4))
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, batch);
                    request.Headers.Add("HX-Request", "true");
                    using var response = await client.SendAsync(request);
                    var body = await response.Content.ReadAsStringAsync();
                    Interlocked.Increment(ref polls);
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        Interlocked.Increment(ref pollFailures);
                    }

                    if (body.Contains("database is locked", StringComparison.OrdinalIgnoreCase))
                    {
                        Interlocked.Increment(ref locked);
                    }
                }

                await Task.Delay(1000);
            }
        });

        for (var made = 0; made < total; made += 25)
        {
            var batch = await UploadAsync(client, photos, Math.Min(25, total - made), made);
            lock (batches)
            {
                batches.Add(batch);
            }
        }

        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        Console.WriteLine($"uploaded {total} photos in {clock.Elapsed.TotalSeconds:0} s");
        Console.WriteLine("| elapsed | finished | managed heap | process RSS |");
        Console.WriteLine("|---:|---:|---:|---:|");
        var finished = 0;
        var next = TimeSpan.Zero;
        while (true)
        {
            await using (var scope = site.Services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
                finished = await db.Conversions.CountAsync(c => c.State != ConversionState.Pending && c.State != ConversionState.Running);
            }

            if (clock.Elapsed >= next || finished >= total)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                Console.WriteLine($"| {clock.Elapsed.TotalSeconds:0} s | {finished} | {GC.GetTotalMemory(false) / 1048576.0:N0} MiB | {Environment.WorkingSet / 1048576.0:N0} MiB |");
                next = clock.Elapsed + TimeSpan.FromSeconds(5);
            }

            if (finished >= total)
            {
                break;
            }

            await Task.Delay(250);
        }

        await stop.CancelAsync();
        await watcher;
        await using (var scope = site.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var states = await db.Conversions.GroupBy(c => c.State).Select(g => new { g.Key, Count = g.Count() }).ToListAsync();
            var messages = await db.Conversions.Where(c => c.State == ConversionState.Failed).Select(c => c.Message).Distinct().ToListAsync();
            Console.WriteLine($"states: {string.Join(", ", states.Select(s => $"{s.Key} {s.Count}"))}; failure messages: {(messages.Count == 0 ? "none" : string.Join(" | ", messages))}");
            locked += messages.Count(m => m.Contains("locked", StringComparison.OrdinalIgnoreCase));
        }

        Console.WriteLine($"status polls: {polls}, failed: {pollFailures}; \"database is locked\" seen by a user: {locked}");
        Directory.Delete(dataDirectory, recursive: true);
        return locked == 0 && pollFailures == 0 ? 0 : 1;
    }

    private static async Task<string> UploadAsync(HttpClient client, byte[][] photos, int count, int first)
    {
        using var form = new MultipartFormDataContent
        {
            { new StringContent(await TokenAsync(client, "/upload")), "__RequestVerificationToken" },
            { new StringContent("local"), "Input.Generator" },
            { new StringContent("auto"), "Input.FacePreset" },
        };
        for (var i = 0; i < count; i++)
        {
            var file = new ByteArrayContent(photos[(first + i) % photos.Length]);
            file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            form.Add(file, "files", $"photo-{first + i}.png");
        }

        var response = await client.PostAsync("/upload", form);
        return response.Headers.Location?.ToString() ?? throw new InvalidOperationException($"Upload answered {(int)response.StatusCode}.");
    }

    private static async Task SignUpAsync(HttpClient client)
    {
        const string email = "soak@example.com", password = "benchmark password";
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
            throw new InvalidOperationException("Could not sign in.");
        }
    }

    private static async Task<string> TokenAsync(HttpClient client, string url) =>
        Regex.Match(await client.GetStringAsync(url), "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
}
