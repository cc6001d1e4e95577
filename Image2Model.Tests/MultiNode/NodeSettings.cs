using Image2Model.Tests.Fakes;
using Image2Model.Tests.Generators;

namespace Image2Model.Tests.MultiNode;

/// <summary>How the multi-node tests and drills configure a site process: PostgreSQL, a shared data directory, fake FAL.</summary>
public static class NodeSettings
{
    public static Dictionary<string, string> For(string database, string dataDirectory, FakeFalServer fal, TimeSpan lease, TimeSpan housekeepingInterval)
    {
        var settings = new Dictionary<string, string>
        {
            ["Database:Provider"] = "Postgres",
            ["ConnectionStrings:Default"] = database,
            ["Storage:DataDirectory"] = dataDirectory,
            ["Conversions:LeaseDuration"] = lease.ToString(),
            ["Conversions:PollInterval"] = "00:00:00.250",
            ["Conversions:MaxConcurrency"] = "3",
            ["Housekeeping:Interval"] = housekeepingInterval.ToString(),
            ["RateLimits:UploadsPerMinute"] = "1000",
            ["RateLimits:AccountAttemptsPerMinute"] = "1000",
            ["FAL_KEY"] = FakeServer.Key,
            ["Generators:FalTripo:QueueUrl"] = fal.Root.ToString(),
            ["Generators:FalTripo:RestUrl"] = fal.Root.ToString(),
        };
        foreach (var (key, value) in RemoteGeneratorHost.FastSettings("Generators:FalTripo"))
        {
            settings[key] = value!;
        }

        settings["Generators:FalTripo:Deadline"] = "00:01:00";
        return settings;
    }
}
