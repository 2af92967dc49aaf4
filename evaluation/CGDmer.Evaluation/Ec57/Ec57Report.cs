using System.Text.Json;
using System.Text.Json.Serialization;

namespace CGDmer.Evaluation.Ec57;

/// <summary>
/// An EC57 evaluation over a set of records: the options it ran with and whichever of the beat-by-beat, heart-rate and
/// episode comparisons were made, each per record with gross and average statistics. Serialises to JSON as is.
/// </summary>
public sealed record Ec57Report(Ec57Options Options, BeatByBeatSummary? Beats, HeartRateSummary? HeartRate, IReadOnlyList<EpisodeSummary> Episodes)
{
    /// <summary>camelCase, indented; undefined statistics are null.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static Ec57Report FromJson(string json) =>
        JsonSerializer.Deserialize<Ec57Report>(json, JsonOptions) ?? throw new JsonException("The JSON holds no EC57 report (it is null).");

    /// <summary>The report on per-record results; pass null or nothing for a comparison that was not made.</summary>
    public static Ec57Report Create(Ec57Options? options, IEnumerable<BeatByBeatResult>? beats = null,
        IEnumerable<HeartRateResult>? heartRates = null, IEnumerable<EpisodeResult>? episodes = null) =>
        new(options ?? Ec57Options.Default,
            beats is null ? null : BeatByBeatSummary.Of(beats),
            heartRates is null ? null : HeartRateSummary.Of(heartRates),
            episodes is null ? [] : episodes.GroupBy(e => e.Rhythm).Select(g => EpisodeSummary.Of(g.Key, g)).ToList());
}
