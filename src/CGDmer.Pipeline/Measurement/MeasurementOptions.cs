using CGDmer.Signal.Beats;

namespace CGDmer.Pipeline.Measurement;

/// <summary>
/// Settings of the measure stage (bound from the <c>Measurement</c> configuration section by the host). The settings,
/// their defaults and their validation are those of <see cref="BeatMeasurementOptions"/> (the signal-domain measurement
/// the stage runs, shared with the trainer); this type keeps the stage's name and binding.
/// </summary>
public sealed record MeasurementOptions : BeatMeasurementOptions
{
    /// <summary>Checks the options; throws <see cref="ArgumentException"/> naming the first bad option.</summary>
    public new MeasurementOptions Validate()
    {
        base.Validate();
        return this;
    }
}
