using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Image2Model.Site.Previews.Compressed;

/// <summary>
/// The decoders of EXT_meshopt_compression (meshoptimizer's vertex codec v0/v1, index codec,
/// index sequence codec and the glTF filters), ported from meshoptimizer's reference decoder
/// (MIT, © Arseny Kapoulkine). Written for clarity and safe on any input: bad data throws
/// <see cref="InvalidDataException"/>, never reads or writes outside the buffers.
/// </summary>
internal static class MeshoptDecoder
{
    /// <summary>Decodes one compressed bufferView into <paramref name="count"/> × <paramref name="stride"/> plain bytes.</summary>
    public static byte[] Decode(ReadOnlySpan<byte> source, int count, int stride, string mode, string? filter)
    {
        if (count < 0 || stride <= 0 || stride > 256 || (long)count * stride > 1 << 28)
        {
            throw new InvalidDataException("The compressed data claims an impossible size.");
        }

        var target = new byte[count * stride];
        try
        {
            switch (mode)
            {
                case "ATTRIBUTES":
                    DecodeVertexBuffer(target, count, stride, source);
                    ApplyFilter(target, count, stride, filter);
                    break;
                case "TRIANGLES":
                    DecodeIndexBuffer(target, count, stride, source);
                    break;
                case "INDICES":
                    DecodeIndexSequence(target, count, stride, source);
                    break;
                default:
                    throw new InvalidDataException($"Unknown meshopt mode '{mode}'.");
            }
        }
        catch (IndexOutOfRangeException)
        {
            throw new InvalidDataException("The compressed data ends too early.");
        }
        catch (ArgumentOutOfRangeException)
        {
            throw new InvalidDataException("The compressed data ends too early.");
        }

        return target;
    }

    private static int Dezig(int v) => (int)((uint)v >> 1) ^ -(v & 1);

    private static readonly int[][] HeaderModes =
    [
        [0, 2, 4, 8], // v0
        [0, 1, 2, 4], // v1, control 0
        [1, 2, 4, 8], // v1, control 1
    ];

