namespace CGDmer.Transports.Hl7;

/// <summary>Whether the HL7 receiver answers, as the MLLP sink last saw it; when not, for how long and the last failure (timeout, network, protocol).</summary>
public sealed record Hl7ReceiverHealth(bool IsAnswering, TimeSpan FailingFor, string? LastProblem)
{
    public static Hl7ReceiverHealth Answering { get; } = new(true, TimeSpan.Zero, null);
}
