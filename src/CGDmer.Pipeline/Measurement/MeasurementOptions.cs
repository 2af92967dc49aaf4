using CGDmer.Signal.Beats;

namespace CGDmer.Pipeline.Measurement;

/// <summary>
/// Settings of the measure stage (bound from the <c>Measurement</c> configuration section by the host). The settings,
/// their defaults and their validation are those of <see cref="BeatMeasurementOptions"/> (the signal-domain measurement
/// the stage runs, shared with the trainer); this type keeps the stage's name and binding.
/// </summary>
public sealed record MeasurementOptions : BeatMeasurementOptions
{
    /// <summary>
    /// Peak-to-peak amplitude (mV) under which a stretch of a lead shows no ventricular activity a QRS detector could have
    /// missed (<see cref="WindowMeasurement.SecondsQuiet"/>): asystole's evidence, apart from the beats. P waves stay
    /// under it; a QRS complex rises above it.
    /// </summary>
    public double QuietRangeMv { get; init; } = 0.5;

    /// <summary>Checks the options; throws <see cref="ArgumentException"/> naming the first bad option.</summary>
    public new MeasurementOptions Validate()
    {
        base.Validate();
        if (!(QuietRangeMv > 0 && QuietRangeMv <= 2))
            throw new ArgumentException($"{nameof(QuietRangeMv)} must be in (0, 2] mV (is {QuietRangeMv}).", nameof(QuietRangeMv));
        return this;
    }
}