    private static void DecodeVertexBuffer(byte[] target, int count, int stride, ReadOnlySpan<byte> source)
    {
        Check(source.Length > 0 && (source[0] == 0xA0 || source[0] == 0xA1) && stride % 4 == 0, "Unknown meshopt vertex encoding.");
        var version = source[0] & 0x0F;
        var maxBlockElements = Math.Min((0x2000 / stride) & ~0x0F, 0x100);
        var deltas = new byte[maxBlockElements * stride];
        var tailSize = version == 0 ? stride : stride + (stride / 4);
        var tailSizePadded = Math.Max(tailSize, version == 0 ? 32 : 24);
        Check(source.Length >= 1 + tailSizePadded, "The meshopt vertex data is too short.");
        var tailOffset = source.Length - tailSize;
        var last = source.Slice(tailOffset, stride).ToArray();
        var channels = version == 0 ? null : source.Slice(tailOffset + stride, stride / 4).ToArray();
        // Everything before the padded tail is block data; reading past it means corrupt input.
        var data = source[..(source.Length - tailSizePadded)];
        var offset = 1;
        Span<byte> group16 = stackalloc byte[16];

        for (var elementBase = 0; elementBase < count; elementBase += maxBlockElements)
        {
            var blockCount = Math.Min(count - elementBase, maxBlockElements);
            var groupCount = (blockCount + 0x0F) >> 4;
            var headerBytes = (groupCount + 3) >> 2;
            var controlOffset = offset;
            offset += version == 0 ? 0 : stride / 4;
            Array.Clear(deltas);

            for (var b = 0; b < stride; b++)
            {
                var deltaBase = b * blockCount;
                var control = version == 0 ? 0 : (data[controlOffset + (b >> 2)] >> ((b & 3) << 1)) & 3;
                if (control == 2)
                {
                    continue;
                }

                if (control == 3)
                {
                    data.Slice(offset, blockCount).CopyTo(deltas.AsSpan(deltaBase));
                    offset += blockCount;
                    continue;
                }

                var headerOffset = offset;
                offset += headerBytes;
                for (var group = 0; group < groupCount; group++)
                {
                    var mode = (data[headerOffset + (group >> 2)] >> ((group & 3) << 1)) & 3;
                    var bits = HeaderModes[version == 0 ? 0 : control + 1][mode];
                    var deltaOffset = deltaBase + (group << 4);
                    // The last group of a block may be partial: its surplus deltas land beyond
                    // this byte's row, so they are decoded into a scratch copy instead.
                    switch (bits)
                    {
                        case 0:
                            group16.Clear();
                            break;
                        case 1:
                        {
                            var start = offset;
                            offset += 2;
                            for (var m = 0; m < 16; m++)
                            {
                                var d = (data[start + (m >> 3)] >> (m & 7)) & 1;
                                group16[m] = d == 1 ? data[offset++] : (byte)0;
                            }

                            break;
                        }

                        case 2:
                        {
                            var start = offset;
                            offset += 4;
                            for (var m = 0; m < 16; m++)
                            {
                                var d = (data[start + (m >> 2)] >> (6 - ((m & 3) << 1))) & 3;
                                group16[m] = d == 3 ? data[offset++] : (byte)d;
                            }

                            break;
                        }

                        case 4:
                        {
                            var start = offset;
                            offset += 8;
                            for (var m = 0; m < 16; m++)
                            {
                                var d = (data[start + (m >> 1)] >> (4 - ((m & 1) << 2))) & 0x0F;
                                group16[m] = d == 0x0F ? data[offset++] : (byte)d;
                            }

                            break;
                        }

                        default:
                            data.Slice(offset, 16).CopyTo(group16);
                            offset += 16;
                            break;
                    }

                    var valid = Math.Min(16, blockCount - (group << 4));
                    group16[..valid].CopyTo(deltas.AsSpan(deltaOffset));
                }
            }

            for (var e = 0; e < blockCount; e++)
            {
                var dst = (elementBase + e) * stride;
                for (var g = 0; g < stride; g += 4)
                {
                    var channel = version == 0 ? 0 : channels![g >> 2] & 3;
                    switch (channel)
                    {
                        case 0:
                            for (var b = g; b < g + 4; b++)
                            {
                                var value = (byte)(last[b] + Dezig(deltas[(b * blockCount) + e]));
                                target[dst + b] = last[b] = value;
                            }

                            break;
                        case 1:
                            for (var b = g; b < g + 4; b += 2)
                            {
                                var delta = Dezig(deltas[(b * blockCount) + e] | (deltas[((b + 1) * blockCount) + e] << 8));
                                var value = (ushort)(last[b] + (last[b + 1] << 8) + delta);
                                target[dst + b] = last[b] = (byte)value;
                                target[dst + b + 1] = last[b + 1] = (byte)(value >> 8);
                            }

                            break;
                        case 2:
                        {
                            var delta = (uint)(deltas[(g * blockCount) + e] | (deltas[((g + 1) * blockCount) + e] << 8)
                                | (deltas[((g + 2) * blockCount) + e] << 16) | (deltas[((g + 3) * blockCount) + e] << 24));
                            var rotate = channels![g >> 2] >> 4;
                            var value = BinaryPrimitives.ReadUInt32LittleEndian(last.AsSpan(g)) ^ uint.RotateRight(delta, rotate);
                            BinaryPrimitives.WriteUInt32LittleEndian(last.AsSpan(g), value);
                            BinaryPrimitives.WriteUInt32LittleEndian(target.AsSpan(dst + g), value);
                            break;
                        }

                        default:
                            throw new InvalidDataException("Unknown meshopt channel mode.");
                    }
                }
            }
        }

        Check(offset == data.Length, "The meshopt vertex data has the wrong length.");
    }

    private static void ApplyFilter(byte[] target, int count, int stride, string? filter)
    {
        switch (filter)
        {
            case null or "NONE":
                return;
            case "OCTAHEDRAL" when stride == 4:
            {
                var dst = MemoryMarshal.Cast<byte, sbyte>(target.AsSpan());
                for (var i = 0; i < 4 * count; i += 4)
                {
                    var (x, y, z) = Octahedral(dst[i], dst[i + 1], dst[i + 2], 127);
                    (dst[i], dst[i + 1], dst[i + 2]) = ((sbyte)x, (sbyte)y, (sbyte)z);
                }

                return;
            }

            case "OCTAHEDRAL" when stride == 8:
            {
                var dst = MemoryMarshal.Cast<byte, short>(target.AsSpan());
                for (var i = 0; i < 4 * count; i += 4)
                {
                    var (x, y, z) = Octahedral(dst[i], dst[i + 1], dst[i + 2], 32767);
                    (dst[i], dst[i + 1], dst[i + 2]) = ((short)x, (short)y, (short)z);
                }

                return;
            }

            case "QUATERNION" when stride == 8:
            {
                var dst = MemoryMarshal.Cast<byte, short>(target.AsSpan());
                for (var i = 0; i < 4 * count; i += 4)
                {
                    var inputW = dst[i + 3];
                    var largest = inputW & 3;
                    var ss = (1f / MathF.Sqrt(2f)) / (inputW | 3);
                    var x = dst[i] * ss;
                    var y = dst[i + 1] * ss;
                    var z = dst[i + 2] * ss;
                    var ww = 1f - (x * x) - (y * y) - (z * z);
                    var w = MathF.Sqrt(ww >= 0f ? ww : 0f);
                    dst[i + ((largest + 1) % 4)] = Round16(x * 32767f);
                    dst[i + ((largest + 2) % 4)] = Round16(y * 32767f);
                    dst[i + ((largest + 3) % 4)] = Round16(z * 32767f);
                    dst[i + largest] = Round16(w * 32767f);
                }

                return;
            }

            case "EXPONENTIAL" when stride % 4 == 0:
            {
                var words = MemoryMarshal.Cast<byte, int>(target.AsSpan());
                var floats = MemoryMarshal.Cast<byte, float>(target.AsSpan());
                for (var i = 0; i < words.Length; i++)
                {
                    var v = words[i];
                    var exponent = v >> 24;
                    var mantissa = (v << 8) >> 8;
                    floats[i] = BitConverter.Int32BitsToSingle((exponent + 127) << 23) * mantissa;
                }

                return;
            }

            case "COLOR" when stride is 4 or 8:
                ColorFilter(target, count, stride);
                return;
            default:
                throw new InvalidDataException($"Unknown meshopt filter '{filter}' for {stride}-byte elements.");
        }
    }

