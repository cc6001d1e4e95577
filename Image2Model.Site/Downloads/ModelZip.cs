using System.IO.Compression;
using Image2Model.Site.Storage;

namespace Image2Model.Site.Downloads;

/// <summary>The formats a model can be downloaded in, alone or many at once.</summary>
public enum ModelFormat
{
    Glb,
    Obj,
    Stl,
    ThreeMf,
}

public static class ModelFormats
{
    /// <summary>"glb", "obj", "stl" or "3mf" (any case); anything else is GLB, the stored format.</summary>
    public static ModelFormat Parse(string? value) => value?.ToLowerInvariant() switch
    {
        "obj" => ModelFormat.Obj,
        "stl" => ModelFormat.Stl,
        "3mf" => ModelFormat.ThreeMf,
        _ => ModelFormat.Glb,
    };

    public static string Extension(this ModelFormat format) => format switch
    {
        ModelFormat.Obj => ".obj",
        ModelFormat.Stl => ".stl",
        ModelFormat.ThreeMf => ".3mf",
        _ => ".glb",
    };

    public static string Value(this ModelFormat format) => format.Extension()[1..];
}

/// <summary>One finished model going into a ZIP: the user's file name and the stored GLB.</summary>
public sealed record ZipModel(string FileName, string ModelBlob);

/// <summary>
/// Many models as one ZIP, written straight into the response: one model is in memory at a time
/// (a GLB is copied from its file without even that), never the whole archive.
/// </summary>
public static class ModelZip
{
    public static IResult Result(IReadOnlyList<ZipModel> models, ModelFormat format, string downloadName, BlobStore blobs) =>
        Results.Stream(
            async body =>
            {
                // Results.Stream gives no token; a client that goes away fails the next write instead.
                await WriteAsync(body, models, format, blobs, CancellationToken.None);
            },
            "application/zip",
            downloadName);

    public static async Task WriteAsync(Stream body, IReadOnlyList<ZipModel> models, ModelFormat format, BlobStore blobs, CancellationToken cancellationToken)
    {
        var output = new AsyncOnlyStream(body);
        await using (var zip = await ZipArchive.CreateAsync(output, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: null, cancellationToken))
        {
            await WriteEntriesAsync(zip, output, models, format, blobs, cancellationToken);
        }

        await output.FlushAsync(cancellationToken);
    }

    private static async Task WriteEntriesAsync(ZipArchive zip, Stream output, IReadOnlyList<ZipModel> models, ModelFormat format, BlobStore blobs, CancellationToken cancellationToken)
    {
        var taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var model in models)
        {
            if (!blobs.Exists(model.ModelBlob))
            {
                continue;
            }

            var name = UniqueName(taken, model.FileName, format.Extension());
            switch (format)
            {
                case ModelFormat.Glb:
                {
                    // Textures inside a GLB are JPEG already: storing beats compressing again.
                    var entry = zip.CreateEntry(name, CompressionLevel.NoCompression);
                    await using var target = await entry.OpenAsync(cancellationToken);
                    await using var source = new FileStream(blobs.Info(model.ModelBlob).FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
                    await source.CopyToAsync(target, cancellationToken);
                    break;
                }

                case ModelFormat.Obj:
                {
                    // The OBJ export is a ZIP of its own (model, material, texture): its files go into a folder per model.
                    var folder = Path.GetFileNameWithoutExtension(name);
                    using var inner = new ZipArchive(new MemoryStream(ModelExport.ToObjZip(await blobs.ReadAllAsync(model.ModelBlob, cancellationToken))), ZipArchiveMode.Read);
                    foreach (var file in inner.Entries)
                    {
                        var entry = zip.CreateEntry($"{folder}/{file.FullName}", CompressionLevel.Fastest);
                        await using var target = await entry.OpenAsync(cancellationToken);
                        await using var source = file.Open();
                        await source.CopyToAsync(target, cancellationToken);
                    }

                    break;
                }

                default:
                {
                    var glb = await blobs.ReadAllAsync(model.ModelBlob, cancellationToken);
                    var bytes = format == ModelFormat.Stl ? ModelExport.ToStl(glb) : ThreeMfExport.To3mf(glb);
                    var entry = zip.CreateEntry(name, format == ModelFormat.ThreeMf ? CompressionLevel.NoCompression : CompressionLevel.Fastest);
                    await using var target = await entry.OpenAsync(cancellationToken);
                    await target.WriteAsync(bytes, cancellationToken);
                    break;
                }
            }

            // Hand what this model produced to the client before starting the next one.
            await output.FlushAsync(cancellationToken);
        }
    }

    /// <summary>Two photos both called "photo.jpg" become "photo.glb" and "photo-2.glb".</summary>
    private static string UniqueName(HashSet<string> taken, string fileName, string extension)
    {
        var name = DownloadName.For(fileName, extension);
        for (var n = 2; !taken.Add(name); n++)
        {
            name = $"{Path.GetFileNameWithoutExtension(DownloadName.For(fileName, extension))}-{n}{extension}";
        }

        return name;
    }

    /// <summary>
    /// Lets ZipArchive write to a response body, which refuses synchronous writes: the archive
    /// still writes its small headers synchronously, so those are buffered, and everything is
    /// passed on asynchronously once 64 KiB have gathered or when flushed.
    /// </summary>
    private sealed class AsyncOnlyStream(Stream inner) : Stream
    {
        private const int Threshold = 64 * 1024;
        private readonly MemoryStream _buffer = new();
        private long _written;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        // ZipArchive reads Position on streams that cannot seek to record where entries start.
        public override long Position { get => _written + _buffer.Length; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => _buffer.Write(buffer, offset, count);

        public override void Write(ReadOnlySpan<byte> buffer) => _buffer.Write(buffer);

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _buffer.Write(buffer.Span);
            if (_buffer.Length >= Threshold)
            {
                await DrainAsync(cancellationToken);
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        /// <summary>Nothing: a synchronous flush would have to block; the next asynchronous one sends it all.</summary>
        public override void Flush()
        {
        }

        public override async Task FlushAsync(CancellationToken cancellationToken)
        {
            await DrainAsync(cancellationToken);
            await inner.FlushAsync(cancellationToken);
        }

        private async Task DrainAsync(CancellationToken cancellationToken)
        {
            if (_buffer.Length == 0)
            {
                return;
            }

            await inner.WriteAsync(_buffer.GetBuffer().AsMemory(0, (int)_buffer.Length), cancellationToken);
            _written += _buffer.Length;
            _buffer.SetLength(0);
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
