using CGDmer.Model;
using System.Text.Json;
using System.Text.Json.Serialization;
using CGDmer.Trainer.Training;
using CGDmer.Trainer.Data;
using CGDmer.Signal;

namespace CGDmer.Trainer.Orchestration;

/// <summary>Everything a training run needs, as one JSON file (see configs/). Paths are relative to the config file.</summary>
public sealed record TrainerConfig
{
    public string Name { get; init; } = "cgdmer";
    public string Version { get; init; } = "0.1.0";
    public CgDmerConfig Model { get; init; } = CgDmerConfig.Small;
    public DataConfig Data { get; init; } = new();
    public PretrainOptions Pretrain { get; init; } = new();
    public ProbeOptions Probe { get; init; } = new();
    /// <summary>Give the heads the window's beat-interval features (<c>CGDmer.Signal.Beats.RhythmFeatures</c>), as the service measures them.</summary>
    public bool RhythmFeatures { get; init; }
    /// <summary>
    /// Which set of <c>RhythmFeatures</c> the heads get (e.g. <c>rr-v6</c>, measured on the beat stream); null: the
    /// build's default (<c>RhythmFeatures.Identifier</c>). Stored in the model's metadata, which the service follows.
    /// </summary>
    public string? RhythmFeatureSet { get; init; }

    /// <summary>The feature set the heads get, or null without rhythm features.</summary>
    public string? EffectiveRhythmFeatureSet => RhythmFeatures ? RhythmFeatureSet ?? CGDmer.Signal.Beats.RhythmFeatures.Identifier : null;
    /// <summary>The validation bar a label must pass on held-out real patients to be published (contract v3 <c>validated</c>).</summary>
    public ValidationBar Validation { get; init; } = new();
    /// <summary>
    /// Alerting labels' operating point: the share of bedside validation windows without the finding that must stay below
    /// its threshold (see RunStages.Thresholds). Labels not listed get Youden's J.
    /// </summary>
    public Dictionary<string, double> AlertSpecificity { get; init; } = new() { ["atrial_fibrillation"] = 0.99 };
    /// <summary>
    /// Where and how the other labels' shipped thresholds (Youden's J) are fitted: "real" (all real validation windows that
    /// annotate the label) or "bedside" (the bedside sources' windows when they have both classes; see
    /// <see cref="Evaluation.FindingThresholds"/>). The balanced thresholds that score the challenge stay "real".
    /// </summary>
    public string ThresholdPopulation { get; init; } = Evaluation.FindingThresholds.Real;
    /// <summary>
    /// The seeds of an ensemble's members (two or more, distinct): each member is this recipe trained with its seed as
    /// <c>pretrain.seed</c>, in the run's <c>seed-N</c> folder, and the model's probabilities are the members' mean, with
    /// thresholds chosen for that mean (<see cref="RunStages"/>). Null: one model, trained with <c>pretrain.seed</c>.
    /// </summary>
    public List<int>? EnsembleSeeds { get; init; }

    /// <summary>Whether the run is an ensemble of <see cref="EnsembleSeeds"/>.</summary>
    [JsonIgnore]
    public bool IsEnsemble => EnsembleSeeds is { Count: > 0 };

