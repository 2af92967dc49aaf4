using CGDmer.Pipeline.Measurement;
using CGDmer.Pipeline.Windowing;

namespace CGDmer.Pipeline.Inference;

/// <summary>
/// A window after the infer stage: its measurement and, when it was analyzable, the model's probabilities (in the order of
/// the model's labels). The window's samples have been released.
/// </summary>
public sealed record AnalyzedWindow(EcgWindow Window, WindowMeasurement Measurement, float[]? Probabilities)
{
    public bool HasProbabilities => Probabilities is not null;
}
