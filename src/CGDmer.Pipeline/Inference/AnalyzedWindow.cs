using CGDmer.Pipeline.Measurement;
using CGDmer.Pipeline.Windowing;

namespace CGDmer.Pipeline.Inference;

/// <summary>
/// A window after the infer stage: its measurement and, when it was analyzable, the model's probabilities (in the order of
/// the model's labels). The window's samples have been released.
/// </summary>
/// <param name="Probabilities">[labels] in <c>cgdmer.labels</c> order; null when the window was not analyzable or inference failed.</param>
/// <param name="InferenceFailure">Why the model could not run on an analyzable window (exception type and message, no patient data), else null.</param>
public sealed record AnalyzedWindow(EcgWindow Window, WindowMeasurement Measurement, float[]? Probabilities, string? InferenceFailure = null)
{
    /// <summary>The window's present leads, kept for an alarm's ECG strip (pooled; the publish stage releases it); null
    /// when the window did not reach the model or <see cref="InferOptions.KeepStrips"/> is off.</summary>
    public SignalStrip? Strip { get; init; }

    public bool HasProbabilities => Probabilities is not null;
}
