using CGDmer.Contracts.Model;
using CGDmer.Pipeline.Inference;
using CGDmer.Pipeline.Windowing;

namespace CGDmer.Pipeline.Interpretation;

/// <summary>Whether a window may count for or against a clinical alert.</summary>
public enum ClinicalEvidence
{
    /// <summary>Analyzable, good signal quality, valid probabilities: findings are reported and clinical alerts move.</summary>
    Usable,
    /// <summary>The window had no signal (window status NoSignal).</summary>
    NoSignal,
    /// <summary>Analyzable, but the signal quality index is below the limit: findings are withheld.</summary>
    PoorSignal,
    /// <summary>No (valid) probabilities: inference failed or returned something that does not fit the labels.</summary>
    Unavailable,
}

/// <summary>The stateless part of interpreting one window: its findings and whether they count clinically.</summary>
/// <param name="Findings">One per model label in the model's order when <paramref name="Evidence"/> is Usable, else empty.</param>
/// <param name="SuppressedReason">A <see cref="SuppressionReasons"/> value when findings were withheld for a reason the consumer should see.</param>
public sealed record WindowAssessment(IReadOnlyList<Finding> Findings, ClinicalEvidence Evidence, string? SuppressedReason)
{
    public bool IsClinicallyUsable => Evidence == ClinicalEvidence.Usable;
}

/// <summary>
/// One label as interpreted: model metadata plus the resolved onset and end thresholds and the alert priority (null:
/// never alerts).
/// </summary>
public sealed record LabelPolicy(int Index, LabelMetadata Label, double OnsetThreshold, double EndThreshold, AlertPriority? Priority);

/// <summary>
/// Turns a window's model probabilities into findings (one per label, present when probability ≥ the label's threshold)
/// and decides whether the window carries clinical evidence at all (see <see cref="InterpretationOptions"/> for the
/// rules). Stateless and thread-safe; the alert state lives in <see cref="AlertTracker"/>.
/// </summary>
public sealed class Interpreter
{
    private static readonly WindowAssessment NoSignalAssessment = new([], ClinicalEvidence.NoSignal, SuppressionReasons.NoSignal);
    private static readonly WindowAssessment PoorSignalAssessment = new([], ClinicalEvidence.PoorSignal, SuppressionReasons.PoorSignal);
    private static readonly WindowAssessment FailedAssessment = new([], ClinicalEvidence.Unavailable, null);
    private static readonly WindowAssessment InvalidAssessment = new([], ClinicalEvidence.Unavailable, SuppressionReasons.InvalidProbabilities);

    public Interpreter(ModelMetadata metadata, InterpretationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        Options = (options ?? new InterpretationOptions()).Validate();
        Metadata = metadata;
        if (metadata.Labels is null || metadata.Labels.Count == 0)
            throw new ArgumentException($"Model '{metadata.ModelName}' declares no labels.", nameof(metadata));
        var policies = new LabelPolicy[metadata.Labels.Count];
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < policies.Length; i++)
        {
            var label = metadata.Labels[i];
            if (!seen.Add(label.Key))
                throw new ArgumentException($"Model '{metadata.ModelName}' declares label '{label.Key}' twice.", nameof(metadata));
            double onset = Options.Thresholds.TryGetValue(label.Key, out var t) ? t : label.Threshold;
            if (!double.IsFinite(onset) || onset <= 0 || onset > 1)
                throw new ArgumentException($"Model '{metadata.ModelName}': threshold of '{label.Key}' must be in (0, 1], was {onset}.", nameof(metadata));
            AlertPriority? priority = null;
            if (Options.ClinicalAlerts.TryGetValue(label.Key, out var p)) InterpretationOptions.TryParsePriority(p, out priority);
            policies[i] = new LabelPolicy(i, label, onset, onset * Options.EndThresholdRatio, priority);
        }
        Policies = policies;
        _isRhythm = new bool[policies.Length];
        var rhythms = new HashSet<string>(Options.ExclusiveRhythms ?? [], StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < policies.Length; i++) _isRhythm[i] = rhythms.Contains(policies[i].Label.Key);
    }

    private readonly bool[] _isRhythm;

    /// <summary>
    /// Index of the rhythm label that wins the window (the most probable of the exclusive rhythms at or above its
    /// threshold), or −1 when none passes. See <see cref="InterpretationOptions.ExclusiveRhythms"/>.
    /// </summary>
    public int RhythmWinner(ReadOnlySpan<float> probabilities)
    {
        int winner = -1;
        for (int i = 0; i < probabilities.Length && i < _isRhythm.Length; i++)
            if (_isRhythm[i] && probabilities[i] >= Policies[i].OnsetThreshold && (winner < 0 || probabilities[i] > probabilities[winner]))
                winner = i;
        return winner;
    }

    /// <summary>Whether label <paramref name="index"/> is one of the mutually exclusive rhythms.</summary>
    public bool IsExclusiveRhythm(int index) => (uint)index < (uint)_isRhythm.Length && _isRhythm[index];

    public ModelMetadata Metadata { get; }
    public InterpretationOptions Options { get; }
    /// <summary>One per model label, in the model's order.</summary>
    public IReadOnlyList<LabelPolicy> Policies { get; }

    /// <summary>The findings of <paramref name="analyzed"/> and whether it counts clinically.</summary>
    public WindowAssessment Assess(AnalyzedWindow analyzed)
    {
        ArgumentNullException.ThrowIfNull(analyzed);
        if (analyzed.Window.Status == WindowStatus.NoSignal) return NoSignalAssessment;
        // !(q >= limit) also treats a NaN quality index as poor: an unmeasurable signal is not evidence.
        if (!(analyzed.Measurement.SignalQuality >= Options.PoorSignalQuality)) return PoorSignalAssessment;
        var probabilities = analyzed.Probabilities;
        if (probabilities is null) return FailedAssessment;
        if (probabilities.Length != Policies.Count) return InvalidAssessment;
        foreach (float p in probabilities)
            if (!(p >= 0f && p <= 1f)) return InvalidAssessment;

        var findings = new Finding[probabilities.Length];
        int rhythm = RhythmWinner(probabilities);
        for (int i = 0; i < findings.Length; i++)
        {
            var policy = Policies[i];
            bool present = probabilities[i] >= policy.OnsetThreshold && (!_isRhythm[i] || i == rhythm);
            findings[i] = new Finding(policy.Label, probabilities[i], present);
        }
        return new WindowAssessment(findings, ClinicalEvidence.Usable, null);
    }
}
