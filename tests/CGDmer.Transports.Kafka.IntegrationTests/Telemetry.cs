using System.Collections.Concurrent;
using CGDmer.Contracts.Telemetry.V1;
using Confluent.Kafka;
using Google.Protobuf;
using ProtoTimestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace CGDmer.Transports.Kafka.IntegrationTests;

/// <summary>Synthetic telemetry for the broker tests: small but complete EcgSegments, keyed by device as the
/// service keys them (one device's segments stay in one partition, hence in order).</summary>
internal static class Telemetry
{
    private static readonly DateTime Epoch = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public static string Device(int index) => $"it-device-{index:D2}";

    /// <summary>One second of two leads at 250 Hz; samples depend on device and sequence so a mix-up shows.</summary>
    public static EcgSegment Segment(string deviceId, ulong sequence)
    {
        var segment = new EcgSegment
        {
            SchemaVersion = 1,
            PatientId = "synthetic",
            DeviceId = deviceId,
            Sequence = sequence,
            StartTime = ProtoTimestamp.FromDateTime(Epoch.AddSeconds(sequence)),
            SampleRateHz = 250,
        };
        foreach (var lead in new[] { "II", "V1" })
        {
            var samples = new LeadSamples { Lead = lead, Gain = 200, Baseline = 0, Unit = "mV" };
            int seed = HashCode.Combine(deviceId, sequence, lead);
            for (int i = 0; i < 250; i++) samples.Samples.Add((seed + i * 7) % 2_000 - 1_000);
            segment.Leads.Add(samples);
        }
        return segment;
    }

    public static Message<string, byte[]> Message(EcgSegment segment) =>
        new() { Key = segment.DeviceId, Value = segment.ToByteArray() };

    public static EcgSegment Parse(ConsumeResult<string, byte[]> result) => EcgSegment.Parser.ParseFrom(result.Message.Value);

    /// <summary>Consumes until <paramref name="count"/> messages arrived or <paramref name="timeout"/> passed; the
    /// caller asserts on what came back, so a shortfall fails with the numbers rather than hanging.</summary>
    public static List<ConsumeResult<string, byte[]>> ConsumeUpTo(IConsumer<string, byte[]> consumer, int count, TimeSpan timeout)
    {
        var received = new List<ConsumeResult<string, byte[]>>(count);
        var deadline = DateTime.UtcNow + timeout;
        while (received.Count < count && DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(250));
            if (result is { IsPartitionEOF: false, Message: not null }) received.Add(result);
        }
        return received;
    }

    /// <summary>
    /// Consumes until every partition the consumer is assigned has been read to its end (or <paramref name="timeout"/>
    /// passed). Ends on the log's end rather than on a quiet spell: a group join can take seconds after a broker
    /// restart (0.9 reloads its group metadata first), and a quiet timer that starts before the join reads nothing.
    /// </summary>
    public static List<ConsumeResult<string, byte[]>> ConsumeToEnd(IConsumer<string, byte[]> consumer, TimeSpan timeout)
    {
        var received = new List<ConsumeResult<string, byte[]>>();
        var atEnd = new HashSet<TopicPartition>();
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(250));
            if (result is { IsPartitionEOF: true }) atEnd.Add(result.TopicPartition);
            else if (result?.Message is not null)
            {
                received.Add(result);
                atEnd.Remove(result.TopicPartition);
            }
            var assignment = consumer.Assignment;
            if (assignment.Count > 0 && assignment.All(atEnd.Contains)) break;
        }
        return received;
    }

    /// <summary>Commits, per partition, the offset after the last of <paramref name="processed"/>.</summary>
    public static void CommitProcessed(IConsumer<string, byte[]> consumer, IEnumerable<ConsumeResult<string, byte[]>> processed) =>
        consumer.Commit(processed
            .GroupBy(r => r.TopicPartition)
            .Select(g => new TopicPartitionOffset(g.Key, g.Max(r => r.Offset.Value) + 1)));

    /// <summary>librdkafka logs to stderr by default: deprecation warnings for the 0.9 settings and "brokers are
    /// down" during the outage tests, all expected. The assertions carry what matters, so the logs are dropped.</summary>
    /// <param name="log">When given, collects librdkafka's log and error lines, for a failure message to show.</param>
    public static IProducer<string, byte[]> Producer(ProducerConfig config, ConcurrentQueue<string>? log = null) =>
        new ProducerBuilder<string, byte[]>(config)
            .SetLogHandler((_, m) => log?.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {m.Level} {m.Facility}: {m.Message}"))
            .SetErrorHandler((_, e) => log?.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} error {e.Code}: {e.Reason}"))
            .Build();

    public static IConsumer<string, byte[]> Consumer(KafkaBrokerFixture broker, string groupId, string topic)
    {
        var config = broker.CreateConsumerConfig(groupId);
        config.EnablePartitionEof = true; // lets ConsumeToEnd tell "read to the end" from "not yet assigned"
        var consumer = new ConsumerBuilder<string, byte[]>(config)
            .SetLogHandler((_, _) => { }).SetErrorHandler((_, _) => { }).Build();
        consumer.Subscribe(topic);
        return consumer;
    }
}
