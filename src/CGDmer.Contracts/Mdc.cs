using CGDmer.Signal;

namespace CGDmer.Contracts;

/// <summary>
/// One code of ISO/IEEE 11073-10101 (MDC): its numeric context-free code (partition × 2^16 + term code) and its
/// reference id. The <c>MDC</c> coding system in HL7 v2 (CWE-3), <c>urn:iso:std:iso:11073:10101</c> in FHIR.
/// </summary>
public sealed record MdcCode(int Code, string ReferenceId)
{
    public const string CodingSystem = "MDC";
    public const string FhirSystem = "urn:iso:std:iso:11073:10101";

    /// <summary>The CWE components code ^ text ^ coding system.</summary>
    public string?[] Cwe() => [Code.ToString(System.Globalization.CultureInfo.InvariantCulture), ReferenceId, CodingSystem];

    private static MdcCode Of(int partition, int term, string refId) => new(partition * 65536 + term, refId);

    // Partition 1 (object infrastructure): device containment, as in the PCD-01 examples of IHE PCD TF-2.
    public static readonly MdcCode MultiParameterMonitorMds = new(69965, "MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS");
    public static readonly MdcCode EcgVmd = new(69798, "MDC_DEV_ECG_VMD");

    // Partition 2 (SCADA): metrics.
    public static readonly MdcCode HeartRate = new(147842, "MDC_ECG_HEART_RATE");

    // Partition 1: alert attributes of IHE PCD-04 (ACM).
    public static readonly MdcCode AlertSource = new(68480, "MDC_ATTR_ALERT_SOURCE");
    public static readonly MdcCode EventPhase = new(68481, "MDC_ATTR_EVENT_PHASE");
    public static readonly MdcCode AlarmState = new(68482, "MDC_ATTR_ALARM_STATE");
    public static readonly MdcCode AlarmInactivationState = new(68483, "MDC_ATTR_ALARM_INACTIVATION_STATE");

    // Partition 3 (events).
    public static readonly MdcCode Alarm = Of(3, 8, "MDC_EVT_ALARM");

    /// <summary>
    /// The MDC event code of a rhythm finding (by its label key, <see cref="EcgLabel.Key"/>), where 11073-10101 has one, from DICOM PS3.16 CID 3038 "Pattern Event",
    /// which lists the MDC equivalents. Null where it has none: ventricular tachycardia, premature ventricular
    /// contractions, sinus arrest, bundle branch blocks, ST and T changes, hypertrophy, low voltage and the catch-all
    /// arrhythmia (CID 3038's "arrhythmia event" is an event class, not this finding) are coded in SNOMED CT only.
    /// </summary>
    public static MdcCode? ForFinding(string labelKey) => labelKey switch
    {
        "atrial_fibrillation" => Of(3, 3128, "MDC_EVT_ECG_ATR_FIB"),
        "atrial_flutter" => Of(3, 3276, "MDC_EVT_ECG_ATR_FLUT"),
        "sinus_bradycardia" => Of(3, 3084, "MDC_EVT_ECG_SINUS_BRADY"),
        "sinus_tachycardia" => Of(3, 3262, "MDC_EVT_ECG_SINUS_TACHY"),
        _ => null,
    };

    /// <summary>
    /// The MDC event of a heart-rate alarm (by its alert code): the limit events MDC_EVT_HI_GT_LIM and MDC_EVT_LO_LT_LIM
    /// (their source is MDC_ECG_HEART_RATE) and MDC_EVT_ECG_ASYSTOLE (DICOM PS3.16 CID 3038); null for any other code.
    /// </summary>
    public static MdcCode? ForHeartRateAlarm(string code) => code switch
    {
        "heart_rate_high" => Of(3, 42, "MDC_EVT_HI_GT_LIM"),
        "heart_rate_low" => Of(3, 64, "MDC_EVT_LO_LT_LIM"),
        "asystole" => Of(3, 3076, "MDC_EVT_ECG_ASYSTOLE"),
        _ => null,
    };

    /// <summary>The MDC code of an ECG lead (partition 2, MDC_ECG_LEAD_*), for the leads this service records.</summary>
    public static MdcCode ForLead(Lead lead) => lead switch
    {
        Lead.I => Of(2, 1, "MDC_ECG_LEAD_I"),
        Lead.II => Of(2, 2, "MDC_ECG_LEAD_II"),
        Lead.V1 => Of(2, 3, "MDC_ECG_LEAD_V1"),
        Lead.V2 => Of(2, 4, "MDC_ECG_LEAD_V2"),
        Lead.V3 => Of(2, 5, "MDC_ECG_LEAD_V3"),
        Lead.V4 => Of(2, 6, "MDC_ECG_LEAD_V4"),
        Lead.V5 => Of(2, 7, "MDC_ECG_LEAD_V5"),
        Lead.V6 => Of(2, 8, "MDC_ECG_LEAD_V6"),
        Lead.III => Of(2, 61, "MDC_ECG_LEAD_III"),
        Lead.aVR => Of(2, 62, "MDC_ECG_LEAD_AVR"),
        Lead.aVL => Of(2, 63, "MDC_ECG_LEAD_AVL"),
        Lead.aVF => Of(2, 64, "MDC_ECG_LEAD_AVF"),
        _ => throw new ArgumentOutOfRangeException(nameof(lead), lead, "no MDC lead code known for this lead"),
    };
}
