using System.Collections.Concurrent;
using System.Reactive.Linq;
using CGDmer.Contracts.Telemetry.V1;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace CGDmer.Transports.Kafka.Tests;

/// <summary>The segment source against the mock cluster: ordered per patient, positioned, bad bytes as items, clean stop.</summary>
public class KafkaSegmentSourceTests : IClassFixture<MockKafkaCluster>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly MockKafkaCluster _cluster;

    public KafkaSegmentSourceTests(MockKafkaCluster cluster) => _cluster = cluster;

    /// <summary>Subscribes and collects items until <paramref name="count"/> arrived (or fails after <see cref="Patience"/>).</summary>
    private static List<ConsumedSegment> Collect(KafkaSegmentSource source, int count)
    {
        var items = new BlockingCollection<ConsumedSegment>();
        Exception? error = null;
        using (source.Segments.Subscribe(items.Add, e => error = e))
        {
            var result = new List<ConsumedSegment>();
            var deadline = DateTime.UtcNow + Patience;
            while (result.Count < count && items.TryTake(out var item, deadline - DateTime.UtcNow > TimeSpan.Zero ? deadline - DateTime.UtcNow : TimeSpan.Zero))
                result.Add(item);
            Assert.Null(error);
            Assert.True(result.Count == count, $"received {result.Count} of {count}");
            return result;
        }
    }

    /// <summary>Segments 0..<paramref name="count"/>-1 of one patient's monitor, each acknowledged before the next.</summary>
    private void ProduceSegments(KafkaOptions options, string patientId, string deviceId, int count)
    {
        var segmenter = TestData.Segmenter(patientId, deviceId);
        using var producer = TestData.Producer(_cluster.BootstrapServers);
        for (int k = 0; k < count; k++)
            TestData.ProduceSync(producer, options.Topics.Segments, segmenter.PatientId, segmenter.Segment(k).ToByteArray());
    }

    /// <summary>Takes <paramref name="count"/> items (or what came within <see cref="Patience"/>).</summary>
    private static List<ConsumedSegment> Take(BlockingCollection<ConsumedSegment> items, int count)
    {
        var got = new List<ConsumedSegment>();
        while (got.Count < count && items.TryTake(out var item, Patience)) got.Add(item);
        return got;
    }

    [Fact]
    public void Segments_arrive_in_order_per_patient_with_their_positions()
    {
        var options = _cluster.Options();
        var patients = new[] { "patient-a", "patient-b", "patient-c", "patient-d", "patient-e" };
        var segmenters = patients.Select((p, i) => TestData.Segmenter(p, $"monitor-{i}")).ToArray();
        const int perPatient = 12;
        var landed = new Dictionary<(string, ulong), Confluent.Kafka.TopicPartitionOffset>();
        using (var producer = TestData.Producer(_cluster.BootstrapServers))
            for (int k = 0; k < perPatient; k++)
                foreach (var s in segmenters)
                {
                    var segment = s.Segment(k);
                    landed[(s.PatientId, segment.Sequence)] = TestData.ProduceSync(producer, options.Topics.Segments, s.PatientId, segment.ToByteArray());
                }

        var events = new ConcurrentQueue<PartitionEvent>();
        using var source = new KafkaSegmentSource(options);
        using var _ = source.Partitions.Subscribe(events.Enqueue);
        var items = Collect(source, patients.Length * perPatient);

        Assert.All(items, i => Assert.True(i.IsReadable));
        foreach (var patient in patients)
        {
            var mine = items.Where(i => i.Segment!.PatientId == patient).ToList();
            Assert.Equal(Enumerable.Range(0, perPatient).Select(k => (ulong)k), mine.Select(i => i.Segment!.Sequence));
            Assert.Single(mine.Select(i => i.Position.Partition).Distinct());
            foreach (var item in mine)
            {
                var at = landed[(patient, item.Segment!.Sequence)];
                Assert.Equal(new SourcePosition(at.Topic, at.Partition.Value, at.Offset.Value), item.Position);
                Assert.NotNull(item.BrokerTimestamp);
            }
        }
        foreach (var partition in items.GroupBy(i => i.Position.Partition))
            Assert.Equal(partition.Select(i => i.Position.Offset).Order(), partition.Select(i => i.Position.Offset));
        Assert.Equal(patients.Length * perPatient, source.Consumed);
        Assert.Equal(0, source.Unreadable);

        var assigned = events.Where(e => e.Change == PartitionChange.Assigned).SelectMany(e => e.Partitions).ToHashSet();
        Assert.Equal(Enumerable.Range(0, MockKafkaCluster.PartitionsPerTopic).Select(p => new SourcePartition(options.Topics.Segments, p)).ToHashSet(), assigned);
    }

    [Fact]
    public void Malformed_messages_become_unreadable_items_and_the_stream_goes_on()
    {
        var options = _cluster.Options();
        var segmenter = TestData.Segmenter("patient-m", "monitor-m");
        byte[] garbage = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01];
        var sent = new List<(byte[] Value, Confluent.Kafka.TopicPartitionOffset At)>();
        using (var producer = TestData.Producer(_cluster.BootstrapServers))
            foreach (var value in new[] { segmenter.Segment(0).ToByteArray(), garbage, [], segmenter.Segment(1).ToByteArray() })
                sent.Add((value, TestData.ProduceSync(producer, options.Topics.Segments, segmenter.PatientId, value)));

        using var source = new KafkaSegmentSource(options);
        var items = Collect(source, sent.Count);

        for (int i = 0; i < sent.Count; i++)
            Assert.Equal(new SourcePosition(sent[i].At.Topic, sent[i].At.Partition.Value, sent[i].At.Offset.Value), items[i].Position);
        Assert.Equal(0UL, items[0].Segment?.Sequence);
        Assert.Equal(UnreadableReason.MalformedMessage, items[1].Unreadable?.Reason);
        Assert.Equal(garbage, items[1].Unreadable!.Payload);
        Assert.Equal(UnreadableReason.EmptyMessage, items[2].Unreadable?.Reason);
        Assert.Equal(1UL, items[3].Segment?.Sequence);
        Assert.Equal(2, source.Unreadable);
    }

    [Fact]
    public void Only_one_subscriber_at_a_time_and_a_new_one_after_the_first_left()
    {
        var options = _cluster.Options();
        ProduceSegments(options, "patient-s", "monitor-s", 1);

        using var source = new KafkaSegmentSource(options);
        using (source.Segments.Subscribe(_ => { }))
            Assert.Throws<InvalidOperationException>(() => source.Segments.Subscribe(_ => { }));
        // The first subscription left the group on dispose (nothing was committed): a new one reads from the start.
        var again = Collect(source, 1);
        Assert.Equal(0UL, again[0].Segment!.Sequence);
    }

    [Fact]
    public void Stored_offsets_are_committed_and_a_restarted_member_resumes_there()
    {
        var options = _cluster.Options();
        ProduceSegments(options, "patient-r", "monitor-r", 6);

        using (var first = new KafkaSegmentSource(options))
        {
            var items = new BlockingCollection<ConsumedSegment>();
            using (first.Segments.Subscribe(items.Add))
            {
                var got = Take(items, 6);
                Assert.Equal(6, got.Count);
                // Output of segments 0..3 acknowledged: resume at segment 4 (the next to read).
                var fourth = got[4].Position;
                Assert.True(first.StoreOffset(fourth));
                Assert.False(first.StoreOffset(fourth with { Partition = 99 }));
            } // dispose commits the stored offset and leaves the group
            Assert.False(first.StoreOffset(new SourcePosition(options.Topics.Segments, 0, 0)));
        }

        using var second = new KafkaSegmentSource(options);
        var resumed = Collect(second, 2);
        Assert.Equal(new ulong[] { 4, 5 }, resumed.Select(i => i.Segment!.Sequence));
    }

    [Fact]
    public void After_a_drain_completes_the_member_stays_in_the_group_until_disposed_and_commits_what_was_stored_meanwhile()
    {
        var options = _cluster.Options();
        ProduceSegments(options, "patient-d", "monitor-d", 6);

        using (var first = new KafkaSegmentSource(options))
        {
            var events = new ConcurrentQueue<PartitionEvent>();
            using var _ = first.Partitions.Subscribe(events.Enqueue);
            var items = new BlockingCollection<ConsumedSegment>();
            using var completed = new ManualResetEventSlim();
            // Rx disposes this subscription when it completes, as it does the pipeline's.
            first.Segments.Subscribe(items.Add, () => completed.Set());
            var got = Take(items, 6);
            Assert.Equal(6, got.Count);

            first.StopReading();
            Assert.True(completed.Wait(Patience));
            Thread.Sleep(500);   // a member that left on completion would have revoked its partitions by now
            Assert.DoesNotContain(events, e => e.Change == PartitionChange.Revoked);
            // The pipeline drains: outputs of segments 0..4 acknowledged after the completion, resume at segment 5.
            Assert.True(first.StoreOffset(got[5].Position));
        } // dispose commits, then leaves the group

        using var second = new KafkaSegmentSource(options);
        Assert.Equal(new ulong[] { 5 }, Collect(second, 1).Select(i => i.Segment!.Sequence));
    }

    [Fact]
    public void The_loop_reads_no_further_while_the_subscriber_is_busy_and_revokes_its_partitions_at_stop()
    {
        var options = _cluster.Options();
        ProduceSegments(options, "patient-b", "monitor-b", 5);

        using var source = new KafkaSegmentSource(options);
        var events = new ConcurrentQueue<PartitionEvent>();
        using var _ = source.Partitions.Subscribe(events.Enqueue);
        using var firstArrived = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var received = new BlockingCollection<ulong>();
        using (source.Segments.Subscribe(item =>
        {
            received.Add(item.Segment!.Sequence);
            firstArrived.Set();
            release.Wait(); // the pipeline is full: OnNext blocks
        }))
        {
            Assert.True(firstArrived.Wait(Patience));
            // All five are in librdkafka's prefetch queue by now; none may be handed on while OnNext blocks.
            Thread.Sleep(500);
            Assert.Equal(1, source.Consumed);
            Assert.Single(received);
            release.Set();
            var all = new List<ulong> { received.Take() };
            while (all.Count < 5 && received.TryTake(out var seq, Patience)) all.Add(seq);
            Assert.Equal(new ulong[] { 0, 1, 2, 3, 4 }, all);
        }
        var last = events.Last();
        Assert.Equal(PartitionChange.Revoked, last.Change);
        Assert.Equal(MockKafkaCluster.PartitionsPerTopic, last.Partitions.Count);
    }
    [Fact]
    public void Disposed_from_inside_OnNext_the_partition_events_complete_once_and_the_final_revocation_throws_nowhere()
    {
        var options = _cluster.Options();
        ProduceSegments(options, "patient-d", "monitor-d", 1);

        var log = new ListLogger<KafkaSegmentSource>();
        var source = new KafkaSegmentSource(options, log);
        var events = new ConcurrentQueue<string>();
        using var _ = source.Partitions.Subscribe(e => events.Enqueue(e.Change.ToString()), e => events.Enqueue("error"), () => events.Enqueue("completed"));
        using var disposed = new ManualResetEventSlim();
        // Disposing from inside OnNext cannot wait for the consume thread: its close (and revocation) comes after Dispose.
        using var subscription = source.Segments.Subscribe(_ => { source.Dispose(); disposed.Set(); });
        Assert.True(disposed.Wait(Patience));
        var deadline = DateTime.UtcNow + Patience;
        while (!log.Entries.Any(e => e.Message.StartsWith("Partitions Revoked", StringComparison.Ordinal)) && DateTime.UtcNow < deadline) Thread.Sleep(20);

        Assert.Contains(log.Entries, e => e.Message.StartsWith("Partitions Revoked", StringComparison.Ordinal));
        Assert.DoesNotContain(log.Entries, e => e.Level >= LogLevel.Error);
        Assert.Equal("completed", events.Last());
        Assert.Single(events, e => e == "completed");
        Assert.DoesNotContain("error", events);
    }

    /// <summary>Keeps every entry logged (level and formatted message).</summary>
    private sealed class ListLogger<T> : ILogger<T>
    {
        public ConcurrentQueue<(LogLevel Level, string Message)> Entries { get; } = new();
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Enqueue((logLevel, formatter(state, exception)));
    }
}
