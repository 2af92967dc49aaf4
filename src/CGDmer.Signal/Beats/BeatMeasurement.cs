namespace CGDmer.Signal.Beats;

/// <summary>
/// What <see cref="BeatMeasurer.Measure"/> found in one window: the analysis lead (as a row of the rows it was given),
/// its beats, heart rate, RR irregularity and signal quality. <see cref="None"/> when no present lead was usable.
/// </summary>
/// <param name="AnalysisRow">Row of the analysis lead in the measured rows, or −1 when no present lead was usable.</param>
/// <param name="Beats">QRS positions of the analysis lead, sample indices within the window, ascending; empty when none. A new array for each measurement (empty ones shared).</param>
/// <param name="HeartRateBpm">60 / mean RR of <paramref name="Beats"/>, or null with fewer than two beats.</param>
/// <param name="RrIrregularity">Pattern-tolerant RR irregularity of <paramref name="Beats"/> (<see cref="BeatMeasurer.RrIrregularity(ReadOnlySpan{int})"/>), or null with fewer than three beats.</param>
/// <param name="SignalQuality">SQI 0 (unusable) .. 1 (clean) of the analysis lead; 0 when none.</param>
/// <param name="Quality">The analysis lead's quality and its parts; <see cref="LeadQuality.Unusable"/> when none.</param>
public readonly record struct BeatMeasurement(
    int AnalysisRow,
    int[] Beats,
    double? HeartRateBpm,
    double? RrIrregularity,
    double SignalQuality,
    LeadQuality Quality)
{
    /// <summary>bSQI of the analysis lead (<see cref="LeadQuality.BeatAgreement"/>): agreement of the two QRS detectors, 0 when none.</summary>
    public double BeatAgreement => Quality.BeatAgreement;

    /// <summary>
    /// Every present, non-flat lead's rate at the window's end and its quality (in row order), so that an alarm can ask
    /// whether the leads agree; empty when none. The analysis lead's entry is the one at <see cref="AnalysisRow"/>.
    /// </summary>
    public LeadRateAtEnd[] LeadRates { get; init; } = [];

    /// <summary>
    /// <see cref="Beats"/> with the beats it missed that another good lead found (<c>BeatMeasurer</c>'s lead fusion),
    /// sample indices within the window, ascending; the same array as <see cref="Beats"/> when no lead added one.
    /// </summary>
    public int[] FusedBeats { get; init; } = [];

    /// <summary>Whether a present lead was usable (<see cref="AnalysisRow"/> ≥ 0).</summary>
    public bool HasAnalysisLead => AnalysisRow >= 0;

    /// <summary>The measurement of a window without a usable present lead.</summary>
    public static BeatMeasurement None => new(-1, [], null, null, 0, LeadQuality.Unusable);
}

/// <summary>One lead's beats at the end of a window, as a bedside monitor's rate and asystole alarms read them.</summary>
/// <param name="Row">The lead's row in the measured rows.</param>
/// <param name="RateAtEndBpm">The rate shown at the window's end (<see cref="BeatToBeatHeartRate.RateAt"/>), null when blanked or before two beats.</param>
/// <param name="SecondsSinceLastBeat">From the lead's last beat (the window's start without one) to the window's end.</param>
/// <param name="Sqi">The lead's signal quality index.</param>
/// <param name="BeatAgreement">The lead's bSQI: how well the two detectors agree on its beats.</param>
public readonly record struct LeadRateAtEnd(int Row, double? RateAtEndBpm, double SecondsSinceLastBeat, double Sqi, double BeatAgreement);