    /// <summary>The recipe of the ensemble's member trained with <paramref name="seed"/>: this one as a single model.</summary>
    public TrainerConfig Member(int seed) => this with { EnsembleSeeds = null, Pretrain = Pretrain with { Seed = seed } };

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
        if (RhythmFeatureSet is { } set && !CGDmer.Signal.Beats.RhythmFeatures.IsKnown(set))
            throw new InvalidDataException($"Config '{source}': rhythmFeatureSet '{set}' is not a set this build computes ({CGDmer.Signal.Beats.RhythmFeatures.KnownList}).");
        if (Probe.HeadHidden < 0) throw new InvalidDataException($"Config '{source}': probe.headHidden must be 0 (linear heads) or a positive width, not {Probe.HeadHidden}.");
        if (!Evaluation.FindingThresholds.Populations.Contains(ThresholdPopulation))
            throw new InvalidDataException($"Config '{source}': thresholdPopulation '{ThresholdPopulation}' is not one of {string.Join(", ", Evaluation.FindingThresholds.Populations)}.");
        foreach (var key in Probe.OwnLayerLabels ?? [])
            if (!Labels.Contains(key))
                throw new InvalidDataException($"Config '{source}': probe.ownLayerLabels names '{key}', which is not among the labels.");
        if (Probe.OwnLayerWidth < 0)
            throw new InvalidDataException($"Config '{source}': probe.ownLayerWidth must be 0 (probe.headHidden's) or a positive width, not {Probe.OwnLayerWidth}.");
        if (Probe.OwnLayerLabels is { Count: > 0 } && Probe.HeadHidden <= 0 && Probe.OwnLayerWidth <= 0)
            throw new InvalidDataException($"Config '{source}': probe.ownLayerLabels needs probe.ownLayerWidth or probe.headHidden (the own layer's width).");
        if (Probe.OwnLayerTraining is not (ProbeOptions.OwnLayerWithEncoder or ProbeOptions.OwnLayerOnFrozenModel))
            throw new InvalidDataException($"Config '{source}': probe.ownLayerTraining '{Probe.OwnLayerTraining}' is not {ProbeOptions.OwnLayerWithEncoder} or {ProbeOptions.OwnLayerOnFrozenModel}.");
        if (Probe.OwnLayerTraining == ProbeOptions.OwnLayerOnFrozenModel && Probe.OwnLayerLabels is not { Count: > 0 })
            throw new InvalidDataException($"Config '{source}': probe.ownLayerTraining '{ProbeOptions.OwnLayerOnFrozenModel}' trains the heads of probe.ownLayerLabels, and it names none.");
        if (Probe.OwnLayerEpochs < 1)
            throw new InvalidDataException($"Config '{source}': probe.ownLayerEpochs must be at least 1, not {Probe.OwnLayerEpochs}.");
        if (Probe.AverageLastEpochs < 0 || Probe.AverageLastEpochs > Math.Max(1, Probe.Epochs))
            throw new InvalidDataException($"Config '{source}': probe.averageLastEpochs must be between 0 and probe.epochs ({Probe.Epochs}), not {Probe.AverageLastEpochs}.");
        if (Probe.PoolHandheldRecordings && Probe.Mode != "finetune")
            throw new InvalidDataException($"Config '{source}': probe.poolHandheldRecordings pools the windows' logits while the encoder trains; it needs probe.mode finetune, not {Probe.Mode}.");
        if (Probe.BedsideContext && !RhythmFeatures)
            throw new InvalidDataException($"Config '{source}': probe.bedsideContext enters through the rhythm layer; it needs rhythmFeatures.");
        if (Probe.EncoderLearningRateScale is not (> 0 and <= 1))
            throw new InvalidDataException($"Config '{source}': probe.encoderLearningRateScale must be above 0 and at most 1, not {Probe.EncoderLearningRateScale}.");
        try { _ = Data.SingleLeadCopyLeads; }
        catch (InvalidDataException e) { throw new InvalidDataException($"Config '{source}': {e.Message}"); }
        foreach (var (name, count) in Probe.SourceRepeats ?? [])
        {
            if (!WindowSources.All.Contains(name))
                throw new InvalidDataException($"Config '{source}': probe.sourceRepeats names '{name}', which is not a source ({string.Join(", ", WindowSources.All)}).");
            if (count is < 1 or > ProbeOptions.MaxSourceRepeats)
                throw new InvalidDataException($"Config '{source}': probe.sourceRepeats.{name} must be 1 to {ProbeOptions.MaxSourceRepeats}, not {count}.");
        }
        if (Pretrain.ReportRepeats is < 1 or > 20)
            throw new InvalidDataException($"Config '{source}': pretrain.reportRepeats must be between 1 and 20, not {Pretrain.ReportRepeats}.");
        if (EnsembleSeeds is { } seeds && (seeds.Count < 2 || seeds.Distinct().Count() != seeds.Count))
            throw new InvalidDataException($"Config '{source}': ensembleSeeds must name two or more distinct seeds, not [{string.Join(", ", seeds)}].");
        if (Pretrain.BatchSize < 2) throw new InvalidDataException($"Config '{source}': pretrain.batchSize must be at least 2 (contrastive pairs).");
        if (Data.MitBih?.Dir is { } d && !Directory.Exists(d))
            throw new InvalidDataException($"Config '{source}': data.mitBih.dir '{d}' does not exist.");
        if (Data.MitBih is { FoldsFile: { } ff } mb2)
        {
            if (!File.Exists(ff)) throw new InvalidDataException($"Config '{source}': data.mitBih.foldsFile '{ff}' does not exist.");
            if (mb2.Fold is null) throw new InvalidDataException($"Config '{source}': data.mitBih.fold is required with data.mitBih.foldsFile.");
        }
        if (Data.Cinc2017 is { } c)
        {
            if (!File.Exists(Path.Combine(c.Dir, "REFERENCE.csv"))) throw new InvalidDataException($"Config '{source}': data.cinc2017.dir '{c.Dir}' has no REFERENCE.csv.");
            foreach (var f in new[] { c.TestList, c.ValidationList })
                if (!File.Exists(f)) throw new InvalidDataException($"Config '{source}': data.cinc2017 split list '{f}' does not exist.");
        }
        if (Data.Aftdb is { } a)
        {
            if (!Directory.Exists(a.Dir)) throw new InvalidDataException($"Config '{source}': data.aftdb.dir '{a.Dir}' does not exist.");
            if (!File.Exists(a.SplitFile)) throw new InvalidDataException($"Config '{source}': data.aftdb.splitFile '{a.SplitFile}' does not exist.");
        }
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
    public Cinc2017Data? Cinc2017 { get; init; }
    public AftdbData? Aftdb { get; init; }

