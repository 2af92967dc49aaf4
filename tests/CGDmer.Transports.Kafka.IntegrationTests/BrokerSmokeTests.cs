using CGDmer.TestSupport;
using System.Collections.Concurrent;
using CGDmer.Contracts.Telemetry.V1;
using Confluent.Kafka;
using Xunit.Abstractions;

namespace CGDmer.Transports.Kafka.IntegrationTests;

/// <summary>
/// The harness itself against the real broker: keyed EcgSegments round-trip in order per device, a consumer group's
/// committed offsets survive a consumer restart, and a broker outage loses no acknowledged segment.
/// </summary>
[Collection(KafkaBrokerCollection.Name)]
public sealed class BrokerSmokeTests(KafkaBrokerFixture broker, ITestOutputHelper output)
{
    private static readonly TimeSpan ConsumeTimeout = TimeSpan.FromSeconds(45);

    [Fact]
    public void The_test_broker_listens_below_the_ephemeral_port_range()
    {
        // Ports the kernel hands out to outgoing connections and port-0 listeners (other test hosts, librdkafka's mock
        // brokers) can be taken between start.sh's check and the JVM's bind; CI once lost every broker test to it.
        if (!broker.OwnsBroker) return; // an external broker's address is not ours to choose
        int port = int.Parse(broker.BootstrapServers.Split(':')[^1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(port, 1024, TestPorts.EphemeralLow - 1);
    }

    [Fact]
    public async Task A_thousand_keyed_segments_come_back_complete_and_in_order_per_device()
    {
        output.WriteLine($"broker {broker.BootstrapServers}, first start took {broker.InitialStartDuration.TotalSeconds:F1} s");
        var topic = KafkaBrokerFixture.NewTopic("roundtrip");
        const int devices = 10, perDevice = 100;

        var sent = new List<EcgSegment>();
        using (var producer = Telemetry.Producer(broker.CreateProducerConfig()))
        {
            var reports = new List<Task<DeliveryResult<string, byte[]>>>();
            // Interleaved across devices, as live telemetry arrives.
            for (ulong sequence = 0; sequence < perDevice; sequence++)
                for (int device = 0; device < devices; device++)
                {
                    var segment = Telemetry.Segment(Telemetry.Device(device), sequence);
                    sent.Add(segment);
                    reports.Add(producer.ProduceAsync(topic, Telemetry.Message(segment)));
                }
            var delivered = await Task.WhenAll(reports);
            Assert.All(delivered, d => Assert.Equal(PersistenceStatus.Persisted, d.Status));
        }

        using var consumer = Telemetry.Consumer(broker, $"roundtrip-{Guid.NewGuid():N}", topic);
        var received = Telemetry.ConsumeUpTo(consumer, sent.Count, ConsumeTimeout);
        consumer.Close();

        Assert.Equal(sent.Count, received.Count);
        foreach (var byDevice in received.GroupBy(r => r.Message.Key))
        {
            // A device's segments live in one partition, so the consumer sees them in the order they were produced,
            // byte for byte as sent.
            Assert.Single(byDevice.Select(r => r.Partition.Value).Distinct());
            var segments = byDevice.Select(Telemetry.Parse).ToList();
            Assert.Equal(Enumerable.Range(0, perDevice).Select(i => (ulong)i), segments.Select(s => s.Sequence));
            Assert.All(segments, s => Assert.Equal(byDevice.Key, s.DeviceId));
            Assert.All(segments, s => Assert.Equal(Telemetry.Segment(s.DeviceId, s.Sequence), s));
        }
        Assert.Equal(devices, received.Select(r => r.Message.Key).Distinct().Count());
        // The topic was auto-created with several partitions; ordering is only meaningful if keys spread over them.
        Assert.True(received.Select(r => r.Partition.Value).Distinct().Count() > 1, "all devices landed in one partition");
    }

    [Fact]
    public void Committed_offsets_survive_a_consumer_restart()
    {
        var topic = KafkaBrokerFixture.NewTopic("offsets");
        var group = $"offsets-{Guid.NewGuid():N}";
        const int total = 200, firstRun = 120;
        Produce(topic, devices: 4, total / 4);

        List<ConsumeResult<string, byte[]>> first;
        using (var consumer = Telemetry.Consumer(broker, group, topic))
        {
            first = Telemetry.ConsumeUpTo(consumer, firstRun, ConsumeTimeout);
            Telemetry.CommitProcessed(consumer, first);
            consumer.Close(); // leaves the group, so the next member is assigned at once
        }
        Assert.Equal(firstRun, first.Count);

        List<ConsumeResult<string, byte[]>> second;
        using (var consumer = Telemetry.Consumer(broker, group, topic))
        {
            second = Telemetry.ConsumeToEnd(consumer, ConsumeTimeout);
            consumer.Close();
        }

        // The restarted member resumes exactly after what was committed: nothing re-read, nothing skipped.
        var firstIds = first.Select(Identity).ToHashSet();
        var secondIds = second.Select(Identity).ToList();
        Assert.DoesNotContain(secondIds, firstIds.Contains);
        Assert.Equal(total - firstRun, secondIds.Count);
        Assert.Equal(total, firstIds.Union(secondIds).Count());
    }

    [Theory]
    [InlineData(Outage.GracefulStop)]
    [InlineData(Outage.Kill)]
    public async Task A_broker_outage_mid_stream_loses_no_acknowledged_segment(Outage outage)
    {
        var topic = KafkaBrokerFixture.NewTopic($"outage-{outage}".ToLowerInvariant());
        const int devices = 5, beforeOutage = 300, target = 600;
        var acked = new ConcurrentQueue<EcgSegment>();
        var failed = 0;

        var config = broker.CreateProducerConfig();
        config.MaxInFlight = 1; // no reordering on retry: acknowledged segments of a device stay in sequence
        var producerLog = new ConcurrentQueue<string>();
        using var producer = Telemetry.Producer(config, producerLog);
        void Send(ulong sequence)
        {
            for (int device = 0; device < devices; device++)
            {
                var segment = Telemetry.Segment(Telemetry.Device(device), sequence);
                producer.Produce(topic, Telemetry.Message(segment), report =>
                {
                    if (report.Error.IsError) Interlocked.Increment(ref failed);
                    else acked.Enqueue(segment);
                });
            }
        }

        ulong next = 0;
        while (acked.Count < beforeOutage) { Send(next++); producer.Poll(TimeSpan.FromMilliseconds(5)); }

        if (outage == Outage.Kill) await broker.KillBrokerAsync(); else await broker.StopBrokerAsync();
        // Keep producing into the outage: these wait in the producer's queue (or fail after message.timeout.ms).
        for (int i = 0; i < 20; i++) { Send(next++); producer.Poll(TimeSpan.FromMilliseconds(20)); }
        var ackedDuringOutage = acked.Count;
        await broker.StartBrokerAsync();
        output.WriteLine($"{outage}: broker back in {broker.LastStartDuration.TotalSeconds:F1} s");

        while (acked.Count < target) { Send(next++); producer.Poll(TimeSpan.FromMilliseconds(5)); }
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(60)));
        output.WriteLine($"{outage}: {next * devices} produced, {acked.Count} acked ({ackedDuringOutage} before the restart), {failed} failed");

        using var consumer = Telemetry.Consumer(broker, $"outage-{Guid.NewGuid():N}", topic);
        var reading = System.Diagnostics.Stopwatch.StartNew();
        var received = Telemetry.ConsumeToEnd(consumer, ConsumeTimeout);
        output.WriteLine($"{outage}: read {received.Count} records to the end of {consumer.Assignment.Count} partitions in {reading.Elapsed.TotalSeconds:F1} s");
        consumer.Close();

        // The assertions are about the log, record by record. A rebalance of this reading consumer (no offsets are
        // committed) would deliver records again from the start, which is the consumer's doing, not the log's.
        var log = received.DistinctBy(r => r.TopicPartitionOffset)
            .OrderBy(r => r.Partition.Value).ThenBy(r => r.Offset.Value).ToList();
        if (log.Count < received.Count) output.WriteLine($"{outage}: the reading consumer got {received.Count - log.Count} records twice");
        var receivedSegments = log.Select(Telemetry.Parse).ToList();
        var receivedIds = receivedSegments.Select(s => (s.DeviceId, s.Sequence)).ToHashSet();
        var missing = acked.Where(s => !receivedIds.Contains((s.DeviceId, s.Sequence))).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} acknowledged segments are gone, e.g. {string.Join(", ", missing.Take(5).Select(s => $"{s.DeviceId}#{s.Sequence}"))}");
        // Whatever the log holds was produced by us, intact (an unacknowledged send may still have landed).
        Assert.All(receivedSegments, s => Assert.Equal(Telemetry.Segment(s.DeviceId, s.Sequence), s));
        // Per device, the log keeps production order, except for re-sends. A request the broker wrote but could not
        // acknowledge before it went down is sent again (at-least-once; 0.9 has no idempotent producer). It holds the
        // device's latest segments, often several (linger), so the log may read 100, 101, 102, 100, 101, 102, 103:
        // a step back is allowed only to re-send, in order, the run up to the newest segment so far.
        var duplicates = 0;
        foreach (var device in receivedSegments.GroupBy(s => s.DeviceId))
        {
            var sequences = device.Select(s => s.Sequence).ToList();
            var violation = ResendViolation(sequences);
            Assert.True(violation is null, $"{device.Key}: {violation} (acked before the restart: {ackedDuringOutage}); " +
                $"the producer's log:{Environment.NewLine}{string.Join(Environment.NewLine, producerLog.TakeLast(40))}");
            duplicates += sequences.Count - sequences.Distinct().Count();
        }
        output.WriteLine($"{outage}: {receivedSegments.Count} in the log, {duplicates} duplicates");
    }

    public enum Outage { GracefulStop, Kill }

    /// <summary>
    /// Null when <paramref name="sequences"/> (one device's segments in log order) is production order in which every
    /// step back starts a re-send of the run up to the newest segment so far: 1 2 3 2 3 4 passes, 1 2 3 2 4 and
    /// 1 3 2 do not. Otherwise where and what broke it.
    /// </summary>
    internal static string? ResendViolation(IReadOnlyList<ulong> sequences)
    {
        int i = 0;
        ulong newest = 0;
        while (i < sequences.Count)
        {
            if (i == 0 || sequences[i] > newest) { newest = sequences[i++]; continue; }
            ulong from = sequences[i];
            for (ulong expected = from; expected <= newest; expected++, i++)
            {
                if (i < sequences.Count && sequences[i] == expected) continue;
                var around = string.Join(", ", sequences.Skip(Math.Max(0, i - 8)).Take(16));
                return $"out of order at {i} of {sequences.Count}: a step back to {from} after {newest} is not a re-send of {from}..{newest} ({around})";
            }
        }
        return null;
    }

    private void Produce(string topic, int devices, int perDevice)
    {
        using var producer = Telemetry.Producer(broker.CreateProducerConfig());
        for (ulong sequence = 0; sequence < (ulong)perDevice; sequence++)
            for (int device = 0; device < devices; device++)
                producer.Produce(topic, Telemetry.Message(Telemetry.Segment(Telemetry.Device(device), sequence)));
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(60)));
    }

    private static (string Device, ulong Sequence) Identity(ConsumeResult<string, byte[]> result)
    {
        var segment = Telemetry.Parse(result);
        return (segment.DeviceId, segment.Sequence);
    }
}
