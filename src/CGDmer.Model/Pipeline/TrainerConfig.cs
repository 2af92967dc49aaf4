using System.Text.Json;
using System.Text.Json.Serialization;
using CGDmer.Model.Training;
using CGDmer.Signal;

namespace CGDmer.Model.Pipeline;

/// <summary>Everything a training run needs, as one JSON file (see configs/). Paths are relative to the config file.</summary>
public sealed record TrainerConfig
{
    public string Name { get; init; } = "cgdmer";
    public string Version { get; init; } = "0.1.0";
    public CgDmerConfig Model { get; init; } = CgDmerConfig.Small;
    public DataConfig Data { get; init; } = new();
    public PretrainOptions Pretrain { get; init; } = new();
    public ProbeOptions Probe { get; init; } = new();
    /// <summary>Label keys the classification heads predict (see EcgLabels).</summary>
    public List<string> Labels { get; init; } =
        ["sinus_rhythm", "atrial_fibrillation", "atrial_flutter", "ventricular_tachycardia", "pvc", "sinus_bradycardia", "sinus_tachycardia", "lbbb", "rbbb"];

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase, ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        // An AUROC is undefined (NaN) where a test split has no positives; it is written as "NaN", not dropped.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static TrainerConfig Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Config file '{path}' does not exist.", path);
        TrainerConfig cfg;
        try { cfg = JsonSerializer.Deserialize<TrainerConfig>(File.ReadAllText(path), Json) ?? throw new JsonException("empty document"); }
        catch (JsonException e) { throw new InvalidDataException($"Config file '{path}' is not valid: {e.Message}", e); }
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        cfg = cfg with { Data = cfg.Data.ResolvePaths(dir) };
        cfg.Validate(path);
        return cfg;
    }

    public void Validate(string source)
    {
        try { Model.Validate(); }
        catch (ArgumentException e) { throw new InvalidDataException($"Config '{source}': model: {e.Message}"); }
        foreach (var key in Labels)
            try { EcgLabels.ByKey(key); }
            catch (KeyNotFoundException e) { throw new InvalidDataException($"Config '{source}': labels: {e.Message}"); }
        try { ObjectiveWeights.ForAblation(Pretrain.Objective); }
        catch (ArgumentException e) { throw new InvalidDataException($"Config '{source}': pretrain.objective: {e.Message}"); }
        if (Pretrain.BatchSize < 2) throw new InvalidDataException($"Config '{source}': pretrain.batchSize must be at least 2 (contrastive pairs).");
        if (Data.MitBih?.Dir is { } d && !Directory.Exists(d))
            throw new InvalidDataException($"Config '{source}': data.mitBih.dir '{d}' does not exist.");
        if (Data.PtbXl?.Root is { } r && !File.Exists(Path.Combine(r, "ptbxl_database.csv")))
            throw new InvalidDataException($"Config '{source}': data.ptbXl.root '{r}' has no ptbxl_database.csv.");
    }

    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Json));
}

public sealed record DataConfig
{
    public SyntheticData Synthetic { get; init; } = new();
    public MitBihData? MitBih { get; init; }
    public PtbXlData? PtbXl { get; init; }

    public DataConfig ResolvePaths(string baseDir) => this with
    {
        MitBih = MitBih is null ? null : MitBih with { Dir = Path.GetFullPath(Path.Combine(baseDir, MitBih.Dir)) },
        PtbXl = PtbXl is null ? null : PtbXl with { Root = Path.GetFullPath(Path.Combine(baseDir, PtbXl.Root)) },
    };
}

public sealed record SyntheticData
{
    public int Count { get; init; } = 2000;
    public int BaseSeed { get; init; } = 1000;
    public double TwoLeadShare { get; init; } = 0.35;
    public double RandomSubsetShare { get; init; } = 0.15;
    /// <summary>Shares of synthetic patients held out for validation and test.</summary>
    public double ValidationShare { get; init; } = 0.1;
    public double TestShare { get; init; } = 0.1;
}

public sealed record MitBihData
{
    public required string Dir { get; init; }
    /// <summary>Records to use; empty = every record in Dir with an .atr file.</summary>
    public List<string> Records { get; init; } = [];
    public List<string> ValidationRecords { get; init; } = [];
    public List<string> TestRecords { get; init; } = [];
    public double StrideSeconds { get; init; } = 10;
    /// <summary>Limit each record to its first N seconds (0 = whole record); keeps tiny runs tiny.</summary>
    public double MaxSecondsPerRecord { get; init; }
}

public sealed record PtbXlData
{
    public required string Root { get; init; }
    public int? Limit { get; init; }
}
