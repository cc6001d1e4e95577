using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace Image2Model.Site.Generators.Hunyuan3D;

/// <summary>
/// Reads <c>{"status": "completed", "model_base64": "…"}</c> from the stream as it arrives, decoding
/// the base64 straight into the model's bytes. The answer can be tens of MB: reading it as a string
/// and then a JSON document would hold it three times over (UTF-8, UTF-16, decoded).
/// </summary>
internal static class StatusAnswer
{
    private static readonly byte[] ModelKey = "\"model_base64\""u8.ToArray();

    /// <summary>The JSON around the model is a few bytes; more than this is not the server we know.</summary>
    private const int MaxOutside = 1024 * 1024;

    public sealed record Answer(string? Status, byte[]? Model);

    /// <exception cref="FormatException">The answer is not the JSON the server sends, or the model is larger than <paramref name="maxModelBytes"/>.</exception>
    public static async Task<Answer> ReadAsync(Stream stream, long? contentLength, long maxModelBytes, CancellationToken cancellationToken)
    {
        var chunk = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            // Everything but the base64 value; with "" in its place it is the answer's JSON.
            var outside = new MemoryStream();
            var valueStart = -1;
            while (valueStart < 0)
            {
                var read = await stream.ReadAsync(chunk.AsMemory(), cancellationToken);
                if (read == 0)
                {
                    return new Answer(Status(outside), null);
                }

                outside.Write(chunk, 0, read);
                valueStart = ValueStart(outside.GetBuffer().AsSpan(0, (int)outside.Length));
                if (valueStart < 0 && outside.Length > MaxOutside)
                {
                    throw new FormatException("The status answer is not the JSON Hunyuan3D's server sends.");
                }
            }

            var model = new Base64Sink(contentLength is { } length ? Math.Min(length * 3 / 4, maxModelBytes) : 1024 * 1024, maxModelBytes);
            var start = outside.GetBuffer().AsMemory(valueStart, (int)outside.Length - valueStart);
            var pending = start.ToArray();
            outside.SetLength(valueStart);
            var ended = Feed(model, pending, outside);
            while (!ended)
            {
                var read = await stream.ReadAsync(chunk.AsMemory(), cancellationToken);
                if (read == 0)
                {
                    throw new FormatException("The status answer ended in the middle of the model.");
                }

                ended = Feed(model, chunk.AsSpan(0, read), outside);
            }

            // The rest: the closing of the object, maybe more small fields.
            int tail;
            while ((tail = await stream.ReadAsync(chunk.AsMemory(), cancellationToken)) > 0)
            {
                outside.Write(chunk, 0, tail);
                if (outside.Length > MaxOutside)
                {
                    throw new FormatException("The status answer is not the JSON Hunyuan3D's server sends.");
                }
            }

            return new Answer(Status(outside), model.Complete());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <summary>Decodes up to the closing quote; the quote and what follows go to <paramref name="outside"/>. True once the value ended.</summary>
    private static bool Feed(Base64Sink model, ReadOnlySpan<byte> data, MemoryStream outside)
    {
        var end = data.IndexOf((byte)'"');
        model.Write(end < 0 ? data : data[..end]);
        if (end < 0)
        {
            return false;
        }

        outside.Write(data[end..]);
        return true;
    }

    /// <summary>Where the model's base64 starts: just after the opening quote of the value of "model_base64"; -1 when not (yet) seen.</summary>
    private static int ValueStart(ReadOnlySpan<byte> json)
    {
        var key = json.IndexOf(ModelKey);
        if (key < 0)
        {
            return -1;
        }

        var colon = false;
        for (var i = key + ModelKey.Length; i < json.Length; i++)
        {
            switch (json[i])
            {
                case (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n':
                    continue;
                case (byte)':' when !colon:
                    colon = true;
                    continue;
                case (byte)'"' when colon:
                    return i + 1;
                default:
                    throw new FormatException("model_base64 in the status answer is not a string.");
            }
        }

        return -1;
    }

    private static string? Status(MemoryStream outside)
    {
        try
        {
            using var document = JsonDocument.Parse(outside.GetBuffer().AsMemory(0, (int)outside.Length));
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.String
                ? status.GetString()
                : null;
        }
        catch (JsonException ex)
        {
            throw new FormatException("The status answer is not the JSON Hunyuan3D's server sends.", ex);
        }
    }

    /// <summary>Base64 in any slices, bytes out: quads split across slices are carried over.</summary>
    private sealed class Base64Sink(long capacity, long maxBytes)
    {
        private readonly byte[] _carry = new byte[4];
        private int _carried;
        private byte[] _bytes = new byte[Math.Max(capacity, 16)];
        private long _length;

        public void Write(ReadOnlySpan<byte> base64)
        {
            if (base64.IndexOf((byte)'\\') >= 0)
            {
                // JSON may escape "/" as "\/"; base64 itself never has a backslash.
                var clean = new byte[base64.Length];
                var n = 0;
                foreach (var b in base64)
                {
                    if (b != (byte)'\\')
                    {
                        clean[n++] = b;
                    }
                }

                base64 = clean.AsSpan(0, n);
            }

            while (_carried is > 0 and < 4 && !base64.IsEmpty)
            {
                _carry[_carried++] = base64[0];
                base64 = base64[1..];
            }

            if (_carried == 4)
            {
                Decode(_carry);
                _carried = 0;
            }

            var whole = base64.Length / 4 * 4;
            Decode(base64[..whole]);
            base64[whole..].CopyTo(_carry);
            _carried += base64.Length - whole;
        }

        public byte[] Complete()
        {
            if (_carried != 0)
            {
                throw new FormatException("The model in the status answer is not valid base64.");
            }

            return _length == _bytes.Length ? _bytes : _bytes.AsSpan(0, (int)_length).ToArray();
        }

        private void Decode(ReadOnlySpan<byte> quads)
        {
            if (quads.IsEmpty)
            {
                return;
            }

            var needed = _length + (quads.Length / 4 * 3);
            if (needed - (quads[^1] == '=' ? 1 : 0) - (quads[^2] == '=' ? 1 : 0) > maxBytes)
            {
                throw new FormatException($"The model is larger than the {maxBytes / (1024 * 1024)} MB this site accepts.");
            }

            if (needed > _bytes.Length)
            {
                Array.Resize(ref _bytes, (int)Math.Min(Math.Max(needed, _bytes.Length * 2L), Array.MaxLength));
            }

            var status = Base64.DecodeFromUtf8(quads, _bytes.AsSpan((int)_length), out _, out var written, isFinalBlock: true);
            if (status != OperationStatus.Done)
            {
                throw new FormatException("The model in the status answer is not valid base64.");
            }

            _length += written;
        }
    }
}
