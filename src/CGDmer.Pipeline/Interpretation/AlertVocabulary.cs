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

    /// <summary>The heart-rate alarm codes, in the order the tracker evaluates (and emits) them within one window.</summary>
    public static IReadOnlyList<string> HeartRateCodes { get; } = [HeartRateHigh, HeartRateLow, Asystole];

    /// <summary>Display text of a heart-rate alarm code.</summary>
    public static string HeartRateDisplay(string code) => code switch
    {
        HeartRateHigh => "Heart rate high",
        HeartRateLow => "Heart rate low",
        Asystole => "Asystole",
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, "not a heart-rate alarm code"),
    };

    /// <summary>SNOMED CT concept of a heart-rate alarm: tachycardia (finding), bradycardia (finding), asystole (disorder).</summary>
    public static string HeartRateSnomedCt(string code) => code switch
    {
        HeartRateHigh => "3424008",
        HeartRateLow => "48867003",
        Asystole => "397829000",
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, "not a heart-rate alarm code"),
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
