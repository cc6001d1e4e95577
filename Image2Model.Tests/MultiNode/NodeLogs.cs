using System.Text.Json;

namespace Image2Model.Tests.MultiNode;

/// <summary>What the site processes' JSON logs say about conversions.</summary>
public static class NodeLogs
{
    /// <summary>The innermost ConversionId scope around a log line.</summary>
    public static Guid ConversionIdOf(JsonElement log) =>
        log.GetProperty("Scopes").EnumerateArray()
            .Where(s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty("ConversionId", out _))
            .Select(s => Guid.Parse(s.GetProperty("ConversionId").GetString()!))
            .Last();

    /// <summary>
    /// Every stored result, with the node that stored it. A run whose lease ran out (its node too slow
    /// to renew, or the database away) may finish after another node took over; its result is
    /// discarded ("stored: False") and not listed.
    /// </summary>
    public static List<(SiteProcess Node, Guid Id)> StoredResults(params SiteProcess[] nodes) =>
        nodes.SelectMany(node => node.LogsOf("Conversion finished")
            .Where(log => log.GetProperty("State").GetProperty("Stored").GetBoolean())
            .Select(log => (node, ConversionIdOf(log)))).ToList();
}
