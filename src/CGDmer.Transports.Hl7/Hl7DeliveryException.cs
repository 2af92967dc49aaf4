namespace CGDmer.Transports.Hl7;

/// <summary>
/// An HL7 message the receiver did not accept: refused (<see cref="AcknowledgementCode"/> AE, AR, CE or CR), or not
/// acknowledged after every retry (<see cref="Transient"/>). The message names the control id and the receiver's text,
/// never patient data.
/// </summary>
public sealed class Hl7DeliveryException(string message, string controlId, string kind, string? acknowledgementCode, bool transient, Exception? inner = null)
    : Exception(message, inner)
{
    public string ControlId { get; } = controlId;
    /// <summary>"ORU^R01" or "ORU^R40".</summary>
    public string Kind { get; } = kind;
    /// <summary>The refusal's MSA-1, or null when no acknowledgement came.</summary>
    public string? AcknowledgementCode { get; } = acknowledgementCode;
    /// <summary>True when retries ran out (no connection, timeouts, dropped connections) rather than a refusal.</summary>
    public bool Transient { get; } = transient;
}
