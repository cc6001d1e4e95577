using Image2Model.Site.Conversions;
using Image2Model.Tests.Fakes;

namespace Image2Model.Tests.Generators;

/// <summary>
/// The load tests measure the process's memory, so nothing else may run beside them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasuringCollection
{
    public const string Name = "Memory measuring";
}

/// <summary>50 conversions, 8 at a time, against a fake that takes a second to answer every API call.</summary>
[Collection(MemoryMeasuringCollection.Name)]
public sealed class FalLoadTests
{
    private const int Conversions = RemoteLoad.Conversions;

    [Fact]
    public async Task Fifty_fal_conversions_at_concurrency_eight_all_succeed_without_duplicate_submits()
    {
        await using var fal = await FakeFalServer.StartNewAsync();
        fal.Latency = TimeSpan.FromSeconds(1);
        fal.QueuePolls = 0;
        fal.RunningPolls = 0;
        using var host = RemoteGeneratorHost.ForFal(fal, s => s["Generators:FalTripo:Deadline"] = "00:01:00");

        var models = await RunAsync(host.Generator);

        Assert.Equal(Conversions, fal.SubmitCount);
        Assert.Equal(Conversions, fal.Jobs.Count);
        Assert.Equal(Conversions, models.Select(m => m.State).Distinct().Count());
        Assert.All(models, m => Assert.Contains(fal.Jobs.Values, job => job.Glb.AsSpan().SequenceEqual(m.Model.Glb)));
    }

    private static Task<List<(GeneratedModel Model, string State)>> RunAsync(IGenerator generator) => RemoteLoad.RunAsync(generator);
}

/// <summary>The same for Tripo.</summary>
[Collection(MemoryMeasuringCollection.Name)]
public sealed class TripoLoadTests
{
    private const int Conversions = RemoteLoad.Conversions;

    [Fact]
    public async Task Fifty_tripo_conversions_at_concurrency_eight_all_succeed_without_duplicate_submits()
    {
        await using var tripo = await FakeTripoServer.StartNewAsync();
        tripo.Latency = TimeSpan.FromSeconds(1);
        tripo.QueuePolls = 0;
        tripo.RunningPolls = 0;
        using var host = RemoteGeneratorHost.ForTripo(tripo, s => s["Generators:Tripo:Deadline"] = "00:01:00");

        var models = await RunAsync(host.Generator);

        Assert.Equal(Conversions, tripo.SubmitCount);
        Assert.Equal(Conversions, tripo.Tasks.Count);
        Assert.Equal(Conversions, models.Select(m => m.State).Distinct().Count());
    }

    private static Task<List<(GeneratedModel Model, string State)>> RunAsync(IGenerator generator) => RemoteLoad.RunAsync(generator);
}

internal static class RemoteLoad
{
    public const int Conversions = 50;
    private const int Concurrency = 8;

    public static async Task<List<(GeneratedModel Model, string State)>> RunAsync(IGenerator generator)
    {
        using var gate = new SemaphoreSlim(Concurrency);
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var runs = Enumerable.Range(0, Conversions).Select(async _ =>
        {
            await gate.WaitAsync();
            try
            {
                var context = new RecordingGenerationContext();
                var model = await generator.GenerateAsync(RemoteGeneratorHost.Request(), context, CancellationToken.None);
                return (model, context.SavedState!);
            }
            finally
            {
                gate.Release();
            }
        }).ToList();
        var results = (await Task.WhenAll(runs)).ToList();
        var after = GC.GetTotalMemory(forceFullCollection: true);
        // Nothing but the returned models (a few KB each) may stay behind.
        Assert.True(after - before < 32 * 1024 * 1024, $"memory grew by {(after - before) / 1024} KB");
        return results;
    }
}
