using CGDmer.Signal;

namespace CGDmer.Pipeline.Interpretation;

/// <summary>
/// How model probabilities and window quality become findings and alerts (bound from configuration by the host).
/// The defaults aim at few, meaningful alarms: an alert needs a persistent finding to start, a clearly lower probability
/// for a while to end, cannot restart right after it ended (except the life-threatening ones), and sends updates sparingly.
/// </summary>
/// <remarks>
/// Counting rules (documented choice): only windows that carry clinical evidence — analyzable, signal quality ≥
/// <see cref="PoorSignalQuality"/>, with valid probabilities — count for or against a clinical alert. Every other window
/// (no signal, poor signal, inference failure) leaves each clinical alert in the state it was in: an active alert stays
/// active, a pending one keeps its run. The rationale: an artefact burst must neither raise nor silence an arrhythmia
/// alarm; the technical alert tells the staff that the clinical one currently has no support.
/// </remarks>
public sealed class InterpretationOptions
{
    /// <summary>Value of <see cref="ClinicalAlerts"/> that disables alerting for a label.</summary>
    public const string Off = "off";

    /// <summary>
    /// Onset threshold per label key, overriding the model's <c>threshold</c> (0 &lt; t ≤ 1). A finding is present when
    /// probability ≥ threshold. Keys of labels the loaded model does not have are ignored.
    /// </summary>
    public Dictionary<string, double> Thresholds { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Hysteresis: an active clinical alert counts a window as "below" only when its probability is under
    /// threshold × this ratio (0 &lt; ratio ≤ 1). Windows between that and the threshold keep the alert as it is.
    /// </summary>
    public double EndThresholdRatio { get; set; } = 0.75;

    /// <summary>
    /// Which labels raise clinical alerts, and at which priority: label key → "low" | "medium" | "high" | "off".
    /// Labels not listed do not alert (they are still reported as findings). sinus_rhythm may not alert.
    /// Conduction and morphology findings (bundle branch blocks, ST, T, LVH, low voltage) do not alert by default:
    /// they are reported in the findings Observation but are not bedside alarms.
    /// </summary>
    public Dictionary<string, string> ClinicalAlerts { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        [EcgLabels.VentricularTachycardia.Key] = "high",
        [EcgLabels.SinusPause.Key] = "high",
        [EcgLabels.AtrialFibrillation.Key] = "medium",
        [EcgLabels.AtrialFlutter.Key] = "medium",
        [EcgLabels.SinusBradycardia.Key] = "low",
        [EcgLabels.SinusTachycardia.Key] = "low",
    };

    /// <summary>
    /// Rhythm labels that cannot hold at the same time (one rhythm drives the heart). The model's outputs are independent
    /// sigmoids, so in an ambiguous window AF, flutter and sinus tachycardia can all pass their thresholds; only the most
    /// probable of these rhythms is then a finding and counts for its alert; the others count as absent for that window
    /// (persistence and hysteresis still apply), so a monitor never sounds three rhythm alarms for one rhythm.
    /// Empty: no arbitration.
    /// </summary>
    public List<string> ExclusiveRhythms { get; set; } =
    [
        EcgLabels.SinusRhythm.Key, EcgLabels.SinusBradycardia.Key, EcgLabels.SinusTachycardia.Key,
        EcgLabels.AtrialFibrillation.Key, EcgLabels.AtrialFlutter.Key, EcgLabels.VentricularTachycardia.Key,
    ];

    /// <summary>
    /// Labels that follow the measured heart rate instead of the model, as bedside monitors do: in a window whose sinus
    /// rhythm finding is present (the winning exclusive rhythm), sinus_bradycardia is present when the measured heart rate is
    /// below <see cref="BradycardiaBelowBpm"/> and sinus_tachycardia when it is above <see cref="TachycardiaAboveBpm"/>;
    /// otherwise (another rhythm, no sinus rhythm, no measured rate) they are absent. The model's probability and its
    /// validation flag for these labels are ignored, and they take no part in rhythm arbitration. Only these two labels
    /// have such a rule; a label the model lacks is ignored. Empty: every label follows the model.
    /// </summary>
    public List<string> HeartRateFindings { get; set; } = [EcgLabels.SinusBradycardia.Key, EcgLabels.SinusTachycardia.Key];

    /// <summary>Sinus bradycardia: sinus rhythm with a measured heart rate below this (beats per minute).</summary>
    public double BradycardiaBelowBpm { get; set; } = 60;
    /// <summary>Sinus tachycardia: sinus rhythm with a measured heart rate above this (beats per minute).</summary>
    public double TachycardiaAboveBpm { get; set; } = 100;
    /// <summary>
    /// Hysteresis of the rate alerts, in beats per minute: an active bradycardia alert ends only once the rate is at
    /// least <see cref="BradycardiaBelowBpm"/> + this, a tachycardia alert once it is at most
    /// <see cref="TachycardiaAboveBpm"/> − this, so a rate hovering at the limit raises one alert, not one a minute.
    /// </summary>
    public double HeartRateHysteresisBpm { get; set; } = 5;

    /// <summary>
    /// The heart-rate meter's alarms (alert kind heart_rate), which bedside monitors sound whatever the rhythm and without
    /// the model: code → "low" | "medium" | "high" | "off". heart_rate_high: the rate shown at a window's end (the last 8
    /// RR intervals within 8 s, trimmed) above <see cref="HeartRateHighAboveBpm"/>; heart_rate_low: below
    /// <see cref="HeartRateLowBelowBpm"/>; asystole: no QRS complex and no activity in the last
    /// <see cref="AsystoleAfterSeconds"/> of the window, or every present lead a flat line. A window whose beats cannot be
    /// trusted (poor signal quality and detectors that disagree, <see cref="HeartRateEvidenceBeatAgreement"/>) holds
    /// them; the rate alarms end with <see cref="HeartRateHysteresisBpm"/> of hysteresis.
    /// </summary>
    public Dictionary<string, string> HeartRateAlarms { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        [AlertVocabulary.HeartRateHigh] = "medium",
        [AlertVocabulary.HeartRateLow] = "medium",
        [AlertVocabulary.Asystole] = "high",
    };

    /// <summary>Upper heart-rate alarm limit, beats per minute (a common adult ICU default).</summary>
    public double HeartRateHighAboveBpm { get; set; } = 120;
    /// <summary>Lower heart-rate alarm limit, beats per minute.</summary>
    public double HeartRateLowBelowBpm { get; set; } = 50;
    /// <summary>
    /// Asystole: this many seconds without a QRS complex at a window's end, over which every present lead also stayed
    /// quiet (<c>Measurement:QuietRangeMv</c> peak to peak), so that neither noise nor a missed low QRS is taken for it
    /// (2–8 s; monitors use about 4).
    /// </summary>
    public double AsystoleAfterSeconds { get; set; } = 4;
    /// <summary>
    /// A window whose signal quality index is poor still counts for the rate alarms when the two QRS detectors agree this
    /// well on its beats (bSQI): wide, sinusoidal complexes (ventricular tachycardia) score low on the index's kurtosis
    /// and spectrum, yet their beats are sure, and a rate alarm must not fall silent there.
    /// </summary>
    public double HeartRateEvidenceBeatAgreement { get; set; } = 0.8;
    /// <summary>
    /// A heart-rate alarm starts after this many consecutive windows with its condition. 1 by default: the rate shown is
    /// already an average over 8 beats, and a second window would add a hop to the time to alarm.
    /// </summary>
    public int HeartRateAlarmOnsetWindows { get; set; } = 1;
    /// <summary>A heart-rate alarm ends after this many consecutive windows without its condition.</summary>
    public int HeartRateAlarmEndWindows { get; set; } = 2;

    /// <summary>Persistence: a clinical alert starts after this many consecutive counted windows at or above the threshold.</summary>
    public int OnsetWindows { get; set; } = 2;

    /// <summary>
    /// An alerting label is coded present in the EKG impression only once its condition is confirmed: it has held in
    /// <see cref="OnsetWindows"/> consecutive counted windows (as its alert needs to start), or its alert is active.
    /// Until then the window reports it as indeterminate, not present (<see cref="Finding.Unconfirmed"/>): a single
    /// window's call is one the alarms never confirm, and a monitor does not print it as the patient's rhythm. Labels
    /// that do not alert are decided per window. On by default; false decides every label per window.
    /// </summary>
    public bool ConfirmAlertingFindings { get; set; } = true;

    /// <summary>
    /// Largest onset or end persistence, in windows (an hour of 5 s windows): an alert that needs longer than that
    /// never sounds, which would silence it without a word.
    /// </summary>
    public const int MaxPersistenceWindows = 720;

    /// <summary>Longest update interval or refractory period: a day (a longer one would silence an alert, or overflow time arithmetic).</summary>
    public static readonly TimeSpan MaxInterval = TimeSpan.FromDays(1);
    /// <summary>Hysteresis: an active clinical alert ends after this many consecutive counted windows below the end threshold.</summary>
    public int EndWindows { get; set; } = 2;

    /// <summary>An active alert sends an update at least this often (ECG time) so consumers know it is still on.</summary>
    public TimeSpan UpdateInterval { get; set; } = TimeSpan.FromMinutes(5);
    /// <summary>An active clinical alert also sends an update when its probability moved by at least this much since the last event.</summary>
    public double UpdateProbabilityDelta { get; set; } = 0.15;
    /// <summary>
    /// Floor between two events of one alert for change-driven updates (probability moved, lead set changed), so a
    /// fluctuating value cannot produce an update per window. The periodic update and the end are not held back.
    /// </summary>
    public TimeSpan MinUpdateSpacing { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// De-duplication: after a clinical alert ended, the same code does not start again until its ECG time is this much
    /// past the end — the new run keeps accumulating and starts (with its true onset) once the period is over.
    /// </summary>
    public TimeSpan ClinicalRefractory { get; set; } = TimeSpan.FromSeconds(60);
    /// <summary>
    /// Alerts with at least this priority ignore <see cref="ClinicalRefractory"/>: a recurring life-threatening rhythm
    /// must never be held back. Null: the refractory applies to every priority.
    /// </summary>
    public AlertPriority? RefractoryExemptPriority { get; set; } = AlertPriority.High;
    /// <summary>As <see cref="ClinicalRefractory"/>, for the technical alerts (a wobbling electrode).</summary>
    public TimeSpan TechnicalRefractory { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A technical alert starts after this many consecutive windows with its condition.</summary>
    public int TechnicalOnsetWindows { get; set; } = 2;
    /// <summary>A technical alert ends after this many consecutive windows without its condition.</summary>
    public int TechnicalEndWindows { get; set; } = 2;

    /// <summary>
    /// Signal quality index (0..1) below which an analyzable window is "poor signal": its findings are withheld and it
    /// counts toward the poor_signal alert.
    /// </summary>
    public double PoorSignalQuality { get; set; } = 0.5;

    public AlertPriority LeadOffPriority { get; set; } = AlertPriority.Medium;
    public AlertPriority PoorSignalPriority { get; set; } = AlertPriority.Low;
    /// <summary>No signal means the patient is not monitored at all: high by default.</summary>
    public AlertPriority NoSignalPriority { get; set; } = AlertPriority.High;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option; returns this otherwise.</summary>
    public InterpretationOptions Validate()
    {
        if (Thresholds is null) throw new ArgumentException("must not be null", nameof(Thresholds));
        foreach (var (key, t) in Thresholds)
        {
            if (!IsKnownLabel(key)) throw new ArgumentException($"'{key}' is not a label key ({KnownKeys()})", nameof(Thresholds));
            if (!double.IsFinite(t) || t <= 0 || t > 1) throw new ArgumentException($"threshold of '{key}' must be in (0, 1], was {t}", nameof(Thresholds));
        }
        if (!double.IsFinite(EndThresholdRatio) || EndThresholdRatio <= 0 || EndThresholdRatio > 1)
            throw new ArgumentException($"must be in (0, 1], was {EndThresholdRatio}", nameof(EndThresholdRatio));
        if (ExclusiveRhythms is null) throw new ArgumentException("must not be null (empty disables arbitration)", nameof(ExclusiveRhythms));
        foreach (var key in ExclusiveRhythms)
            if (!IsKnownLabel(key)) throw new ArgumentException($"'{key}' is not a label key ({KnownKeys()})", nameof(ExclusiveRhythms));
        if (HeartRateFindings is null) throw new ArgumentException("must not be null (empty: every label follows the model)", nameof(HeartRateFindings));
        var heartRate = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var key in HeartRateFindings)
        {
            if (HeartRateRuleOf(key) is null)
                throw new ArgumentException(
                    $"'{key}' has no heart-rate rule (only {EcgLabels.SinusBradycardia.Key} and {EcgLabels.SinusTachycardia.Key} follow the measured rate)",
                    nameof(HeartRateFindings));
            if (!heartRate.Add(key)) throw new ArgumentException($"'{key}' is listed twice", nameof(HeartRateFindings));
        }
        if (!double.IsFinite(BradycardiaBelowBpm) || BradycardiaBelowBpm <= 0)
            throw new ArgumentException($"must be a positive number of beats per minute, was {BradycardiaBelowBpm}", nameof(BradycardiaBelowBpm));
        if (!double.IsFinite(HeartRateHysteresisBpm) || HeartRateHysteresisBpm < 0 || HeartRateHysteresisBpm > 20)
            throw new ArgumentException($"must be within 0..20 beats per minute, was {HeartRateHysteresisBpm}", nameof(HeartRateHysteresisBpm));
        if (!double.IsFinite(TachycardiaAboveBpm) || TachycardiaAboveBpm < BradycardiaBelowBpm)
            throw new ArgumentException($"must be at least {nameof(BradycardiaBelowBpm)} ({BradycardiaBelowBpm}), was {TachycardiaAboveBpm}", nameof(TachycardiaAboveBpm));
        if (ClinicalAlerts is null) throw new ArgumentException("must not be null", nameof(ClinicalAlerts));
        foreach (var (key, p) in ClinicalAlerts)
        {
            if (!IsKnownLabel(key)) throw new ArgumentException($"'{key}' is not a label key ({KnownKeys()})", nameof(ClinicalAlerts));
            if (!TryParsePriority(p, out var priority))
                throw new ArgumentException($"priority of '{key}' must be low, medium, high or off, was '{p}'", nameof(ClinicalAlerts));
            if (priority is not null && string.Equals(key, EcgLabels.SinusRhythm.Key, StringComparison.OrdinalIgnoreCase))
                throw new ArgumentException("sinus_rhythm is the normal finding and cannot raise an alert", nameof(ClinicalAlerts));
        }
        if (HeartRateAlarms is null) throw new ArgumentException("must not be null", nameof(HeartRateAlarms));
        foreach (var (code, p) in HeartRateAlarms)
        {
            if (!AlertVocabulary.HeartRateCodes.Contains(code, StringComparer.OrdinalIgnoreCase))
                throw new ArgumentException($"'{code}' is not a heart-rate alarm ({string.Join(", ", AlertVocabulary.HeartRateCodes)})", nameof(HeartRateAlarms));
            if (!TryParsePriority(p, out _))
                throw new ArgumentException($"priority of '{code}' must be low, medium, high or off, was '{p}'", nameof(HeartRateAlarms));
        }
        if (!double.IsFinite(HeartRateLowBelowBpm) || HeartRateLowBelowBpm <= 0 || HeartRateLowBelowBpm > 300)
            throw new ArgumentException($"must be within (0, 300] beats per minute, was {HeartRateLowBelowBpm}", nameof(HeartRateLowBelowBpm));
        if (!double.IsFinite(HeartRateHighAboveBpm) || HeartRateHighAboveBpm > 300 || HeartRateHighAboveBpm < HeartRateLowBelowBpm + 2 * HeartRateHysteresisBpm)
            throw new ArgumentException(
                $"must be at most 300 and at least {nameof(HeartRateLowBelowBpm)} + 2 × {nameof(HeartRateHysteresisBpm)} ({HeartRateLowBelowBpm + 2 * HeartRateHysteresisBpm}) beats per minute, was {HeartRateHighAboveBpm}",
                nameof(HeartRateHighAboveBpm));
        if (!double.IsFinite(AsystoleAfterSeconds) || AsystoleAfterSeconds < 2 || AsystoleAfterSeconds > 8)
            throw new ArgumentException($"must be within 2..8 seconds, was {AsystoleAfterSeconds}", nameof(AsystoleAfterSeconds));
        if (!double.IsFinite(HeartRateEvidenceBeatAgreement) || HeartRateEvidenceBeatAgreement < 0 || HeartRateEvidenceBeatAgreement > 1)
            throw new ArgumentException($"must be in [0, 1], was {HeartRateEvidenceBeatAgreement}", nameof(HeartRateEvidenceBeatAgreement));
        if (HeartRateAlarmOnsetWindows is < 1 or > MaxPersistenceWindows)
            throw new ArgumentException($"must be in [1, {MaxPersistenceWindows}], was {HeartRateAlarmOnsetWindows}", nameof(HeartRateAlarmOnsetWindows));
        if (HeartRateAlarmEndWindows is < 1 or > MaxPersistenceWindows)
            throw new ArgumentException($"must be in [1, {MaxPersistenceWindows}], was {HeartRateAlarmEndWindows}", nameof(HeartRateAlarmEndWindows));
        if (OnsetWindows is < 1 or > MaxPersistenceWindows) throw new ArgumentException($"must be in [1, {MaxPersistenceWindows}], was {OnsetWindows}", nameof(OnsetWindows));
        if (EndWindows is < 1 or > MaxPersistenceWindows) throw new ArgumentException($"must be in [1, {MaxPersistenceWindows}], was {EndWindows}", nameof(EndWindows));
        if (UpdateInterval <= TimeSpan.Zero || UpdateInterval > MaxInterval) throw new ArgumentException($"must be > 0 and ≤ {MaxInterval}, was {UpdateInterval}", nameof(UpdateInterval));
        if (!double.IsFinite(UpdateProbabilityDelta) || UpdateProbabilityDelta <= 0 || UpdateProbabilityDelta > 1)
            throw new ArgumentException($"must be in (0, 1], was {UpdateProbabilityDelta}", nameof(UpdateProbabilityDelta));
        if (MinUpdateSpacing < TimeSpan.Zero || MinUpdateSpacing > UpdateInterval)
            throw new ArgumentException($"must be in [0, {nameof(UpdateInterval)}], was {MinUpdateSpacing}", nameof(MinUpdateSpacing));
        if (ClinicalRefractory < TimeSpan.Zero || ClinicalRefractory > MaxInterval) throw new ArgumentException($"must be in [0, {MaxInterval}], was {ClinicalRefractory}", nameof(ClinicalRefractory));
        if (RefractoryExemptPriority is { } exempt && !Enum.IsDefined(exempt))
            throw new ArgumentException($"unknown priority {exempt}", nameof(RefractoryExemptPriority));
        if (TechnicalRefractory < TimeSpan.Zero || TechnicalRefractory > MaxInterval) throw new ArgumentException($"must be in [0, {MaxInterval}], was {TechnicalRefractory}", nameof(TechnicalRefractory));
        if (TechnicalOnsetWindows is < 1 or > MaxPersistenceWindows) throw new ArgumentException($"must be in [1, {MaxPersistenceWindows}], was {TechnicalOnsetWindows}", nameof(TechnicalOnsetWindows));
        if (TechnicalEndWindows is < 1 or > MaxPersistenceWindows) throw new ArgumentException($"must be in [1, {MaxPersistenceWindows}], was {TechnicalEndWindows}", nameof(TechnicalEndWindows));
        if (!double.IsFinite(PoorSignalQuality) || PoorSignalQuality < 0 || PoorSignalQuality > 1)
            throw new ArgumentException($"must be in [0, 1], was {PoorSignalQuality}", nameof(PoorSignalQuality));
        if (!Enum.IsDefined(LeadOffPriority)) throw new ArgumentException($"unknown priority {LeadOffPriority}", nameof(LeadOffPriority));
        if (!Enum.IsDefined(PoorSignalPriority)) throw new ArgumentException($"unknown priority {PoorSignalPriority}", nameof(PoorSignalPriority));
        if (!Enum.IsDefined(NoSignalPriority)) throw new ArgumentException($"unknown priority {NoSignalPriority}", nameof(NoSignalPriority));
        return this;
    }

    /// <summary>Parses a <see cref="ClinicalAlerts"/> value; "off" gives null.</summary>
    public static bool TryParsePriority(string? text, out AlertPriority? priority)
    {
        priority = null;
        switch (text?.Trim().ToLowerInvariant())
        {
            case "low": priority = AlertPriority.Low; return true;
            case "medium": priority = AlertPriority.Medium; return true;
            case "high": priority = AlertPriority.High; return true;
            case Off: return true;
            default: return false;
        }
    }

    /// <summary>Which heart-rate rule a <see cref="HeartRateFindings"/> key has: −1 bradycardia, +1 tachycardia, null none.</summary>
    internal static int? HeartRateRuleOf(string? key) =>
        string.Equals(key, EcgLabels.SinusBradycardia.Key, StringComparison.OrdinalIgnoreCase) ? -1
        : string.Equals(key, EcgLabels.SinusTachycardia.Key, StringComparison.OrdinalIgnoreCase) ? 1
        : null;

    private static bool IsKnownLabel(string key)
    {
        foreach (var l in EcgLabels.All)
            if (string.Equals(l.Key, key, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    private static string KnownKeys() => string.Join(", ", EcgLabels.All.Select(l => l.Key));
}
