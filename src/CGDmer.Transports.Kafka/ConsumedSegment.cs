using CGDmer.Contracts.Telemetry.V1;

namespace CGDmer.Transports.Kafka;

/// <summary>Why a message on the segment topic could not be read as an <see cref="EcgSegment"/>. Stable dead-letter codes.</summary>
public static class UnreadableReason
{
    /// <summary>The value is not a valid protobuf <c>EcgSegment</c>.</summary>
    public const string MalformedMessage = "MalformedMessage";
    /// <summary>The value is null or empty (a tombstone or a producer bug).</summary>
    public const string EmptyMessage = "EmptyMessage";
    /// <summary>The value exceeds <see cref="KafkaOptions.MaxSegmentBytes"/>; it is not parsed.</summary>
    public const string OversizedMessage = "OversizedMessage";
}

/// <summary>A message that could not be read as a segment: its bytes (as read) and why.</summary>
public sealed record UnreadableMessage(byte[] Payload, string Reason, string Message);

/// <summary>
/// One message read from the segment topic: the parsed <see cref="Segment"/> or, when it could not be read, the
/// <see cref="Unreadable"/> bytes and reason (for the dead-letter topic; never an OnError). <see cref="Position"/> says
/// where it was read, for the dead letter and the offset watermark.
/// </summary>
public sealed class ConsumedSegment
{
    private ConsumedSegment(SourcePosition position, DateTimeOffset? brokerTimestamp, EcgSegment? segment, UnreadableMessage? unreadable)
    {
        Position = position;
        BrokerTimestamp = brokerTimestamp;
        Segment = segment;
        Unreadable = unreadable;
    }

    public SourcePosition Position { get; }
    /// <summary>The message's Kafka timestamp (producer create time or broker append time), when the broker keeps one.</summary>
    public DateTimeOffset? BrokerTimestamp { get; }
    public EcgSegment? Segment { get; }
    public UnreadableMessage? Unreadable { get; }
    public bool IsReadable => Segment is not null;

    public static ConsumedSegment Read(SourcePosition position, EcgSegment segment, DateTimeOffset? brokerTimestamp = null) =>
        new(position, brokerTimestamp, segment ?? throw new ArgumentNullException(nameof(segment)), null);

    public static ConsumedSegment Failed(SourcePosition position, UnreadableMessage unreadable, DateTimeOffset? brokerTimestamp = null) =>
        new(position, brokerTimestamp, null, unreadable ?? throw new ArgumentNullException(nameof(unreadable)));

    // Never the segment's content: log lines may quote this.
    public override string ToString() => IsReadable ? $"Segment at {Position}" : $"Unreadable ({Unreadable!.Reason}) at {Position}";
}

/// <summary>What happened to the source's partitions.</summary>
public enum PartitionChange
{
    /// <summary>The partitions were added to this instance (cooperative: incrementally).</summary>
    Assigned,
    /// <summary>The partitions are being taken away in an orderly rebalance: last chance to commit their offsets.</summary>
    Revoked,
    /// <summary>The partitions were lost (session timed out, fenced): another instance may already own them; do not commit.</summary>
    Lost,
}

/// <summary>
/// A change of the partitions this instance reads, raised on the consume thread in order with the segments (all
/// segments of a partition read before its revocation are delivered before the event), so the offset watermark can
/// drop or commit a partition's state at exactly the right point.
/// </summary>
public sealed record PartitionEvent(PartitionChange Change, IReadOnlyList<SourcePartition> Partitions);
