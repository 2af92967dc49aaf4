namespace CGDmer.Transports;

/// <summary>
/// Where one input message was read: its topic (or stream / file), partition and offset. Transport-neutral, so the
/// pipeline's host can carry it to the dead-letter output and, later, to the offset watermark without knowing Kafka.
/// The offset is the message's own offset (not "next to read").
/// </summary>
public readonly record struct SourcePosition(string Topic, int Partition, long Offset)
{
    public override string ToString() => $"{Topic}[{Partition}]@{Offset}";
}

/// <summary>A topic partition, transport-neutral.</summary>
public readonly record struct SourcePartition(string Topic, int Partition)
{
    public override string ToString() => $"{Topic}[{Partition}]";

    public static SourcePartition Of(SourcePosition position) => new(position.Topic, position.Partition);
}
