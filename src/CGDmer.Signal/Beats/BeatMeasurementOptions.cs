namespace CGDmer.Signal.Beats;

/// <summary>
/// Settings of <see cref="BeatMeasurer"/>. The defaults are the values the measurement was validated with on MIT-BIH
/// (see <see cref="BeatMeasurer"/>); change them only with a new validation run. The streaming service binds its
/// <c>Measurement</c> section to <c>CGDmer.Pipeline.Measurement.MeasurementOptions</c>, which derives from this record,
/// so training and service measure with the same settings and the same validation.
/// </summary>
public record BeatMeasurementOptions
{
    /// <summary>Lowest heart rate (bpm) taken as a plausible detection; below it the lead's beats are distrusted.</summary>
    public double MinPlausibleHeartRateBpm { get; init; } = 20;

    /// <summary>Highest heart rate (bpm) taken as plausible; above it the detections are most likely noise.</summary>
    public double MaxPlausibleHeartRateBpm { get; init; } = 300;

    /// <summary>Two detections of the same beat (two detectors, bSQI) are at most this far apart (Li et al. 2008: 150 ms).</summary>
    public double BeatMatchToleranceSeconds { get; init; } = 0.150;

    /// <summary>Robust amplitude range (mV, 1st–99th percentile) below which a lead is a flat line.</summary>
    public double FlatLineRangeMv { get; init; } = 0.05;

    /// <summary>Absolute amplitude (mV) no surface ECG reaches; samples beyond it are saturation, railing or artifact.</summary>
    public double SaturationMv { get; init; } = 5.0;

    /// <summary>
    /// A lead other than the analysis lead adds the beats the analysis lead missed (<see cref="BeatMeasurement.FusedBeats"/>)
    /// when its signal quality index is at least this.
    /// </summary>
    public double FusionMinSqi { get; init; } = 0.5;

    /// <summary>Checks the options; throws <see cref="ArgumentException"/> naming the first bad option.</summary>
    public BeatMeasurementOptions Validate()
    {
        var errors = Errors();
        if (errors.Count > 0) throw new ArgumentException(string.Join(" ", errors));
        return this;
    }

    /// <summary>All problems with the options, each naming its option; empty when valid.</summary>
    public IReadOnlyList<string> Errors()
    {
        var e = new List<string>();
        if (!(MinPlausibleHeartRateBpm > 0) || !double.IsFinite(MinPlausibleHeartRateBpm))
            e.Add($"{nameof(MinPlausibleHeartRateBpm)} must be a positive number of bpm (is {MinPlausibleHeartRateBpm}).");
        if (!(MaxPlausibleHeartRateBpm > MinPlausibleHeartRateBpm) || !double.IsFinite(MaxPlausibleHeartRateBpm))
            e.Add($"{nameof(MaxPlausibleHeartRateBpm)} must be finite and above {nameof(MinPlausibleHeartRateBpm)} (is {MaxPlausibleHeartRateBpm}).");
        else if (MaxPlausibleHeartRateBpm > 60 / 0.2)
            e.Add($"{nameof(MaxPlausibleHeartRateBpm)} must be at most 300 bpm: the detectors' 200 ms refractory period cannot see faster beats (is {MaxPlausibleHeartRateBpm}).");
        if (!(BeatMatchToleranceSeconds > 0 && BeatMatchToleranceSeconds <= 0.25))
            e.Add($"{nameof(BeatMatchToleranceSeconds)} must be in (0, 0.25] s (is {BeatMatchToleranceSeconds}).");
        if (!(FlatLineRangeMv >= 0) || !double.IsFinite(FlatLineRangeMv))
            e.Add($"{nameof(FlatLineRangeMv)} must be a non-negative number of mV (is {FlatLineRangeMv}).");
        if (!(FusionMinSqi >= 0 && FusionMinSqi <= 1))
            e.Add($"{nameof(FusionMinSqi)} must be in [0, 1] (is {FusionMinSqi}).");
        if (!(SaturationMv > FlatLineRangeMv) || !double.IsFinite(SaturationMv))
            e.Add($"{nameof(SaturationMv)} must be finite and above {nameof(FlatLineRangeMv)} (is {SaturationMv}).");
        return e;
    }
}