    // The filters follow meshoptimizer's scalar C++ (single-precision floats), so results match
    // its decoders to the last bit or within one unit where their SIMD rounding differs.
    private static (int X, int Y, int Z) Octahedral(float x, float y, float one, float max)
    {
        var z = one - MathF.Abs(x) - MathF.Abs(y);
        var t = z >= 0f ? 0f : z;
        x += x >= 0f ? t : -t;
        y += y >= 0f ? t : -t;
        var s = max / MathF.Sqrt((x * x) + (y * y) + (z * z));
        return (RoundInt(x * s), RoundInt(y * s), RoundInt(z * s));
    }

    private static void ColorFilter(byte[] target, int count, int stride)
    {
        var maxInt = (1 << (stride * 2)) - 1;
        for (var i = 0; i < count; i++)
        {
            int Read(int c, bool signed) => stride == 4
                ? (signed ? (sbyte)target[(i * 4) + c] : target[(i * 4) + c])
                : (signed ? BinaryPrimitives.ReadInt16LittleEndian(target.AsSpan((i * 8) + (c * 2))) : BinaryPrimitives.ReadUInt16LittleEndian(target.AsSpan((i * 8) + (c * 2))));

            var (y, co, cg, alphaInput) = (Read(0, false), Read(1, true), Read(2, true), Read(3, false));
            var alphaBit = 31 - int.LeadingZeroCount(alphaInput);
            var alphaScale = (1 << (alphaBit + 1)) - 1;
            var (r, g, b) = (y + co - cg, y + cg, y - co - cg);
            var a = alphaInput & (alphaScale >> 1);
            a = (a << 1) | (a & 1);
            var scale = (double)maxInt / alphaScale;
            int[] values = [r, g, b, a];
            for (var c = 0; c < 4; c++)
            {
                var v = Math.Clamp(RoundInt((float)(values[c] * scale)), 0, maxInt);
                if (stride == 4)
                {
                    target[(i * 4) + c] = (byte)v;
                }
                else
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(target.AsSpan((i * 8) + (c * 2)), (ushort)v);
                }
            }
        }
    }

    /// <summary>Rounds half away from zero, as the C++ does; a NaN from corrupt data (a zero-length normal) becomes 0.</summary>
    private static int RoundInt(float v) => float.IsFinite(v) ? (int)(v + (v >= 0f ? 0.5f : -0.5f)) : 0;

    private static short Round16(float v) => (short)Math.Clamp(RoundInt(v), short.MinValue, short.MaxValue);

    private static void DecodeIndexBuffer(byte[] target, int count, int stride, ReadOnlySpan<byte> source)
    {
        Check(source.Length > 0 && source[0] == 0xE1 && count % 3 == 0 && stride is 2 or 4, "Unknown meshopt index encoding.");
        var triangles = count / 3;
        Check(source.Length >= 1 + triangles + 16, "The meshopt index data is too short.");
        var codeOffset = 1;
        var dataOffset = 1 + triangles;
        var auxOffset = source.Length - 16;
        var data = source[..auxOffset];
        Span<uint> edges = stackalloc uint[32];
        Span<uint> vertices = stackalloc uint[16];
        var (edgeAt, vertexAt) = (0, 0);
        uint next = 0, last = 0;
        var output = 0;

        uint ReadEdge(Span<uint> fifo, int n) => fifo[(edgeAt - 1 - n) & 31];
        uint ReadVertex(Span<uint> fifo, int n) => fifo[(vertexAt - 1 - n) & 15];
        void PushEdge(Span<uint> fifo, uint v) { fifo[edgeAt] = v; edgeAt = (edgeAt + 1) & 31; }
        void PushVertex(Span<uint> fifo, uint v) { fifo[vertexAt] = v; vertexAt = (vertexAt + 1) & 15; }
        uint Leb(ReadOnlySpan<byte> d)
        {
            uint n = 0;
            for (var shift = 0; shift < 35; shift += 7)
            {
                var b = d[dataOffset++];
                n |= (uint)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return n;
                }
            }

            throw new InvalidDataException("A meshopt number is too long.");
        }

        void Emit(uint a, uint b, uint c, byte[] t)
        {
            if (stride == 2)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(t.AsSpan(output), (ushort)a);
                BinaryPrimitives.WriteUInt16LittleEndian(t.AsSpan(output + 2), (ushort)b);
                BinaryPrimitives.WriteUInt16LittleEndian(t.AsSpan(output + 4), (ushort)c);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(t.AsSpan(output), a);
                BinaryPrimitives.WriteUInt32LittleEndian(t.AsSpan(output + 4), b);
                BinaryPrimitives.WriteUInt32LittleEndian(t.AsSpan(output + 8), c);
            }

            output += 3 * stride;
        }

        for (var i = 0; i < triangles; i++)
        {
            var code = data[codeOffset++];
            var (b0, b1) = (code >> 4, code & 0x0F);
            if (b0 < 0x0F)
            {
                var a = ReadEdge(edges, (b0 << 1) + 0);
                var b = ReadEdge(edges, (b0 << 1) + 1);
                uint c;
                if (b1 == 0)
                {
                    c = next++;
                    PushVertex(vertices, c);
                }
                else if (b1 < 0x0D)
                {
                    c = ReadVertex(vertices, b1);
                }
                else if (b1 == 0x0D)
                {
                    c = --last;
                    PushVertex(vertices, c);
                }
                else if (b1 == 0x0E)
                {
                    c = ++last;
                    PushVertex(vertices, c);
                }
                else
                {
                    c = last += (uint)Dezig((int)Leb(data));
                    PushVertex(vertices, c);
                }

                PushEdge(edges, b);
                PushEdge(edges, c);
                PushEdge(edges, c);
                PushEdge(edges, a);
                Emit(a, b, c, target);
            }
            else
            {
                uint a, b, c;
                if (b1 < 0x0E)
                {
                    var e = source[auxOffset + b1];
                    var (z, w) = (e >> 4, e & 0x0F);
                    a = next++;
                    b = z == 0 ? next++ : ReadVertex(vertices, z - 1);
                    c = w == 0 ? next++ : ReadVertex(vertices, w - 1);
                    PushVertex(vertices, a);
                    if (z == 0)
                    {
                        PushVertex(vertices, b);
                    }

                    if (w == 0)
                    {
                        PushVertex(vertices, c);
                    }
                }
                else
                {
                    var e = data[dataOffset++];
                    if (e == 0)
                    {
                        next = 0;
                    }

                    var (z, w) = (e >> 4, e & 0x0F);
                    a = b1 == 0x0E ? next++ : (last += (uint)Dezig((int)Leb(data)));
                    b = z == 0 ? next++ : z == 0x0F ? (last += (uint)Dezig((int)Leb(data))) : ReadVertex(vertices, z - 1);
                    c = w == 0 ? next++ : w == 0x0F ? (last += (uint)Dezig((int)Leb(data))) : ReadVertex(vertices, w - 1);
                    PushVertex(vertices, a);
                    if (z is 0 or 0x0F)
                    {
                        PushVertex(vertices, b);
                    }

                    if (w is 0 or 0x0F)
                    {
                        PushVertex(vertices, c);
                    }
                }

                PushEdge(edges, a);
                PushEdge(edges, b);
                PushEdge(edges, b);
                PushEdge(edges, c);
                PushEdge(edges, c);
                PushEdge(edges, a);
                Emit(a, b, c, target);
            }
        }

        Check(dataOffset == data.Length, "The meshopt index data has the wrong length.");
    }

    private static void DecodeIndexSequence(byte[] target, int count, int stride, ReadOnlySpan<byte> source)
    {
        Check(source.Length >= 5 && source[0] == 0xD1 && stride is 2 or 4, "Unknown meshopt index sequence encoding.");
        // The encoder ends the stream with 4 bytes of padding; the numbers must end exactly there.
        var data = source[..^4];
        var offset = 1;
        Span<uint> last = stackalloc uint[2];
        for (var i = 0; i < count; i++)
        {
            uint v = 0;
            for (var shift = 0; ; shift += 7)
            {
                Check(shift < 35, "A meshopt number is too long.");
                var b = data[offset++];
                v |= (uint)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    break;
                }
            }

            var which = (int)(v & 1);
            last[which] += (uint)Dezig((int)(v >> 1));
            if (stride == 2)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(target.AsSpan(i * 2), (ushort)last[which]);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(target.AsSpan(i * 4), last[which]);
            }
        }

        Check(offset == data.Length, "The meshopt index sequence has the wrong length.");
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidDataException(message);
        }
    }
}
