using CGDmer.Contracts.Model;
using CGDmer.Pipeline.Inference;

namespace CGDmer.Pipeline.Interpretation;

/// <summary>One label of the model for one window: its probability and whether it passes the label's threshold.</summary>
public sealed record Finding(LabelMetadata Label, float Probability, bool Present);

/// <summary>
/// A window after the interpret stage: per-label findings (empty when the window had no probabilities or clinical
/// interpretation was suppressed for poor signal) and the alert events this window caused (onset, update, end), both
/// clinical and technical. Input of the publish stage.
/// </summary>
/// <param name="Findings">One entry per model label, in the model's order (empty when there is nothing to report).</param>
/// <param name="ClinicalSuppressedReason">Why findings were withheld although the model ran (e.g. "poor_signal"), else null.</param>
public sealed record InterpretedWindow(
    AnalyzedWindow Analyzed,
    IReadOnlyList<Finding> Findings,
    IReadOnlyList<AlertEvent> Alerts,
    string? ClinicalSuppressedReason = null)
{
    /// <summary>The findings that pass their thresholds.</summary>
    public IEnumerable<Finding> PresentFindings => Findings.Where(f => f.Present);
}
