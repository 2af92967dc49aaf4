using CGDmer.Pipeline.Validation;

namespace CGDmer.Simulation;

/// <summary>What a simulated message is.</summary>
public enum SimulatedMessageKind
{
    /// <summary>A good segment (possibly late, reordered, with lead-off or noise, on a skewed clock): the service accepts it.</summary>
    Segment,
    /// <summary>A byte-identical second delivery of a good segment: the service drops it as a duplicate.</summary>
    Duplicate,
    /// <summary>A bad message mixed in (<see cref="SimulatedMessage.Malformation"/>): the service dead-letters it.</summary>
    Malformed,
}

/// <summary>What was done to a good segment (a set: one segment can be late and noisy).</summary>
[Flags]
public enum SegmentFaults
{
    None = 0,
    /// <summary>Sent later than when it was complete (delivery jitter).</summary>
    Jittered = 1,
    /// <summary>Held back: delivered after up to <see cref="SimulatorFaults.ReorderMaxSegments"/> later segments.</summary>
    Reordered = 2,
    /// <summary>One lead flagged off for the whole segment, its samples flat at the baseline.</summary>
    LeadOff = 4,
    /// <summary>Noise added to every lead.</summary>
    NoiseBurst = 8,
    /// <summary>The monitor's clock is skewed (every segment of that monitor).</summary>
    ClockSkewed = 16,
}

/// <summary>
/// The dead letter the service must write for a bad message: <see cref="Reason"/> is the dead letter's reason code.
/// <see cref="Unreadable"/>: the bytes cannot be read as a segment (codes of the transport's UnreadableReason:
/// MalformedMessage, EmptyMessage, OversizedMessage); otherwise the segment is read and rejected with
/// <see cref="Rejection"/>.
/// </summary>
public readonly record struct ExpectedDeadLetter(string Reason, bool Unreadable, RejectionReason? Rejection)
{
    public static ExpectedDeadLetter UnreadableAs(string reason) => new(reason, true, null);
    public static ExpectedDeadLetter RejectedAs(RejectionReason reason) => new(reason.ToString(), false, reason);
    public override string ToString() => Unreadable ? $"unreadable {Reason}" : $"rejected {Reason}";
}

/// <summary>
/// One message of a simulation's delivery plan: the Kafka key (the patient id, so a patient's messages share a
/// partition), the value, when to send it (offset from the plan's start, on the receiver's clock) and what it is.
/// </summary>
/// <param name="Key">Patient id of the monitor (the segment topic's key).</param>
/// <param name="Value">The message value (protobuf EcgSegment for good segments; anything for malformed ones).</param>
/// <param name="SendAt">Intended send time, from the start of the plan (the earliest monitor's first sample).</param>
/// <param name="Kind">Good segment, duplicate or malformed message.</param>
/// <param name="Monitor">Index of the monitor that sent it.</param>
/// <param name="Sequence">Sequence number of the segment it is (or, for a malformed message, that it follows).</param>
public sealed record SimulatedMessage(string Key, byte[] Value, TimeSpan SendAt, SimulatedMessageKind Kind, int Monitor, ulong Sequence)
{
    /// <summary>Faults applied to a good segment or duplicate (duplicates carry their original's).</summary>
    public SegmentFaults Faults { get; init; }
    /// <summary>The malformation of a <see cref="SimulatedMessageKind.Malformed"/> message.</summary>
    public Malformation? Malformation { get; init; }
    /// <summary>The dead letter the service must write for it; null for good segments and duplicates.</summary>
    public ExpectedDeadLetter? ExpectedDeadLetter { get; init; }

    // Never the value or key: plans are logged and printed.
    public override string ToString() =>
        $"{Kind} monitor {Monitor} seq {Sequence} at {SendAt.TotalMilliseconds:F1} ms ({Value.Length} B{(Malformation is { } m ? ", " + m : "")}{(Faults != 0 ? ", " + Faults : "")})";
}
