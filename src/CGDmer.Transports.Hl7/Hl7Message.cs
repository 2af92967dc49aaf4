namespace CGDmer.Transports.Hl7;

/// <summary>
/// One encoded HL7 v2 message: its ER7 text (segments terminated by CR, as on the wire), its MSH-10 control id and its
/// trigger (for metrics and logs; never patient data).
/// </summary>
/// <param name="Kind">"ORU^R01" (PCD-01) or "ORU^R40" (PCD-04).</param>
public sealed record Hl7Message(string ControlId, string Kind, string Text)
{
    public const string Pcd01 = "ORU^R01";
    public const string Pcd04 = "ORU^R40";

    /// <summary>The metric label of <see cref="Kind"/>: <c>pcd01</c> or <c>pcd04</c>.</summary>
    public string KindLabel => Kind == Pcd01 ? "pcd01" : "pcd04";
}
