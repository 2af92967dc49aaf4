using CGDmer.Pipeline.OnnxRuntime;
using System.Reactive.Linq;
using CGDmer.Contracts.Telemetry.V1;
using CGDmer.Pipeline;
using CGDmer.Pipeline.Inference;
using CGDmer.Transports.Replay;
using Confluent.Kafka;
using Google.Protobuf;

namespace CGDmer.Transports.Kafka.Tests;

/// <summary>
/// The runner on the mock cluster (fast; the real-broker scenarios are in the integration tests): what a graceful stop
/// commits is the watermark of acknowledged output, and a restart from it re-publishes only what was open, identically.
/// </summary>
public sealed class KafkaStreamingRunnerTests : IClassFixture<MockKafkaCluster>, IDisposable
{
    private readonly MockKafkaCluster _cluster;
    private readonly OnnxFindingsSession _model = new(Path.Combine(AppContext.BaseDirectory, "assets", "cgdmer-small.onnx"),
                                                      new OnnxRuntimeOptions { MaxBatchSize = 8, IntraOpThreads = 1 });

    public KafkaStreamingRunnerTests(MockKafkaCluster cluster) => _cluster = cluster;

    public void Dispose() => _model.Dispose();

    private Func<IObservable<EcgSegment>, IObservable<PipelineOutput>> Pipeline(Action? onInput = null) => segments =>
        EcgPipeline.Run(segments.Do(_ => onInput?.Invoke()), () => DateTimeOffset.UtcNow, TestData.Components(_model));

    private static List<EcgSegment> Ward(DateTimeOffset start, int seconds)
    {
        var recording = ReplayRecording.FromWfdb(Path.Combine(AppContext.BaseDirectory, "assets", "mitbih", "201")).Take(TimeSpan.FromSeconds(seconds));
        var segments = new List<EcgSegment>();
        var beds = new[] { "p-1", "p-2", "p-3" }.Select((p, i) => new RecordingSegmenter(recording, p, "monitor-" + p, start.AddMilliseconds(i * 211), 1.0)).ToList();
        for (int k = 0; k < beds[0].SegmentCount; k++)
            foreach (var bed in beds) segments.Add(bed.Segment(k));
        return segments;
    }

    private static async Task UntilAsync(Func<bool> condition, TimeSpan within, string what)
    {
        var deadline = DateTime.UtcNow + within;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException(what);
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task A_graceful_stop_commits_the_watermark_and_a_restart_re_publishes_only_what_was_open_identically()
    {
        var options = _cluster.Options();
        var now = DateTimeOffset.UtcNow;
        var start = new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero).AddMinutes(-3);
        var segments = Ward(start, 60);
        using (var producer = TestData.Producer(_cluster.BootstrapServers))
        {
            foreach (var s in segments) TestData.ProduceSync(producer, options.Topics.Segments, s.PatientId, s.ToByteArray());
            TestData.ProduceSync(producer, options.Topics.Segments, "p-1", [0xff, 0xff, 0x01]);   // unreadable
        }

        // First run: everything read; the windows whose time elapsed are published; then a graceful stop.
        int firstInputs = 0;
        var first = new KafkaStreamingRunner(options, Pipeline(() => Interlocked.Increment(ref firstInputs)));
        first.Start();
        // Settled once everything was read and nothing more comes out for two seconds (windows still in the pipeline's
        // queues would otherwise be counted as held).
        long lastProduced = -1;
        var quietSince = DateTime.UtcNow;
        await UntilAsync(() =>
        {
            long produced = first.Sink.Produced;
            if (produced != lastProduced || first.Sink.Pending > 0 || first.Ledger.PendingDeliveries > 0) { lastProduced = produced; quietSince = DateTime.UtcNow; }
            return produced > 0 && Volatile.Read(ref firstInputs) == segments.Count && DateTime.UtcNow - quietSince > TimeSpan.FromSeconds(2);
        }, TimeSpan.FromSeconds(60), "the first run to read and publish");
        long held = first.Ledger.HeldInputs;
        await first.StopAsync(TimeSpan.FromSeconds(20));
        Assert.False(first.Completion.IsFaulted);
        // Only the inputs of the windows still open at the end of each patient's stream stay held (about one window,
        // its margins and the reorder bound of 1 s segments each), not the stream.
        Assert.InRange(held, 1, 3 * 16);

        var observations = ReadAvailable(options.Topics.Observations);
        Assert.True(observations.Count >= 3 * 9 * 2, $"{observations.Count} Observations");   // 3 patients × 9+ windows × HR and EKG
        Assert.Single(ReadAvailable(options.Topics.DeadLetter));

        // Committed: per partition, the oldest offset still held at the stop, i.e. not everything read — and not much less.
        long committedTotal;
        using (var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = _cluster.BootstrapServers, GroupId = options.GroupId }).Build())
        {
            var committed = consumer.Committed(Enumerable.Range(0, MockKafkaCluster.PartitionsPerTopic)
                .Select(p => new TopicPartition(options.Topics.Segments, p)), TimeSpan.FromSeconds(10));
            committedTotal = committed.Where(c => c.Offset != Offset.Unset).Sum(c => c.Offset.Value);
        }
        long messages = segments.Count + 1;
        // A partition commits up to its oldest held offset, so settled messages behind it on the same partition (another
        // patient's, the unreadable one) are not committed either: at most about as many again as were held.
        Assert.InRange(committedTotal, messages - 2 * held - 1, messages - 1);

        // Second run, same group: it reads exactly what was not committed (the unreadable message, last of its
        // partition behind held segments, is read again too but never reaches the pipeline) and publishes nothing that
        // differs from the first run.
        long expectedInputs = messages - committedTotal - 1;
        int secondInputs = 0;
        using (var second = new KafkaStreamingRunner(options, Pipeline(() => Interlocked.Increment(ref secondInputs))))
        {
            second.Start();
            await UntilAsync(() => Volatile.Read(ref secondInputs) >= expectedInputs, TimeSpan.FromSeconds(40), $"the second run to re-read {expectedInputs} inputs");
            await Task.Delay(2000);
            Assert.Equal(expectedInputs, Volatile.Read(ref secondInputs));
            await second.StopAsync(TimeSpan.FromSeconds(20));
        }
        var all = ReadAvailable(options.Topics.Observations);
        Assert.True(all.Count >= observations.Count);
        Assert.All(all.GroupBy(json => System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("id").GetString()),
                   g => Assert.Single(g.Distinct()));
    }

    /// <summary>Every message of <paramref name="topic"/> so far (until a second passes without one).</summary>
    private List<string> ReadAvailable(string topic)
    {
        using var consumer = new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = _cluster.BootstrapServers, GroupId = "reader-" + Guid.NewGuid().ToString("N"), EnableAutoCommit = false,
        }).SetLogHandler((_, _) => { }).Build();
        consumer.Assign(Enumerable.Range(0, MockKafkaCluster.PartitionsPerTopic).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var values = new List<string>();
        // The first fetch waits for the partitions' leaders; after that, a second without a message ends the read.
        var first = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (consumer.Consume(TimeSpan.FromSeconds(1)) is var r && (r is not null || (values.Count == 0 && DateTime.UtcNow < first)))
            if (r is { IsPartitionEOF: false }) values.Add(r.Message.Value);
        return values;
    }
}
