namespace CGDmer.Signal;

/// <summary>
/// The twelve standard ECG leads in their conventional order. The numeric value is the lead's
/// index in every 12-lead tensor this project builds (model input, lead mask, synthesizer output).
/// </summary>
public enum Lead
{
    I = 0, II = 1, III = 2, aVR = 3, aVL = 4, aVF = 5,
    V1 = 6, V2 = 7, V3 = 8, V4 = 9, V5 = 10, V6 = 11,
}

/// <summary>Lead names and the mapping of monitoring-lead labels (as found in WFDB headers) onto standard leads.</summary>
public static class Leads
{
    public const int Count = 12;

    /// <summary>Standard order: I, II, III, aVR, aVL, aVF, V1..V6.</summary>
    public static IReadOnlyList<Lead> StandardOrder { get; } = Enum.GetValues<Lead>();

    public static string Name(Lead lead) => lead.ToString();

    /// <summary>
    /// Maps a signal description from a header (e.g. "MLII", "V1", "ML II", "lead II", "AVF") onto a standard lead.
    /// Modified limb leads (Mason-Likar: MLI, MLII, MLIII) are placed on the limb lead they approximate, which is how
    /// monitoring data is normally compared with resting 12-lead ECGs; modified chest leads (MV1..MV6, and the
    /// telemetry's MCL1..MCL6) on the chest lead. After ML or a "lead" prefix a limb lead may be written in digits
    /// (ML2, "ECG lead 2"), as long-term Holter databases do; a bare digit is refused, since "ECG1" and "ECG2" number
    /// the recorder's channels, not leads. Returns false for anything else.
    /// </summary>
    public static bool TryParse(string? description, out Lead lead)
    {
        lead = default;
        if (string.IsNullOrWhiteSpace(description)) return false;
        Span<char> buf = stackalloc char[Math.Min(description.Length, 32)];
        int n = 0;
        foreach (char c in description)
        {
            if (n == buf.Length) break;
            // A control character (tab, newline, NEL …) is never part of a lead's name: the name is refused, not cleaned.
            if (char.IsControl(c)) return false;
            if (c is ' ' or '-' or '_') continue;
            buf[n++] = char.ToUpperInvariant(c);
        }
        ReadOnlySpan<char> s = buf[..n];
        bool prefixed = false;                        // whether a prefix says that a digit names a limb lead
        if (s.StartsWith("ECGLEAD")) s = s[3..];      // "ECG lead II"
        if (s.StartsWith("LEAD")) { s = s[4..]; prefixed = true; }
        if (s.StartsWith("ML"))                       // Mason-Likar / modified limb lead: MLI, MLII, MLIII, MLaVR …
        {
            s = s[2..];
            prefixed = true;
            if (s.StartsWith("V") || s.StartsWith("MCL")) return false; // "MLV1", "MLMCL1" name no lead: ML modifies limb leads
        }
        else if (s.StartsWith("M") && s.Length > 1 && s[1] == 'V') s = s[1..]; // MV1..MV6: modified chest leads
        switch (s)
        {
            case "I": lead = Lead.I; return true;
            case "II": lead = Lead.II; return true;
            case "III": lead = Lead.III; return true;
            case "1" when prefixed: lead = Lead.I; return true;
            case "2" when prefixed: lead = Lead.II; return true;
            case "3" when prefixed: lead = Lead.III; return true;
            case "AVR": lead = Lead.aVR; return true;
            case "AVL": lead = Lead.aVL; return true;
            case "AVF": lead = Lead.aVF; return true;
            case "V1" or "MCL1": lead = Lead.V1; return true;
            case "V2" or "MCL2": lead = Lead.V2; return true;
            case "V3" or "MCL3": lead = Lead.V3; return true;
            case "V4" or "MCL4": lead = Lead.V4; return true;
            case "V5" or "MCL5": lead = Lead.V5; return true;
            case "V6" or "MCL6": lead = Lead.V6; return true;
            default: return false;
        }
    }

    public static Lead Parse(string description) =>
        TryParse(description, out var lead)
            ? lead
            : throw new FormatException($"'{description}' is not a known ECG lead (expected one of I, II, III, aVR, aVL, aVF, V1-V6, or a monitoring lead such as MLII).");
}
