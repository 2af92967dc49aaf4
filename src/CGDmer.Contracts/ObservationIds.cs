using System.Security.Cryptography;
using System.Text;

namespace CGDmer.Contracts;

/// <summary>
/// Deterministic ids of the FHIR Observations the service emits: the same patient, window and model version give the
/// same id, so processing the same input twice yields the same resource (an idempotent PUT for FHIR consumers), and
/// alert events can name the Observations that support them before those are built.
/// </summary>
public static class ObservationIds
{
    /// <summary>Kind of the heart-rate Observation (LOINC 8867-4).</summary>
    public const string HeartRate = "hr";
    /// <summary>Kind of the EKG-impression Observation with the model's findings (LOINC 8601-7).</summary>
    public const string Findings = "ecg";
    /// <summary>Kind of the ECG strip Observation of a clinical alarm's onset (SampledData, MDC_ECG_ELEC_POTL).</summary>
    public const string Strip = "strip";

    /// <summary>
    /// <c>{kind}-</c> + lowercase hex of the first 16 bytes of SHA-256 over the UTF-8 of
    /// <c>patientId \n kind \n windowStart \n windowEnd \n modelVersion</c> (times as <see cref="AlertIds.FormatTime"/>).
    /// A valid FHIR id (≤ 64 characters of [A-Za-z0-9-.]) that does not reveal the patient id.
    /// </summary>
    public static string Derive(string patientId, string kind, DateTimeOffset windowStart, DateTimeOffset windowEnd, string modelVersion)
    {
        ArgumentNullException.ThrowIfNull(patientId);
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(modelVersion);
        string text = string.Join('\n', patientId, kind, AlertIds.FormatTime(windowStart), AlertIds.FormatTime(windowEnd), modelVersion);
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        return kind + "-" + Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }
}
