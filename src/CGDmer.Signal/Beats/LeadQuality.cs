namespace CGDmer.Signal.Beats;

/// <summary>
/// The signal quality of one lead of one window and the indices it is made of (see <see cref="BeatMeasurer"/> for the
/// formula). Kept with its parts so that reports and tests can tell why a lead was judged poor.
/// </summary>
/// <param name="Sqi">Combined index 0 (unusable) .. 1 (clean).</param>
/// <param name="Flat">The lead is a flat line (robust range below <see cref="BeatMeasurementOptions.FlatLineRangeMv"/>).</param>
/// <param name="RangeMv">Robust amplitude range, 99th minus 1st percentile, mV.</param>
/// <param name="SaturatedFraction">Fraction of samples beyond ±<see cref="BeatMeasurementOptions.SaturationMv"/> in flat runs at the window's extremes (clipping), or in still stretches of a second or more (railed / disconnected part of the window).</param>
/// <param name="BeatAgreement">bSQI: matched beats of the two detectors / beats found by either (0 when neither found any).</param>
/// <param name="QrsPowerRatio">pSQI: power 5–15 Hz / power above 5 Hz.</param>
/// <param name="BaselinePowerRatio">Power below 1 Hz / total power (residual baseline wander after the 0.5 Hz high-pass).</param>
/// <param name="Kurtosis">Sample kurtosis (Gaussian noise 3; clean ECG well above 5).</param>
/// <param name="PlausibleRhythm">The primary detector found ≥ 2 beats at a plausible rate.</param>
/// <param name="BeatCount">Beats found by the primary detector.</param>
public readonly record struct LeadQuality(
    double Sqi,
    bool Flat,
    double RangeMv,
    double SaturatedFraction,
    double BeatAgreement,
    double QrsPowerRatio,
    double BaselinePowerRatio,
    double Kurtosis,
    bool PlausibleRhythm,
    int BeatCount)
{
    /// <summary>Quality of an absent or unreadable lead.</summary>
    public static LeadQuality Unusable => new(0, true, 0, 0, 0, 0, 0, 0, false, 0);
}
