using System.Text.Json;
using Image2Model.Site.Previews.Compressed;
using Image2Model.Tests.Infrastructure;

namespace Image2Model.Tests.Previews.Compressed;

/// <summary>
/// The C# port decodes exactly what meshoptimizer's own decoder does, for every mode and filter a
/// provider's file may use (vectors made by meshoptimizer 1.3.0 from npm: Fixtures/Models/meshopt-vectors.mjs).
/// </summary>
public sealed class MeshoptDecoderTests
{
    public static TheoryData<string> Cases() => [.. Vectors().Select(v => v.GetProperty("name").GetString()!)];

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_meshopt_stream_decodes_to_the_same_bytes_as_meshoptimizers_own_decoder(string name)
    {
        var vector = Vectors().Single(v => v.GetProperty("name").GetString() == name);

        var decoded = MeshoptDecoder.Decode(
            Convert.FromBase64String(vector.GetProperty("encoded").GetString()!),
            vector.GetProperty("count").GetInt32(),
            vector.GetProperty("stride").GetInt32(),
            vector.GetProperty("mode").GetString()!,
            vector.GetProperty("filter").GetString());

        var expected = Convert.FromBase64String(vector.GetProperty("decoded").GetString()!);
        switch (vector.GetProperty("filter").GetString())
        {
            // meshoptimizer's own SIMD and scalar builds round these float results differently by one unit.
            case "OCTAHEDRAL" or "QUATERNION" or "COLOR" when vector.GetProperty("stride").GetInt32() == 8:
                AssertWithinOne(Values<short>(expected), Values<short>(decoded));
                break;
            case "OCTAHEDRAL":
                AssertWithinOne(Values<sbyte>(expected), Values<sbyte>(decoded));
                break;
            case "COLOR":
                AssertWithinOne(Values<byte>(expected), Values<byte>(decoded));
                break;
            default:
                Assert.Equal(expected, decoded);
                break;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_meshopt_stream_cut_short_is_refused_as_bad_data(string name)
    {
        var vector = Vectors().Single(v => v.GetProperty("name").GetString() == name);
        var encoded = Convert.FromBase64String(vector.GetProperty("encoded").GetString()!);

        foreach (var length in new[] { 0, 1, encoded.Length / 2, encoded.Length - 1 })
        {
            Assert.Throws<InvalidDataException>(() => MeshoptDecoder.Decode(encoded.AsSpan(0, length),
                vector.GetProperty("count").GetInt32(), vector.GetProperty("stride").GetInt32(),
                vector.GetProperty("mode").GetString()!, vector.GetProperty("filter").GetString()));
        }
    }

    private static int[] Values<T>(byte[] bytes) where T : unmanaged, System.Numerics.INumber<T> =>
        [.. System.Runtime.InteropServices.MemoryMarshal.Cast<byte, T>(bytes).ToArray().Select(int.CreateTruncating)];

    private static void AssertWithinOne(int[] expected, int[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        var off = Enumerable.Range(0, expected.Length).Where(i => Math.Abs(expected[i] - actual[i]) > 1).ToList();
        Assert.True(off.Count == 0, $"{off.Count} values differ by more than one, first at {off.FirstOrDefault()}: {(off.Count > 0 ? $"{expected[off[0]]} vs {actual[off[0]]}" : "")}");
        Assert.True(Enumerable.Range(0, expected.Length).Count(i => expected[i] != actual[i]) < expected.Length / 20, "At most 5 % of the values may differ by one");
    }

    private static IEnumerable<JsonElement> Vectors() =>
        JsonDocument.Parse(Fixtures.Read("models/meshopt-vectors.json")).RootElement.EnumerateArray();
}
