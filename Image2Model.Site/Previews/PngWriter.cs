using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics;
using System.Text;

namespace Image2Model.Site.Previews;

/// <summary>
/// Writes 8-bit RGBA PNGs. Our own because Skia's encoder (libpng + classic zlib) takes several
/// times longer than .NET's zlib-ng on the same pixels, and the preview's time counts against every conversion.
/// </summary>
internal static class PngWriter
{
    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <param name="rows">width × height × 4 bytes of straight (not premultiplied) RGBA, top row first.</param>
    public static byte[] Write(ReadOnlySpan<byte> rows, int width, int height)
    {
        using var output = new MemoryStream(64 * 1024);
        output.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);

        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8; // bits per channel
        header[9] = 6; // RGBA
        WriteChunk(output, "IHDR", header);

        using var compressed = new MemoryStream(64 * 1024);
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            var stride = width * 4;
            var line = new byte[stride + 1];
            // Filter "Sub" (each byte minus the one 4 to its left): flat colours and the transparent
            // margin turn into runs of zeros, which even the fastest zlib level packs well.
            line[0] = 1;
            for (var y = 0; y < height; y++)
            {
                var row = rows.Slice(y * stride, stride);
                row[..4].CopyTo(line.AsSpan(1));
                Subtract(row[4..], row[..^4], line.AsSpan(5));

                zlib.Write(line);
            }
        }

        WriteChunk(output, "IDAT", compressed.GetBuffer().AsSpan(0, (int)compressed.Length));
        WriteChunk(output, "IEND", []);
        return output.ToArray();
    }

    /// <summary><paramref name="difference"/>[i] = <paramref name="a"/>[i] − <paramref name="b"/>[i], wrapping, many bytes at a time.</summary>
    private static void Subtract(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<byte> difference)
    {
        var i = 0;
        for (; i <= a.Length - Vector<byte>.Count; i += Vector<byte>.Count)
        {
            (new Vector<byte>(a[i..]) - new Vector<byte>(b[i..])).CopyTo(difference[i..]);
        }

        for (; i < a.Length; i++)
        {
            difference[i] = (byte)(a[i] - b[i]);
        }
    }

    private static void WriteChunk(Stream output, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        output.Write(word);
        Span<byte> typeBytes = stackalloc byte[4];
        Encoding.ASCII.GetBytes(type, typeBytes);
        output.Write(typeBytes);
        output.Write(data);
        var crc = Crc(Crc(0xFFFFFFFFu, typeBytes), data) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(word, crc);
        output.Write(word);
    }

    private static uint Crc(uint crc, ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