    /// <summary>
    /// Leads (e.g. <c>["II"]</c>, or <c>["all"]</c>: each lead of the record) on which each bedside training record
    /// (MIT-BIH, AFTDB; validation and test ones never) also trains alone, as a two-lead monitor sends it with its other
    /// lead off (or a one-lead monitor). Without them the model has seen bedside windows only as II with V1, and reads a
    /// lead-off window as another rhythm. Empty: none.
    /// </summary>
    public List<string> SingleLeadCopies { get; init; } = [];

    /// <summary><see cref="SingleLeadCopies"/> as leads; null for "all".</summary>
    [JsonIgnore]
    public IReadOnlyList<Lead>? SingleLeadCopyLeads => SingleLeadCopies is ["all"] ? null : SingleLeadCopies.Select(n => Leads.TryParse(n, out var l) ? l
        : throw new InvalidDataException($"data.singleLeadCopies names '{n}', which is not an ECG lead (or \"all\" alone).")).ToList();

    public DataConfig ResolvePaths(string baseDir) => this with
    {
        MitBih = MitBih is null ? null : MitBih with
        {
            Dir = Path.GetFullPath(Path.Combine(baseDir, MitBih.Dir)),
            FoldsFile = MitBih.FoldsFile is null ? null : Path.GetFullPath(Path.Combine(baseDir, MitBih.FoldsFile)),
        },
        Cinc2017 = Cinc2017 is null ? null : Cinc2017 with
        {
            Dir = Path.GetFullPath(Path.Combine(baseDir, Cinc2017.Dir)),
            TestList = Path.GetFullPath(Path.Combine(baseDir, Cinc2017.TestList)),
            ValidationList = Path.GetFullPath(Path.Combine(baseDir, Cinc2017.ValidationList)),
        },
        Aftdb = Aftdb is null ? null : Aftdb with
        {
            Dir = Path.GetFullPath(Path.Combine(baseDir, Aftdb.Dir)),
            SplitFile = Path.GetFullPath(Path.Combine(baseDir, Aftdb.SplitFile)),
        },
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
    /// <summary>A committed fold file (configs/splits/mitbih-ds1-folds.txt); with <see cref="Fold"/> it replaces the record lists above.</summary>
    public string? FoldsFile { get; init; }
    public int? Fold { get; init; }
}

/// <summary>PhysioNet/CinC 2017 recordings with committed test and validation record lists; every other record trains.</summary>
public sealed record Cinc2017Data
{
    public required string Dir { get; init; }
    public required string TestList { get; init; }
    public required string ValidationList { get; init; }
    public double StrideSeconds { get; init; } = 5;
    /// <summary>Use only every k-th training record (1 = all): for quick runs; test and validation stay whole.</summary>
    public int TrainEvery { get; init; } = 1;
}

/// <summary>AF Termination Challenge DB with a committed split file (role followed by records).</summary>
public sealed record AftdbData
{
    public required string Dir { get; init; }
    public required string SplitFile { get; init; }
    public double StrideSeconds { get; init; } = 5;
}

/// <summary>
/// A label is validated, and so may be published, when its AUROC on all held-out real patients together is at least
/// <see cref="MinAuroc"/> with the lower end of the patient-bootstrap 95 % CI at least <see cref="MinLowerBound"/>, over at
/// least <see cref="MinPatients"/> patients, and no single real source's AUROC is below <see cref="MinAuroc"/>.
/// </summary>
public sealed record ValidationBar
{
    public double MinAuroc { get; init; } = 0.90;
    public double MinLowerBound { get; init; } = 0.80;
    public int MinPatients { get; init; } = 5;
    /// <summary>Labels never validated by the network whatever their AUROC: they follow from the measured heart rate.</summary>
    public List<string> FromHeartRate { get; init; } = ["sinus_bradycardia", "sinus_tachycardia"];
}

public sealed record PtbXlData
{
    public required string Root { get; init; }
    public int? Limit { get; init; }
}
