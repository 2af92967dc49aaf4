using System.Text.Json.Serialization;

namespace CGDmer.Model;

/// <summary>
/// Architecture of a CG-DMER model. Stored next to every checkpoint so a checkpoint can be reloaded without the
/// config file that created it. Presets: <see cref="Tiny"/> for tests, <see cref="Small"/> for the shipped model.
/// </summary>
public sealed record CgDmerConfig
{
    /// <summary>Model sample rate. 100 Hz keeps QRS morphology (a 120 ms QRS is 12 samples) while making 12-lead
    /// attention affordable on a CPU; it is also PTB-XL's records100 rate.</summary>
    public int SampleRateHz { get; init; } = 100;
    public int WindowSamples { get; init; } = 1000;
    /// <summary>Samples per patch. 50 samples = 0.5 s: each token sees about half a beat.</summary>
    public int PatchSize { get; init; } = 50;
    public int Dim { get; init; } = 64;
    public int Depth { get; init; } = 3;
    public int Heads { get; init; } = 4;
    public int MlpRatio { get; init; } = 2;
    public int DecoderDim { get; init; } = 32;
    public int DecoderDepth { get; init; } = 1;
    public int TextDim { get; init; } = 64;
    public int TextDepth { get; init; } = 2;
    public int TextHeads { get; init; } = 4;
    public int TextMaxTokens { get; init; } = 48;
    /// <summary>Dimension of the modality-shared and modality-specific projections.</summary>
    public int ProjectionDim { get; init; } = 32;

    [JsonIgnore] public int PatchesPerLead => WindowSamples / PatchSize;
    [JsonIgnore] public int Tokens => Signal.Leads.Count * PatchesPerLead;

    public static CgDmerConfig Tiny { get; } = new()
    {
        Dim = 32, Depth = 1, Heads = 2, DecoderDim = 16, TextDim = 32, TextDepth = 1, TextHeads = 2, ProjectionDim = 16,
    };

    public static CgDmerConfig Small { get; } = new();

    public void Validate()
    {
        if (WindowSamples <= 0 || PatchSize <= 0 || WindowSamples % PatchSize != 0)
            throw new ArgumentException($"WindowSamples ({WindowSamples}) must be a positive multiple of PatchSize ({PatchSize}).");
        if (Dim % Heads != 0) throw new ArgumentException($"Dim ({Dim}) must be divisible by Heads ({Heads}).");
        if (TextDim % TextHeads != 0) throw new ArgumentException($"TextDim ({TextDim}) must be divisible by TextHeads ({TextHeads}).");
        if (Depth < 1 || TextDepth < 1 || DecoderDepth < 0) throw new ArgumentException("Depths must be positive.");
        if (SampleRateHz <= 0) throw new ArgumentException("SampleRateHz must be positive.");
    }
}
