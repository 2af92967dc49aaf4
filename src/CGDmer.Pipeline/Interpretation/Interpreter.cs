using CGDmer.Contracts.Model;
using CGDmer.Pipeline.Inference;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal;
using Microsoft.Extensions.Logging;

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
/// One label as interpreted: model metadata plus the resolved onset and end thresholds, the alert priority (null:
/// never alerts; always null for a <see cref="FindingBasis.Withheld"/> label) and what decides its presence.
/// </summary>
public sealed record LabelPolicy(int Index, LabelMetadata Label, double OnsetThreshold, double EndThreshold, AlertPriority? Priority,
                                 FindingBasis Basis = FindingBasis.Model);

/// <summary>
/// Turns a window's model probabilities into findings (one per label) and decides whether the window carries clinical
/// evidence at all (see <see cref="InterpretationOptions"/> for the rules). Stateless and thread-safe; the alert state
/// lives in <see cref="AlertTracker"/>.
/// </summary>
/// <remarks>
/// What makes a label present (<see cref="LabelPolicy.Basis"/>):
/// <list type="bullet">
/// <item><see cref="FindingBasis.Model"/>: probability ≥ the label's threshold, and for an exclusive rhythm only the most
/// probable one that passes (<see cref="RhythmWinner"/>).</item>
/// <item><see cref="FindingBasis.Withheld"/>: a label the model file marks as not validated on held-out real patients
/// (contract v3, <see cref="LabelMetadata.MayBePublished"/> false): never present and never alerts, whatever its
/// probability, which is still reported. It takes no part in rhythm arbitration either: the published findings are what
/// a model without that label would give. Contract v2 labels carry no flag and follow the model.</item>
/// <item><see cref="FindingBasis.HeartRate"/>: sinus bradycardia and tachycardia (<see cref="InterpretationOptions.HeartRateFindings"/>)
/// follow the measured heart rate when the window's sinus rhythm finding is present, whatever the model's probability
/// or validation for them; they take no part in rhythm arbitration (they qualify the sinus rhythm's rate, and appear
/// alongside it, as the training labels do).</item>
/// </list>
/// </remarks>
public sealed class Interpreter
{
    private static readonly WindowAssessment NoSignalAssessment = new([], ClinicalEvidence.NoSignal, SuppressionReasons.NoSignal);
    private static readonly WindowAssessment PoorSignalAssessment = new([], ClinicalEvidence.PoorSignal, SuppressionReasons.PoorSignal);
    private static readonly WindowAssessment FailedAssessment = new([], ClinicalEvidence.Unavailable, null);
    private static readonly WindowAssessment InvalidAssessment = new([], ClinicalEvidence.Unavailable, SuppressionReasons.InvalidProbabilities);

    /// <param name="logger">When given, the labels withheld as unvalidated and those that follow the heart rate are logged
    /// (once per call: the host passes one to the interpreter it builds at start-up).</param>
    public Interpreter(ModelMetadata metadata, InterpretationOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        Options = (options ?? new InterpretationOptions()).Validate();
        Metadata = metadata;
        if (metadata.Labels is null || metadata.Labels.Count == 0)
            throw new ArgumentException($"Model '{metadata.ModelName}' declares no labels.", nameof(metadata));
        var policies = new LabelPolicy[metadata.Labels.Count];
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var heartRate = new HashSet<string>(Options.HeartRateFindings, StringComparer.OrdinalIgnoreCase);
        _heartRateRule = new int[policies.Length];
        for (int i = 0; i < policies.Length; i++)
        {
            var label = metadata.Labels[i];
            if (!seen.Add(label.Key))
                throw new ArgumentException($"Model '{metadata.ModelName}' declares label '{label.Key}' twice.", nameof(metadata));
            double onset = Options.Thresholds.TryGetValue(label.Key, out var t) ? t : label.Threshold;
            if (!double.IsFinite(onset) || onset <= 0 || onset > 1)
                throw new ArgumentException($"Model '{metadata.ModelName}': threshold of '{label.Key}' must be in (0, 1], was {onset}.", nameof(metadata));
            var basis = heartRate.Contains(label.Key) ? FindingBasis.HeartRate
                : label.MayBePublished ? FindingBasis.Model
                : FindingBasis.Withheld;
            AlertPriority? priority = null;
            if (basis != FindingBasis.Withheld && Options.ClinicalAlerts.TryGetValue(label.Key, out var p))
                InterpretationOptions.TryParsePriority(p, out priority);
            policies[i] = new LabelPolicy(i, label, onset, onset * Options.EndThresholdRatio, priority, basis);
            if (basis == FindingBasis.HeartRate) _heartRateRule[i] = InterpretationOptions.HeartRateRuleOf(label.Key)!.Value;
            if (string.Equals(label.Key, EcgLabels.SinusRhythm.Key, StringComparison.OrdinalIgnoreCase)) SinusRhythmIndex = i;
        }
        Policies = policies;
        _isRhythm = new bool[policies.Length];
        var rhythms = new HashSet<string>(Options.ExclusiveRhythms ?? [], StringComparer.OrdinalIgnoreCase);
        // Only the model's own, publishable findings take part in arbitration.
        for (int i = 0; i < policies.Length; i++)
            _isRhythm[i] = rhythms.Contains(policies[i].Label.Key) && policies[i].Basis == FindingBasis.Model;

        if (logger is not null) LogPublication(logger);
    }

