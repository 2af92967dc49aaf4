using CGDmer.Contracts;

namespace CGDmer.Pipeline.Interpretation;

/// <summary>Priority of an alert (schema: <c>priority</c>).</summary>
public enum AlertPriority
{
    Low,
    Medium,
    High,
}

/// <summary>The fixed strings of the alert-event contract (schemas/alert-event.md), in one place.</summary>
public static class AlertVocabulary
{
    public const string Clinical = "clinical";
    public const string Technical = "technical";
    /// <summary>An alarm of the heart-rate meter: the measured rate beyond a limit, or asystole. No model takes part.</summary>
    public const string HeartRate = "heart_rate";

    public const string Onset = "onset";
    public const string Update = "update";
    public const string End = "end";

    public const string LeadOff = "lead_off";
    public const string PoorSignal = "poor_signal";
    public const string NoSignal = "no_signal";

    public const string HeartRateHigh = "heart_rate_high";
    public const string HeartRateLow = "heart_rate_low";
    public const string Asystole = "asystole";

    /// <summary>
    /// The heart-rate alarms, in the order the tracker evaluates (and emits) them within one window, with their display
    /// text and SNOMED CT concept: tachycardia (finding), bradycardia (finding), asystole (disorder).
    /// </summary>
    public static IReadOnlyList<(string Code, string Display, string SnomedCt)> HeartRateAlarms { get; } =
    [
        (HeartRateHigh, "Heart rate high", "3424008"),
        (HeartRateLow, "Heart rate low", "48867003"),
        (Asystole, "Asystole", "397829000"),
    ];

    /// <summary>The heart-rate alarm codes, in <see cref="HeartRateAlarms"/>' order.</summary>
    public static IReadOnlyList<string> HeartRateCodes { get; } = [.. HeartRateAlarms.Select(a => a.Code)];

    /// <summary>Display text of a heart-rate alarm code.</summary>
    public static string HeartRateDisplay(string code) => HeartRateAlarm(code).Display;

    /// <summary>SNOMED CT concept of a heart-rate alarm code.</summary>
    public static string HeartRateSnomedCt(string code) => HeartRateAlarm(code).SnomedCt;

    private static (string Code, string Display, string SnomedCt) HeartRateAlarm(string code)
    {
        foreach (var a in HeartRateAlarms)
            if (a.Code == code) return a;
        throw new ArgumentOutOfRangeException(nameof(code), code, "not a heart-rate alarm code");
    }

    /// <summary>Alerts about the patient, not the signal: model findings and heart-rate alarms (HL7 "SP", an ECG strip at onset).</summary>
    public static bool IsPhysiological(string kind) => kind is Clinical or HeartRate;

    /// <summary>The MDC event of a physiological alert, where 11073-10101 has one; null for technical alerts.</summary>
    public static MdcCode? MdcEvent(string kind, string code) => kind switch
    {
        Clinical => MdcCode.ForFinding(code),
        HeartRate => MdcCode.ForHeartRateAlarm(code),
        _ => null,
    };

    /// <summary>The technical codes, in the order the tracker evaluates (and emits) them within one window.</summary>
    public static IReadOnlyList<string> TechnicalCodes { get; } = [NoSignal, LeadOff, PoorSignal];

    /// <summary>Display text of a technical code.</summary>
    public static string TechnicalDisplay(string code) => code switch
    {
        LeadOff => "Lead off",
        PoorSignal => "Poor signal",
        NoSignal => "No signal",
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, "not a technical alert code"),
    };

    /// <summary>The schema's spelling of a priority.</summary>
    public static string Name(AlertPriority priority) => priority switch
    {
        AlertPriority.Low => "low",
        AlertPriority.Medium => "medium",
        AlertPriority.High => "high",
        _ => throw new ArgumentOutOfRangeException(nameof(priority), priority, "unknown priority"),
    };
}

/// <summary>Values of <see cref="InterpretedWindow.ClinicalSuppressedReason"/>: why a window's findings were withheld.</summary>
public static class SuppressionReasons
{
    /// <summary>The window had no usable signal (window status NoSignal); the model did not run.</summary>
    public const string NoSignal = AlertVocabulary.NoSignal;
    /// <summary>The measured signal quality index was below <see cref="InterpretationOptions.PoorSignalQuality"/>.</summary>
    public const string PoorSignal = AlertVocabulary.PoorSignal;
    /// <summary>The model's output did not fit its labels (wrong length, NaN): treated like an inference failure.</summary>
    public const string InvalidProbabilities = "invalid_probabilities";
    /// <summary>Interpreting the window threw; the window passes on without findings or alert changes.</summary>
    public const string InternalError = "internal_error";
}
