using System.Diagnostics;
using System.Net;
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

namespace Image2Model.Bench.Site;

// Measures what a user waits for: from the upload POST to the conversion being Succeeded,
// through the whole site (real HTTP on loopback, SQLite file, Quartz dispatcher, local engine).
// Usage: dotnet run -c Release --project bench/Image2Model.Bench.Site -- [photo] [runs]
//        dotnet run -c Release --project bench/Image2Model.Bench.Site -- export-burst [photo] [requests]
internal static class UploadLatency
{
    public static async Task Main(string[] args)
    {
        if (args is ["export-burst", .. var rest])
        {
            await ExportBurst.MainAsync(rest, BenchRepository.Root());
            return;
        }

        var photo = args.ElementAtOrDefault(0) ?? Path.Combine(BenchRepository.Root(), "Image2Model.Tests", "Fixtures", "coffee.png");
        var runs = int.TryParse(args.ElementAtOrDefault(1), out var n) ? n : 10;
        var dataDirectory = Directory.CreateTempSubdirectory("image2model-bench-").FullName;

        await using var site = new WebApplicationFactory<global::Program>().WithWebHostBuilder(b => b
            .UseEnvironment("Production")
            .UseSetting("Storage:DataDirectory", dataDirectory)
            .UseSetting("RateLimits:UploadsPerMinute", "10000")
            .UseSetting("Logging:LogLevel:Default", "Warning"));
        site.UseKestrel(0);
        site.StartServer();
        var address = site.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true }) { BaseAddress = new Uri(address) };
        await SignUpAsync(client);
        var bytes = await File.ReadAllBytesAsync(photo);

        var timings = new List<double>();
        for (var run = 0; run <= runs; run++)
        {
            var token = await TokenAsync(client, "/upload");
            using var form = new MultipartFormDataContent
            {
                { new StringContent(token), "__RequestVerificationToken" },
                { new StringContent("local"), "Input.Generator" },
                { new StringContent("auto"), "Input.FacePreset" },
                { new ByteArrayContent(bytes), "files", Path.GetFileName(photo) },
            };
            var clock = Stopwatch.StartNew();
            var response = await client.PostAsync("/upload", form);
            var batchId = Guid.Parse(response.Headers.Location!.ToString().Split('/').Last());
            await using (var scope = site.Services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
                while (await db.Conversions.AsNoTracking().Where(c => c.BatchId == batchId).Select(c => c.State).SingleAsync() is not (ConversionState.Succeeded or ConversionState.Failed))
                {
                    await Task.Delay(2);
                }
            }

            // The first run warms up the JIT and the engine; it is not counted.
            if (run > 0)
            {
                timings.Add(clock.Elapsed.TotalMilliseconds);
            }
        }

        timings.Sort();
        Console.WriteLine($"upload POST -> Succeeded, {Path.GetFileName(photo)}, local generator, {runs} runs");
        Console.WriteLine($"median {timings[timings.Count / 2]:0} ms, min {timings[0]:0} ms, max {timings[^1]:0} ms");
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}");
        Directory.Delete(dataDirectory, recursive: true);
    }

    private static async Task SignUpAsync(HttpClient client)
    {
        const string email = "bench@example.com", password = "timing the upload path";
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
