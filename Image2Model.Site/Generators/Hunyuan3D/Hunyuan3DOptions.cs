using Image2Model.Site.Generators.Remote;

namespace Image2Model.Site.Generators.Hunyuan3D;

/// <summary>
/// Section <c>Generators:Hunyuan3D</c>: a Hunyuan3D-2 <c>api_server.py</c> the site's operators run
/// on their own GPU. The generator is offered once <see cref="BaseUrl"/> is set.
/// </summary>
public sealed class Hunyuan3DOptions : RemoteGeneratorOptions
{
    public const string Section = "Generators:Hunyuan3D";

    public Hunyuan3DOptions()
    {
        // A finished job answers its status with the whole model, so "processing" polls stay few.
        PollInterval = TimeSpan.FromSeconds(3);
    }

    /// <summary>Where api_server.py listens, e.g. http://gpu-box:8081.</summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>
    /// The Authorization header value a reverse proxy in front of the server expects ("Bearer …",
    /// "Basic …"); the server itself has no authentication. Also read from HUNYUAN3D_AUTHORIZATION. Never logged.
    /// </summary>
    public string? Authorization { get; set; }

    /// <summary>fast, standard or quality: see <see cref="Presets"/>.</summary>
    public string Preset { get; set; } = "standard";

    /// <summary>
    /// Steps and octree resolution per preset. "fast" is api_server.py's own defaults (5 steps,
    /// octree 128, guidance 5.0), the point its default turbo model (Hunyuan3D-2mini-Turbo with
    /// FlashVDM) is tuned for; "standard" and "quality" follow gradio_app.py's range (20–50 steps,
    /// octree 256–512, guidance 5.5).
    /// </summary>
    public Dictionary<string, Hunyuan3DPreset> Presets { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["fast"] = new() { Steps = 5, OctreeResolution = 128, GuidanceScale = 5.0 },
        ["standard"] = new() { Steps = 20, OctreeResolution = 256, GuidanceScale = 5.5 },
        ["quality"] = new() { Steps = 30, OctreeResolution = 384, GuidanceScale = 5.5 },
    };

    /// <summary>How long reading one status answer (with the model in it) may take.</summary>
    public TimeSpan StatusReadTimeout { get; set; } = TimeSpan.FromMinutes(5);

    public override bool IsConfigured => BaseUrl is { IsAbsoluteUri: true };

    public Hunyuan3DPreset Chosen => Presets.TryGetValue(Preset, out var preset) ? preset : Presets["standard"];
}

public sealed class Hunyuan3DPreset
{
    public int Steps { get; set; }

    public int OctreeResolution { get; set; }

    public double GuidanceScale { get; set; }
}
