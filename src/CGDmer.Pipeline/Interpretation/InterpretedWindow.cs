using CGDmer.Contracts.Model;
using CGDmer.Pipeline.Inference;

namespace CGDmer.Pipeline.Interpretation;

/// <summary>What decides whether a label is a present finding (see <see cref="Interpreter"/>).</summary>
public enum FindingBasis
{
    /// <summary>The model: probability at or above the label's threshold (and the winning rhythm when it is an exclusive one).</summary>
    Model,
    /// <summary>
    /// The measured heart rate while the window is in sinus rhythm (<see cref="InterpretationOptions.HeartRateFindings"/>):
    /// sinus bradycardia and tachycardia, whatever the model's probability or validation.
    /// </summary>
    HeartRate,
    /// <summary>
    /// Not validated on held-out real patients (<see cref="LabelMetadata.MayBePublished"/> false): never a present finding,
    /// never an alert; its probability is still reported.
    /// </summary>
    Withheld,
}

/// <summary>
/// One label of the model for one window: its probability and whether it is a present finding, as decided by
/// <paramref name="Basis"/> (for <see cref="FindingBasis.Model"/>: whether it passes the label's threshold).
/// </summary>
/// <param name="Unconfirmed">The window alone would make it present, but its alert's persistence has not confirmed it
/// yet (<see cref="InterpretationOptions.ConfirmAlertingFindings"/>): not present, reported as indeterminate.</param>
public sealed record Finding(LabelMetadata Label, float Probability, bool Present, FindingBasis Basis = FindingBasis.Model,
                             bool Unconfirmed = false);

/// <summary>
/// A window after the interpret stage: per-label findings (empty when the window had no probabilities or clinical
/// interpretation was suppressed for poor signal) and the alert events this window caused (onset, update, end), both
/// clinical and technical. Input of the publish stage.
/// </summary>
/// <param name="Findings">One entry per model label, in the model's order (empty when there is nothing to report), as
/// published: an alerting label's finding is present only when its persistence confirms it.</param>
/// <param name="ClinicalSuppressedReason">Why findings were withheld although the model ran (e.g. "poor_signal"), else null.</param>
public sealed record InterpretedWindow(
    AnalyzedWindow Analyzed,
    IReadOnlyList<Finding> Findings,
    IReadOnlyList<AlertEvent> Alerts,
    string? ClinicalSuppressedReason = null)
{
    /// <summary>The patient's alert state as this window changed it, for a transport that stores checkpoints; else null.</summary>
    public AlertCheckpoint? Checkpoint { get; init; }

    /// <summary>The present findings (those that pass their thresholds, or follow from the heart rate; never withheld ones).</summary>
    public IEnumerable<Finding> PresentFindings => Findings.Where(f => f.Present);
}
