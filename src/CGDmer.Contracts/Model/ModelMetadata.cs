using System.Text.Json;
using System.Text.Json.Serialization;
using CGDmer.Signal;

namespace CGDmer.Contracts.Model;

/// <summary>One classification output as described in the model metadata.</summary>
public sealed record LabelMetadata(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("snomed_ct")] string SnomedCt,
    [property: JsonPropertyName("display")] string Display,
    [property: JsonPropertyName("threshold")] double Threshold);

/// <summary>
/// The metadata keys stored in the exported ONNX file (see schemas/model-contract.md). The streaming service reads
/// labels, rate, window, lead order and preprocessing from here and nowhere else.
/// </summary>
public sealed record ModelMetadata
{
    /// <summary>
    /// Version 2: the graph's lead axis is dynamic and <see cref="LeadIdsInput"/> says which lead each row is, so a caller
    /// feeds only the leads it has (version 1 always took all 12 rows).
    /// </summary>
    public const string ContractVersion = "2";
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
        if (contract != ContractVersion)
            throw new InvalidDataException($"Model '{source}' follows model contract version {contract}; this build reads version {ContractVersion}.");
        return new ModelMetadata
        {
            ModelName = Get("model_name"),
            ModelVersion = Get("model_version"),
            Labels = GetJson<List<LabelMetadata>>("labels"),
            SampleRateHz = GetInt("sample_rate_hz"),
            WindowSamples = GetInt("window_samples"),
            LeadOrder = GetJson<List<string>>("lead_order"),
            Units = Get("units"),
            Preprocessing = Get("preprocessing"),
            Normalisation = Get("normalisation"),
            EmbeddingDim = GetInt("embedding_dim"),
            ZeroShotLabels = GetJson<List<string>>("zero_shot_labels"),
            Objective = Get("objective"),
            TrainingData = Get("training_data"),
            Metrics = Get("metrics"),
            CreatedUtc = Get("created_utc"),
        };
    }
}