    private readonly bool[] _isRhythm;
    private readonly int[] _heartRateRule; // per label: −1 bradycardia, +1 tachycardia, 0 none

    /// <summary>Index of the sinus_rhythm label, or −1 when the model has none (then no heart-rate finding is ever present).</summary>
    public int SinusRhythmIndex { get; } = -1;

    /// <summary>Keys of the labels withheld as unvalidated (never present, never alerted), in model order.</summary>
    public IReadOnlyList<string> WithheldLabels => Policies.Where(p => p.Basis == FindingBasis.Withheld).Select(p => p.Label.Key).ToArray();

    /// <summary>Keys of the labels that follow the measured heart rate, in model order.</summary>
    public IReadOnlyList<string> HeartRateLabels => Policies.Where(p => p.Basis == FindingBasis.HeartRate).Select(p => p.Label.Key).ToArray();

    private void LogPublication(ILogger logger)
    {
        var withheld = WithheldLabels;
        if (withheld.Count > 0)
            logger.LabelsWithheld(Metadata.ModelName, Metadata.ModelVersion, withheld.Count, Policies.Count, string.Join(", ", withheld));
        else
            logger.NoLabelWithheld(Metadata.ModelName, Metadata.ModelVersion,
                Metadata.SourceContractVersion == "2" ? "contract version 2 labels carry no validation flag" : "every label is validated");
        var heartRate = HeartRateLabels;
        if (heartRate.Count > 0)
            logger.HeartRateLabels(
                string.Join(", ", heartRate), Options.BradycardiaBelowBpm, Options.TachycardiaAboveBpm,
                SinusRhythmIndex < 0 ? $"; the model has no {EcgLabels.SinusRhythm.Key} label, so they are never present"
                : Policies[SinusRhythmIndex].Basis == FindingBasis.Withheld ? $"; {EcgLabels.SinusRhythm.Key} is withheld, so they are never present" : "");
    }

    /// <summary>
    /// Index of the rhythm label that wins the window (the most probable of the exclusive rhythms at or above its
    /// threshold), or −1 when none passes. See <see cref="InterpretationOptions.ExclusiveRhythms"/>. Withheld and
    /// heart-rate labels never win.
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
        bool sinus = SinusRhythmIndex >= 0 && ModelPresent(SinusRhythmIndex, probabilities, rhythm);
        double? heartRate = analyzed.Measurement.HeartRateBpm;
        for (int i = 0; i < findings.Length; i++)
        {
            var policy = Policies[i];
            bool present = policy.Basis switch
            {
                FindingBasis.Model => ModelPresent(i, probabilities, rhythm),
                FindingBasis.HeartRate => sinus && HeartRateMatches(_heartRateRule[i], heartRate),
                _ => false,
            };
            findings[i] = new Finding(policy.Label, probabilities[i], present, policy.Basis);
        }
        return new WindowAssessment(findings, ClinicalEvidence.Usable, null);
    }

    /// <summary>A model-based label's presence: at or above its threshold, and the winner if it is an exclusive rhythm.</summary>
    private bool ModelPresent(int i, ReadOnlySpan<float> probabilities, int rhythm) =>
        Policies[i].Basis == FindingBasis.Model && probabilities[i] >= Policies[i].OnsetThreshold && (!_isRhythm[i] || i == rhythm);

    /// <summary>
    /// Whether rate label <paramref name="index"/> is absent but its rate within the hysteresis band of its limit (e.g. 60
    /// to 65 /min for bradycardia): such a window neither starts nor ends the rate alert.
    /// </summary>
    public bool WithinHeartRateHysteresis(int index, double? bpm)
    {
        if ((uint)index >= (uint)_heartRateRule.Length || Policies[index].Basis != FindingBasis.HeartRate) return false;
        if (bpm is not { } hr || !double.IsFinite(hr) || hr <= 0) return false;
        int rule = _heartRateRule[index];
        double h = Options.HeartRateHysteresisBpm;
        return rule < 0 ? hr >= Options.BradycardiaBelowBpm && hr < Options.BradycardiaBelowBpm + h
             : rule > 0 && hr <= Options.TachycardiaAboveBpm && hr > Options.TachycardiaAboveBpm - h;
    }

    private bool HeartRateMatches(int rule, double? bpm) =>
        bpm is { } hr && double.IsFinite(hr) && hr > 0
        && (rule < 0 ? hr < Options.BradycardiaBelowBpm : rule > 0 && hr > Options.TachycardiaAboveBpm);
}
