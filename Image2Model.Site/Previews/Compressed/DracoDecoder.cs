using System.Text.RegularExpressions;
using Wasmtime;

namespace Image2Model.Site.Previews.Compressed;

/// <summary>
/// Decodes KHR_draco_mesh_compression geometry with Google's own Draco decoder, the
/// WebAssembly build the site already serves to browsers (wwwroot/lib/draco), run by Wasmtime.
/// The wasm's exports have minified names; the map from the Emscripten binding names
/// (<c>emscripten_bind_Decoder_DecodeBufferToMesh_2</c> …) to them is read from the wrapper
/// script shipped beside it, so an update of the two files keeps working or fails loudly.
/// Each decode gets a fresh instance: a corrupt file cannot leave state behind for the next one,
/// and decodes on several threads never share a store.
/// </summary>
public sealed partial class DracoDecoder
{
    /// <summary>Corrupt data must not make the decoder take the server's memory.</summary>
    private const long MaxMemoryBytes = 512L << 20;

    /// <summary>Nor its time: a decode still running after this many epoch ticks (of <see cref="Tick"/>) is stopped.</summary>
    private const ulong MaxTicks = 100;

    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);

    private readonly Lazy<(Engine Engine, Module Module, Timer Clock)> _module;

    public DracoDecoder(string wasmPath, string wrapperPath)
    {
        Names = ReadNames(File.ReadAllText(wrapperPath));
        _module = new(() =>
        {
            // Epoch interruption costs far less than fuel metering and still bounds a decode that
            // corrupt data sends into a loop (about 10 s).
            var engine = new Engine(new Config().WithEpochInterruption(true));
            var clock = new Timer(_ => engine.IncrementEpoch(), null, Tick, Tick);
            return (engine, Module.FromFile(engine, wasmPath), clock);
        });
    }

    /// <summary>The decoder the site serves at /lib/draco/, under the web root.</summary>
    public static DracoDecoder FromWebRoot(string webRoot) =>
        new(Path.Combine(webRoot, "lib", "draco", "draco_decoder.wasm"), Path.Combine(webRoot, "lib", "draco", "draco_wasm_wrapper.js"));

    /// <summary>Every name <see cref="Decode"/> looks up (enum names for the data types it asks for).</summary>
    internal static readonly string[] Bindings =
    [
        "memory", "ctors", "malloc",
        "emscripten_bind_DecoderBuffer_DecoderBuffer_0", "emscripten_bind_DecoderBuffer_Init_2",
        "emscripten_bind_Decoder_Decoder_0", "emscripten_bind_Mesh_Mesh_0", "emscripten_bind_Decoder_DecodeBufferToMesh_2",
        "emscripten_bind_Status_ok_0", "emscripten_bind_Status_error_msg_0",
        "emscripten_bind_Mesh_num_points_0", "emscripten_bind_Mesh_num_faces_0",
        "emscripten_bind_Decoder_GetTrianglesUInt32Array_3", "emscripten_bind_Decoder_GetAttributeByUniqueId_2",
        "emscripten_bind_Decoder_GetAttributeDataArrayForAllPoints_5",
        "emscripten_enum_draco_DataType_DT_INT8", "emscripten_enum_draco_DataType_DT_UINT8",
        "emscripten_enum_draco_DataType_DT_INT16", "emscripten_enum_draco_DataType_DT_UINT16",
        "emscripten_enum_draco_DataType_DT_UINT32", "emscripten_enum_draco_DataType_DT_FLOAT32",
    ];

    /// <summary>The export names of the wasm module itself.</summary>
    internal IEnumerable<string> Exports => _module.Value.Module.Exports.Select(e => e.Name);

    /// <summary>Binding name (without the leading underscore) → wasm export, plus "memory" and "ctors".</summary>
    internal IReadOnlyDictionary<string, string> Names { get; }

    internal static Dictionary<string, string> ReadNames(string wrapper)
    {
        // The minifier breaks lines anywhere; the assignments are plain "a._name=a.asm.x".
        var script = wrapper.Replace("\n", "").Replace("\r", "");
        var names = new Dictionary<string, string>();
        foreach (Match m in BindingPattern().Matches(script))
        {
            names[m.Groups[1].Value] = m.Groups[2].Value;
        }

        // Where the loader keeps the instance's memory and queues the static constructors.
        if (LoaderPattern().Match(script) is { Success: true } loader)
        {
            names["memory"] = loader.Groups[1].Value;
            names["ctors"] = loader.Groups[2].Value;
        }

        return names;
    }

    [GeneratedRegex(@"a\._([A-Za-z0-9_]+)=a\.asm\.([A-Za-z0-9_$]+)")]
    private static partial Regex BindingPattern();

    [GeneratedRegex(@"a\.asm=[A-Za-z0-9_$]+\.exports;[A-Za-z0-9_$]+=a\.asm\.([A-Za-z0-9_$]+);[A-Za-z0-9_$]+\(\);[A-Za-z0-9_$]+\.unshift\(a\.asm\.([A-Za-z0-9_$]+)\)")]
    private static partial Regex LoaderPattern();

    /// <summary>glTF accessor component type → Draco DataType enum name and byte size.</summary>
    private static (string DataType, int Size) DracoType(int componentType) => componentType switch
    {
        5120 => ("DT_INT8", 1),
        5121 => ("DT_UINT8", 1),
        5122 => ("DT_INT16", 2),
        5123 => ("DT_UINT16", 2),
        5125 => ("DT_UINT32", 4),
        5126 => ("DT_FLOAT32", 4),
        _ => throw new InvalidDataException($"A Draco attribute of component type {componentType} cannot be read."),
    };

    /// <summary>
    /// Decodes one compressed primitive: every point's value of each wanted attribute (by Draco
    /// unique id, in the accessor's own component type), and the triangles as 32-bit indices.
    /// Throws <see cref="InvalidDataException"/> when the data is not a Draco mesh.
    /// </summary>
    public DracoMesh Decode(ReadOnlySpan<byte> data, IReadOnlyList<(int UniqueId, int ComponentType, int Components)> attributes)
    {
        var (engine, module, _) = _module.Value;
        using var store = new Store(engine);
        store.SetLimits(memorySize: MaxMemoryBytes);
        store.SetEpochDeadline(MaxTicks);
        using var linker = new Linker(engine);
        Memory? memory = null;
        linker.DefineFunction("a", "a", () => throw new InvalidDataException("The Draco decoder aborted."));
        linker.DefineFunction("a", "b", (int _, int _, int _) => throw new InvalidDataException("The Draco decoder gave up on the data."));
        linker.DefineFunction("a", "c", (int requested) =>
        {
            // emscripten_resize_heap: grow to at least the requested bytes, or answer 0.
            var length = memory!.GetLength();
            var wanted = (long)(uint)requested;
            if (wanted > MaxMemoryBytes)
            {
                return 0;
            }

            try
            {
                memory.Grow((wanted - length + 65535) / 65536);
                return 1;
            }
            catch (WasmtimeException)
            {
                return 0;
            }
        });
        linker.DefineFunction("a", "d", (int destination, int source, int count) =>
        {
            // emscripten_memcpy_big: an overlapping-safe copy inside the wasm memory.
            var bytes = memory!.GetSpan(0, checked((int)memory.GetLength()));
            bytes.Slice(source, count).CopyTo(bytes.Slice(destination, count));
        });

        try
        {
            var instance = linker.Instantiate(store, module);
            memory = instance.GetMemory(Name("memory")) ?? throw new InvalidDataException("The Draco decoder has no memory.");
            Action(instance, "ctors")();
            var malloc = Func<int, int>(instance, "malloc");

            var buffer = Func<int>(instance, "emscripten_bind_DecoderBuffer_DecoderBuffer_0")();
            var input = malloc(data.Length);
            data.CopyTo(memory.GetSpan(input, data.Length));
            Action<int, int, int>(instance, "emscripten_bind_DecoderBuffer_Init_2")(buffer, input, data.Length);
            var decoder = Func<int>(instance, "emscripten_bind_Decoder_Decoder_0")();
            var mesh = Func<int>(instance, "emscripten_bind_Mesh_Mesh_0")();
            var status = Func<int, int, int, int>(instance, "emscripten_bind_Decoder_DecodeBufferToMesh_2")(decoder, buffer, mesh);
            if (Func<int, int>(instance, "emscripten_bind_Status_ok_0")(status) == 0)
            {
                var message = memory.ReadNullTerminatedString(Func<int, int>(instance, "emscripten_bind_Status_error_msg_0")(status));
                throw new InvalidDataException($"Draco could not decode the mesh: {message}");
            }

            var points = Func<int, int>(instance, "emscripten_bind_Mesh_num_points_0")(mesh);
            var faces = Func<int, int>(instance, "emscripten_bind_Mesh_num_faces_0")(mesh);
            if (points <= 0 || faces < 0 || (long)faces * 3 * 4 > MaxMemoryBytes)
            {
                throw new InvalidDataException("The Draco mesh is empty or too large.");
            }

            var indexBytes = faces * 3 * 4;
            var indexPointer = malloc(indexBytes);
            if (Func<int, int, int, int, int>(instance, "emscripten_bind_Decoder_GetTrianglesUInt32Array_3")(decoder, mesh, indexBytes, indexPointer) == 0)
            {
                throw new InvalidDataException("Draco could not read the triangles.");
            }

            var indices = memory.GetSpan(indexPointer, indexBytes).ToArray();
            var values = new Dictionary<int, byte[]>();
            var byUniqueId = Func<int, int, int, int>(instance, "emscripten_bind_Decoder_GetAttributeByUniqueId_2");
            var allPoints = Func<int, int, int, int, int, int, int>(instance, "emscripten_bind_Decoder_GetAttributeDataArrayForAllPoints_5");
            foreach (var (id, componentType, components) in attributes)
            {
                var attribute = byUniqueId(decoder, mesh, id);
                if (attribute == 0)
                {
                    throw new InvalidDataException($"The Draco mesh has no attribute {id}.");
                }

                var (dataType, size) = DracoType(componentType);
                var byteLength = checked(points * components * size);
                var pointer = malloc(byteLength);
                if (allPoints(decoder, mesh, attribute, Func<int>(instance, "emscripten_enum_draco_DataType_" + dataType)(), byteLength, pointer) == 0)
                {
                    throw new InvalidDataException($"Draco could not read attribute {id}.");
                }

                values[id] = memory.GetSpan(pointer, byteLength).ToArray();
            }

            return new DracoMesh(points, indices, values);
        }
        catch (TrapException e)
        {
            throw new InvalidDataException($"The Draco decoder failed: {e.Message}", e);
        }
        catch (WasmtimeException e)
        {
            throw new InvalidDataException($"The Draco decoder failed: {e.Message}", e);
        }
    }

    private string Name(string binding) =>
        Names.TryGetValue(binding, out var export) ? export : throw new InvalidOperationException($"The Draco wrapper does not name '{binding}'.");

    private Func<T?> Func<T>(Instance instance, string binding) =>
        instance.GetFunction<T>(Name(binding)) ?? throw new InvalidOperationException($"The Draco decoder's '{binding}' has another signature.");

    private Func<T1, TResult?> Func<T1, TResult>(Instance instance, string binding) =>
        instance.GetFunction<T1, TResult>(Name(binding)) ?? throw new InvalidOperationException($"The Draco decoder's '{binding}' has another signature.");

    private Func<T1, T2, T3, TResult?> Func<T1, T2, T3, TResult>(Instance instance, string binding) =>
        instance.GetFunction<T1, T2, T3, TResult>(Name(binding)) ?? throw new InvalidOperationException($"The Draco decoder's '{binding}' has another signature.");

    private Func<T1, T2, T3, T4, TResult?> Func<T1, T2, T3, T4, TResult>(Instance instance, string binding) =>
        instance.GetFunction<T1, T2, T3, T4, TResult>(Name(binding)) ?? throw new InvalidOperationException($"The Draco decoder's '{binding}' has another signature.");

    private Func<T1, T2, T3, T4, T5, T6, TResult?> Func<T1, T2, T3, T4, T5, T6, TResult>(Instance instance, string binding) =>
        instance.GetFunction<T1, T2, T3, T4, T5, T6, TResult>(Name(binding)) ?? throw new InvalidOperationException($"The Draco decoder's '{binding}' has another signature.");

    private Action Action(Instance instance, string binding) =>
        instance.GetAction(Name(binding)) ?? throw new InvalidOperationException($"The Draco decoder's '{binding}' has another signature.");

    private Action<T1, T2, T3> Action<T1, T2, T3>(Instance instance, string binding) =>
        instance.GetAction<T1, T2, T3>(Name(binding)) ?? throw new InvalidOperationException($"The Draco decoder's '{binding}' has another signature.");
}

/// <summary>A decoded Draco primitive: its point count, triangles (32-bit little-endian indices) and attribute bytes by unique id.</summary>
public sealed record DracoMesh(int PointCount, byte[] Indices, IReadOnlyDictionary<int, byte[]> Attributes);
