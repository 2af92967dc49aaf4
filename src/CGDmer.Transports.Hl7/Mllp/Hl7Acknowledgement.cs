namespace CGDmer.Transports.Hl7.Mllp;

/// <summary>
/// A receiver's acknowledgement (an ACK message's MSA, and ERR if any): the code (original mode AA / AE / AR, enhanced
/// mode CA / CE / CR), the control id it acknowledges, and the receiver's text.
/// </summary>
public sealed record Hl7Acknowledgement(string Code, string AcknowledgedControlId, string? Text)
{
    /// <summary>Accepted: AA (application accept) or CA (commit accept).</summary>
    public bool Accepted => Code is "AA" or "CA";

    /// <summary>Parses an ACK's text (segments separated by CR; LF tolerated).</summary>
    /// <exception cref="FormatException">It is not an HL7 message with an MSA segment, or its MSA-1 is not an acknowledgement code.</exception>
    public static Hl7Acknowledgement Parse(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!message.StartsWith("MSH", StringComparison.Ordinal) || message.Length < 8)
            throw new FormatException("the acknowledgement is not an HL7 message (no MSH)");
        char field = message[3];
        char component = message[4];
        string? code = null, acked = null, text = null, error = null;
        foreach (var segment in message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = segment.Split(field);
            if (fields[0] == "MSA")
            {
                code = fields.Length > 1 ? fields[1] : "";
                acked = fields.Length > 2 ? fields[2] : "";
                text = fields.Length > 3 && fields[3].Length > 0 ? fields[3] : null;
            }
            else if (fields[0] == "ERR" && error is null)
            {
                // ERR-8 user message, else ERR-3 (HL7 error code: code ^ text ^ system) text or code.
                error = fields.Length > 8 && fields[8].Length > 0 ? fields[8]
                    : fields.Length > 3 && fields[3].Length > 0 ? string.Join(' ', fields[3].Split(component).Take(2).Where(s => s.Length > 0))
                    : null;
            }
        }
        if (code is null) throw new FormatException("the acknowledgement has no MSA segment");
        if (code is not ("AA" or "AE" or "AR" or "CA" or "CE" or "CR"))
            throw new FormatException($"MSA-1 '{Printable(code)}' is not an acknowledgement code (AA, AE, AR, CA, CE, CR)");
        string? reason = text ?? error;
        if (reason is not null)
        {
            try { reason = Er7.Er7.Unescape(reason); } catch (FormatException) { }
            reason = Printable(reason);
        }
        return new Hl7Acknowledgement(code, acked!, reason);
    }

    private static string Printable(string s)
    {
        var chars = s.Where(c => !char.IsControl(c)).Take(300).ToArray();
        return new string(chars);
    }
}
