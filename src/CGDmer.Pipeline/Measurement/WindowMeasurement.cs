using CGDmer.Pipeline.Windowing;
using CGDmer.Signal;

namespace CGDmer.Pipeline.Measurement;

/// <summary>
/// What signal processing (independent of the model) measured in one window: beats, heart rate, RR irregularity and a
/// signal quality index. Output of the measure stage.
/// </summary>
/// <param name="BeatSamples">QRS positions of the analysis lead, sample indices within the window at the model's rate, ascending (the model's rhythm features read these).</param>
/// <param name="HeartRateBpm">Mean heart rate over the window (60 / mean RR) of the fused beats (<see cref="FusedBeatSamples"/>), or null when fewer than two beats were found or the window is not analyzable.</param>
/// <param name="RrIrregularity">Irregularity of the RR intervals (see the measure stage for its definition), or null with fewer than three beats.</param>
/// <param name="SignalQuality">Signal quality index 0 (unusable) .. 1 (clean) of <paramref name="AnalysisLead"/>; 0 when no lead is present.</param>
/// <param name="AnalysisLead">The lead the beats were detected in, or null when none was usable.</param>
public sealed record WindowMeasurement(
    IReadOnlyList<int> BeatSamples,
    double? HeartRateBpm,
    double? RrIrregularity,
    double SignalQuality,
    Lead? AnalysisLead)
{
    /// <summary>
    /// bSQI of the analysis lead (<see cref="CGDmer.Signal.Beats.LeadQuality.BeatAgreement"/>: agreement of
    /// the two QRS detectors), 0 when no lead was usable. With the beats and the signal quality, what
    /// <see cref="CGDmer.Signal.Beats.RhythmFeatures"/> needs.
    /// </summary>
    public double BeatAgreement { get; init; }

    /// <summary>
    /// Each present, non-flat lead's beats at the window's end (in row order): the rate a bedside monitor would show there
    /// (the last 8 RR intervals within 8 s, trimmed, as <see cref="CGDmer.Signal.Beats.BeatToBeatHeartRate"/> averages them), the
    /// time since its last beat, and its quality. What the heart-rate alarms read; empty when no lead was usable.
    /// </summary>
    public IReadOnlyList<CGDmer.Signal.Beats.LeadRateAtEnd> LeadRates { get; init; } = [];

    /// <summary>
    /// <see cref="BeatSamples"/> with the beats the analysis lead missed that another good lead found (lead fusion,
    /// <see cref="CGDmer.Signal.Beats.BeatMeasurement.FusedBeats"/>); the same list when no lead added one.
    /// </summary>
    public IReadOnlyList<int> FusedBeatSamples { get; init; } = [];

    /// <summary>Every present lead of an analyzable window is a flat line (leads attached, no electrical activity): asystole evidence.</summary>
    public bool IsFlatLine { get; init; }

    /// <summary>
    /// How long before the window's end every present lead stayed within <see cref="MeasurementOptions.QuietRangeMv"/>
    /// peak to peak (0 when the last sample breaks it): with no beat over the same stretch, asystole rather than a QRS
    /// the detector missed or noise.
    /// </summary>
    public double SecondsQuiet { get; init; }

    /// <summary>The measurement of a window without usable signal.</summary>
    public static WindowMeasurement None { get; } = new([], null, null, 0, null);

    /// <summary>The measurement of an analyzable window whose present leads are all flat lines.</summary>
    public static WindowMeasurement FlatLine(double windowSeconds) => new([], null, null, 0, null) { IsFlatLine = true, SecondsQuiet = windowSeconds };
}

/// <summary>A window with its measurement: output of the measure stage, input of the batch stage.</summary>
public sealed record MeasuredWindow(EcgWindow Window, WindowMeasurement Measurement)
{
    /// <summary>The model's rhythm features of the window, where the measure stage computed them (null otherwise: the infer stage does).</summary>
    public RhythmInput? Rhythm { get; init; }
}
