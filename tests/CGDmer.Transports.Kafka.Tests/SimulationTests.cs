using CGDmer.Pipeline.Validation;
using CGDmer.Transports.Replay;
using CGDmer.Simulation;
using Confluent.Kafka;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CGDmer.Transports.Kafka.Tests;

/// <summary>The bedside simulator's messages as the Kafka transport reads them, and its producer on the mock cluster.</summary>
public class SimulationTests : IClassFixture<MockKafkaCluster>
{
    private const int MaxSegmentBytes = 64 * 1024; // the service's Kafka:MaxSegmentBytes in these tests
    private static readonly Lazy<ReplayRecording> Record201 = new(() =>
        ReplayRecording.FromWfdb(Path.Combine(AppContext.BaseDirectory, "assets", "mitbih", "201")).Take(TimeSpan.FromSeconds(60)));
    private readonly MockKafkaCluster _cluster;

    public SimulationTests(MockKafkaCluster cluster) => _cluster = cluster;

    private static BedsideSimulator Simulator(int seed, double seconds, SimulatorFaults faults, int monitors = 2) =>
        new(new SimulationSettings { Seed = seed, Start = TestData.T0, Duration = TimeSpan.FromSeconds(seconds), Faults = faults },
            Enumerable.Repeat(MonitorSignal.FromRecording(Record201.Value), monitors).ToList());

    private static SimulatorFaults AllFaults(double malformed) => new()
    {
        JitterMs = 200, ReorderProbability = 0.1, DuplicateProbability = 0.1, GapProbability = 0.05, LeadOffProbability = 0.05,
        NoiseBurstProbability = 0.05, ClockSkewMs = 3000, MalformedProbability = malformed, OversizedBytes = MaxSegmentBytes + 1,
    };

    [Property(MaxTest = 25)]
    public Property Every_message_is_read_and_validated_as_the_simulator_says(int seed)
    {
        var sim = Simulator(seed, 20, AllFaults(malformed: 0.7));
        var validator = new SegmentValidator();
        var position = new SourcePosition("segments", 0, 0);
        var wrong = new List<string>();
        foreach (var m in sim.Messages())
        {
            var consumed = KafkaSegmentSource.Parse(m.Value, position, MaxSegmentBytes);
            // The service's receiver clock: about when the message is sent (the simulation runs in real time here).
            var receivedAt = TestData.T0 + m.SendAt;
            string actual;
            if (!consumed.IsReadable) actual = $"unreadable {consumed.Unreadable!.Reason}";
            else
            {
                var result = validator.Validate(consumed.Segment!, receivedAt);
                actual = result.IsAccepted ? "accepted" : $"rejected {result.Rejection!.Reason}";
            }
            string expected = m.ExpectedDeadLetter?.ToString() ?? "accepted";
            if (actual != expected) wrong.Add($"{m}: expected {expected}, got {actual}");
        }
        return (wrong.Count == 0).Label(string.Join("; ", wrong.Take(5)));
    }

    [Fact]
    public void The_simulators_unreadable_codes_are_the_transports()
    {
        var sim = Simulator(3, 30, new SimulatorFaults
        {
            MalformedProbability = 1, OversizedBytes = MaxSegmentBytes + 1,
            MalformedKinds = [Malformation.RandomBytes, Malformation.TruncatedSegment, Malformation.EmptyMessage, Malformation.OversizedPayload],
        });
        var reasons = sim.Messages().Where(m => m.ExpectedDeadLetter is { Unreadable: true }).Select(m => m.ExpectedDeadLetter!.Value.Reason).ToHashSet();
        Assert.Equal(new HashSet<string> { UnreadableReason.MalformedMessage, UnreadableReason.EmptyMessage, UnreadableReason.OversizedMessage }, reasons);
    }

    [Fact]
    public void The_producer_delivers_the_whole_plan_keyed_by_patient_in_each_patients_order()
    {
        var options = _cluster.Options();
        var sim = Simulator(5, 30, AllFaults(malformed: 0.2), monitors: 3);
        var plan = sim.Messages().ToList();
        Assert.Contains(plan, m => m.Kind == SimulatedMessageKind.Malformed && m.Value.Length == 0);

        ProduceReport report;
        using (var producer = new KafkaSegmentProducer(options, maxInFlight: 16))
            report = producer.Send(sim.Messages());
        Assert.Equal(plan.Count, report.Produced);
        Assert.Equal(plan.Count, report.Delivered);
        Assert.Equal(0, report.Failed);
        Assert.Empty(report.FailuresByCode);
        Assert.False(report.Cancelled);
        Assert.Equal(plan.Count(m => m.Kind == SimulatedMessageKind.Duplicate), report.ProducedByKind.GetValueOrDefault(SimulatedMessageKind.Duplicate));
        Assert.True(report.DeliveredPerSecond > 0);

        var read = ReadAll(options.Topics.Segments, plan.Count);
        foreach (var patient in plan.GroupBy(m => m.Key))
        {
            var got = read.Where(r => r.Message.Key == patient.Key).ToList();
            // One patient, one partition, the plan's order.
            Assert.Single(got.Select(r => r.Partition.Value).Distinct());
            Assert.Equal(patient.Select(m => Convert.ToBase64String(m.Value)), got.OrderBy(r => r.Offset.Value).Select(r => Convert.ToBase64String(r.Message.Value ?? [])));
        }
    }

    [Fact]
    public void A_paced_send_takes_at_least_the_plans_time_divided_by_the_speed()
    {
        var options = _cluster.Options();
        var sim = Simulator(2, 6, new SimulatorFaults(), monitors: 1);
        var plan = sim.Messages().ToList();
        var span = plan[^1].SendAt - plan[0].SendAt;
        using var producer = new KafkaSegmentProducer(options);
        var report = producer.Send(plan, speed: 10);
        Assert.Equal(plan.Count, report.Delivered);
        Assert.True(report.Elapsed >= span / 10, $"{report.Elapsed} < {span / 10}");
    }

    [Fact]
    public void A_cancelled_send_stops_and_says_so()
    {
        var options = _cluster.Options();
        using var producer = new KafkaSegmentProducer(options);
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        var report = producer.Send(Simulator(1, 10, new SimulatorFaults()).Messages(), speed: 1, cancel.Token);
        Assert.True(report.Cancelled);
        Assert.Equal(0, report.Produced);
        Assert.Throws<ArgumentOutOfRangeException>(() => producer.Send([], speed: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new KafkaSegmentProducer(options, maxInFlight: 0));
        Assert.Throws<ArgumentException>(() => new KafkaSegmentProducer(new KafkaOptions()));
    }

    private List<ConsumeResult<string?, byte[]?>> ReadAll(string topic, int count)
    {
        using var consumer = new ConsumerBuilder<string?, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = _cluster.BootstrapServers,
            GroupId = "reader-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
        }).SetLogHandler((_, _) => { }).Build();
        consumer.Assign(Enumerable.Range(0, MockKafkaCluster.PartitionsPerTopic).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var results = new List<ConsumeResult<string?, byte[]?>>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (results.Count < count && DateTime.UtcNow < deadline)
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { IsPartitionEOF: false } r) results.Add(r);
        Assert.Equal(count, results.Count);
        Assert.Null(consumer.Consume(TimeSpan.FromMilliseconds(300)));
        return results;
    }
}
