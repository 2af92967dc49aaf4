using System.Text.Json;
using System.Text.Json.Serialization;
using CGDmer.Signal;

namespace CGDmer.Contracts.Model;

/// <summary>One classification output as described in the model metadata.</summary>
/// <param name="Validated">
/// Whether the label met the validation bar on held-out real patients (contract v3). A consumer must neither report an
/// unvalidated label as a present finding nor alert on it. Null in contract v2 files, which predate validation.
/// </param>
public sealed record LabelMetadata(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("snomed_ct")] string SnomedCt,
    [property: JsonPropertyName("display")] string Display,
    [property: JsonPropertyName("threshold")] double Threshold,
    [property: JsonPropertyName("validated"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Validated = null)
{
    /// <summary>Whether a consumer may report this label as present and alert on it: validated, or from a v2 file.</summary>
    [JsonIgnore]
    public bool MayBePublished => Validated ?? true;
}

/// <summary>
/// The metadata keys stored in the exported ONNX file (see schemas/model-contract.md). The streaming service reads
/// labels, rate, window, lead order and preprocessing from here and nowhere else.
/// </summary>
public sealed record ModelMetadata
{
    /// <summary>
    /// Version 3: labels say whether they were validated on held-out real patients, and the graph may take the window's
    /// beat-interval features (<see cref="RhythmFeaturesInput"/>, named by <see cref="RhythmFeatures"/>). Version 2 (still
    /// read): a dynamic lead axis with <see cref="LeadIdsInput"/>; version 1 always took all 12 rows.
    /// </summary>
    public const string ContractVersion = "3";
    /// <summary>The contract versions this build reads.</summary>
    public static IReadOnlyList<string> ReadableContractVersions { get; } = ["2", "3"];
    public const string Prefix = "cgdmer.";

    /// <summary>Graph input: float32 [batch, leads, window_samples], preprocessed millivolts; row r is lead <c>lead_ids[r]</c>.</summary>
    public const string EcgInput = "ecg";
    /// <summary>Graph input: float32 [batch, leads], 1 = the row's lead is present in the window.</summary>
    public const string LeadMaskInput = "lead_mask";
    /// <summary>
    /// Graph input: int64 [leads], the lead of each row of <see cref="EcgInput"/> as its index in <see cref="LeadOrder"/>
    /// (0..11 for the 12 standard leads); one lead set for the whole batch, no repeats.
    /// </summary>
    public const string LeadIdsInput = "lead_ids";
    /// <summary>
    /// Optional graph input (contract v3): float32 [batch, features], the window's beat-interval features computed as the
    /// identifier in <see cref="RhythmFeatures"/> defines; present exactly when that key names a feature set.
    /// </summary>
    public const string RhythmFeaturesInput = "rhythm_features";
    /// <summary>Value of <see cref="RhythmFeatures"/> for a graph without rhythm input.</summary>
    public const string NoRhythmFeatures = "none";
    /// <summary>Graph output: float32 [batch, labels], sigmoid probabilities in <see cref="Labels"/> order.</summary>
    public const string ProbabilitiesOutput = "probabilities";
    /// <summary>Graph output: float32 [batch, embedding_dim].</summary>
    public const string EmbeddingOutput = "embedding";
    /// <summary>Optional graph output: float32 [batch, zero-shot prompts].</summary>
    public const string ZeroShotOutput = "zero_shot_scores";

    public required string ModelName { get; init; }
    public required string ModelVersion { get; init; }
    public required IReadOnlyList<LabelMetadata> Labels { get; init; }
    public required int SampleRateHz { get; init; }
    public required int WindowSamples { get; init; }
    public IReadOnlyList<string> LeadOrder { get; init; } = Leads.StandardOrder.Select(Leads.Name).ToArray();
    public string Units { get; init; } = "mV";
    public required string Preprocessing { get; init; }
    /// <summary>What the graph itself does to the input before the patch projection.</summary>
    public string Normalisation { get; init; } = "none: the graph takes preprocessed millivolts as they are";
    public required int EmbeddingDim { get; init; }
    public IReadOnlyList<string>? ZeroShotLabels { get; init; }
    public string Objective { get; init; } = "full";
    /// <summary>Identifier of the beat-interval feature set fed to <see cref="RhythmFeaturesInput"/>, or <see cref="NoRhythmFeatures"/>.</summary>
    public string RhythmFeatures { get; init; } = NoRhythmFeatures;
    /// <summary>The contract version of the file this was read from (written files are always <see cref="ContractVersion"/>).</summary>
    public string SourceContractVersion { get; init; } = ContractVersion;
    public bool HasRhythmInput => RhythmFeatures != NoRhythmFeatures;
    public string TrainingData { get; init; } = "{}";
    public string Metrics { get; init; } = "{}";
    public string CreatedUtc { get; init; } = DateTime.UtcNow.ToString("O");

    public IReadOnlyDictionary<string, string> ToProperties() => new Dictionary<string, string>
    {
        [Prefix + "contract_version"] = ContractVersion,
        [Prefix + "model_name"] = ModelName,
        [Prefix + "model_version"] = ModelVersion,
        [Prefix + "labels"] = JsonSerializer.Serialize(Labels),
        [Prefix + "sample_rate_hz"] = SampleRateHz.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [Prefix + "window_samples"] = WindowSamples.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [Prefix + "lead_order"] = JsonSerializer.Serialize(LeadOrder),
        [Prefix + "units"] = Units,
        [Prefix + "preprocessing"] = Preprocessing,
        [Prefix + "normalisation"] = Normalisation,
        [Prefix + "embedding_dim"] = EmbeddingDim.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [Prefix + "zero_shot_labels"] = JsonSerializer.Serialize(ZeroShotLabels ?? []),
        [Prefix + "objective"] = Objective,
        [Prefix + "rhythm_features"] = RhythmFeatures,
        [Prefix + "training_data"] = TrainingData,
        [Prefix + "metrics"] = Metrics,
        [Prefix + "created_utc"] = CreatedUtc,
    };

    /// <summary>Parses the metadata map of an ONNX file; a missing or malformed key is an error that names the key.</summary>
    public static ModelMetadata FromProperties(IReadOnlyDictionary<string, string> p, string source)
    {
        string Get(string key) => p.TryGetValue(Prefix + key, out var v)
            ? v : throw new InvalidDataException($"Model '{source}' lacks metadata key '{Prefix + key}' (see schemas/model-contract.md).");
        int GetInt(string key) => int.TryParse(Get(key), System.Globalization.CultureInfo.InvariantCulture, out var v) && v > 0
            ? v : throw new InvalidDataException($"Model '{source}': metadata '{Prefix + key}' must be a positive integer, got '{Get(key)}'.");
        T GetJson<T>(string key) where T : class
        {
            try { return JsonSerializer.Deserialize<T>(Get(key)) ?? throw new JsonException("null"); }
            catch (JsonException e) { throw new InvalidDataException($"Model '{source}': metadata '{Prefix + key}' is not valid JSON: {e.Message}"); }
        }
        var contract = Get("contract_version");
        if (!ReadableContractVersions.Contains(contract))
            throw new InvalidDataException(
                $"Model '{source}' follows model contract version {contract}; this build reads versions {string.Join(" and ", ReadableContractVersions)}.");
        bool v2 = contract == "2";
        var labels = GetJson<List<LabelMetadata>>("labels");
        if (!v2)
            foreach (var l in labels)
                if (l.Validated is null)
                    throw new InvalidDataException($"Model '{source}': label '{l.Key}' in '{Prefix}labels' lacks 'validated' (required from contract version 3).");
        if (v2) labels = labels.Select(l => l with { Validated = null }).ToList();
        return new ModelMetadata
        {
            ModelName = Get("model_name"),
            ModelVersion = Get("model_version"),
            Labels = labels,
            SampleRateHz = GetInt("sample_rate_hz"),
            WindowSamples = GetInt("window_samples"),
            LeadOrder = GetJson<List<string>>("lead_order"),
            Units = Get("units"),
            Preprocessing = Get("preprocessing"),
            Normalisation = Get("normalisation"),
            EmbeddingDim = GetInt("embedding_dim"),
            ZeroShotLabels = GetJson<List<string>>("zero_shot_labels"),
            Objective = Get("objective"),
            RhythmFeatures = v2 ? NoRhythmFeatures : Get("rhythm_features"),
            SourceContractVersion = contract,
            TrainingData = Get("training_data"),
            Metrics = Get("metrics"),
            CreatedUtc = Get("created_utc"),
        };
    }
}
