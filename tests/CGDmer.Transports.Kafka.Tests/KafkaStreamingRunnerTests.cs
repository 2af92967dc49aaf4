using CGDmer.Pipeline.OnnxRuntime;
using System.Reactive.Linq;
using CGDmer.Contracts.Telemetry.V1;
using CGDmer.Pipeline;
using CGDmer.Pipeline.Inference;
using CGDmer.Pipeline.Interpretation;
using CGDmer.Pipeline.Windowing;
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

    private Func<IObservable<EcgSegment>, IObservable<PipelineOutput>> Pipeline(Action? onInput = null, AlertCheckpointStore? alertState = null) => segments =>
        EcgPipeline.Run(segments.Do(_ => onInput?.Invoke()), () => DateTimeOffset.UtcNow, TestData.Components(_model) is var c ? c with { AlertCheckpoints = alertState, Windowing = Resumable(c.Windowing) } : null!);

    // The beat stream on, as a two-lead ward would run it, with epochs of 20 s instead of 60: the inputs an epoch holds
    // back (from its classifier's warm-up) then stay well short of the test's 90 s of signal, so the held bound below
    // still says "not the stream".
    private static WindowingOptions Resumable(WindowingOptions o)
    {
        var resumable = o.ForResumableInput();
        resumable.BeatStreamLeads = 2;
        resumable.BeatEpochSeconds = 20;
        return resumable;
    }

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
        var segments = Ward(start, 90);   // 270 inputs: the held bound below (198) is not the stream
        using (var producer = TestData.Producer(_cluster.BootstrapServers))
        {
            foreach (var s in segments) TestData.ProduceSync(producer, options.Topics.Segments, s.PatientId, s.ToByteArray());
            TestData.ProduceSync(producer, options.Topics.Segments, "p-1", [0xff, 0xff, 0x01]);   // unreadable
        }

        // First run: everything read; the windows whose time elapsed are published; then a graceful stop.
        int firstInputs = 0;
        // As the service runs it: with its alert state kept (an alarm's onset window names its strip, so a re-published
        // impression is the same only when the alert state it was published with is restored).
        var firstState = new AlertCheckpointStore();
        var firstMetrics = new KafkaTransportMetrics(new Prometheus.CollectorRegistry());
        var first = new KafkaStreamingRunner(options, Pipeline(() => Interlocked.Increment(ref firstInputs), firstState), firstMetrics, alertCheckpoints: firstState);
        first.Start();
        // Settled once everything was read and nothing more comes out for two seconds (windows still in the pipeline's
        // queues would otherwise be counted as held).
        await UntilQuietAsync(first, () => Volatile.Read(ref firstInputs), segments.Count, "the first run to read and publish");
        long held = first.Ledger.HeldInputs;
        await first.StopAsync(TimeSpan.FromSeconds(20));
        Assert.False(first.Completion.IsFaulted);
        // Only the inputs of the windows still open at the end of each patient's stream stay held (about one window,
        // its margins and the reorder bound of 1 s segments each), and those of the beat epoch still running from its
        // classifier's warm-up on, and the 30-s context a window reads (PatientWindower.HeldUntil), not the stream.
        var windowing = Resumable(new WindowingOptions());
        Assert.InRange(held, 1, 3 * (16 + windowing.BeatEpochSeconds + windowing.BeatWarmUpSeconds + CGDmer.Signal.Beats.RhythmFeatures.ContextSeconds - 10));

        var observations = ReadAvailable(options.Topics.Observations);
        Assert.True(observations.Count >= 3 * 9 * 2, $"{observations.Count} Observations");   // 3 patients × 9+ windows × HR and EKG
        Assert.Single(ReadAvailable(options.Topics.DeadLetter));
        // The stop released every partition, marking first each patient whose last delivered window is later than its
        // last stored alert state (all three here, unless that window changed the state).
        Assert.InRange(firstMetrics.DeliveredMarks.Value, 1, 3);

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
        var secondState = new AlertCheckpointStore();
        using (var second = new KafkaStreamingRunner(options, Pipeline(() => Interlocked.Increment(ref secondInputs), secondState), alertCheckpoints: secondState))
        {
            second.Start();
            await UntilAsync(() => Volatile.Read(ref secondInputs) >= expectedInputs, TimeSpan.FromSeconds(40), $"the second run to re-read {expectedInputs} inputs");
            await Task.Delay(2000);
            Assert.Equal(expectedInputs, Volatile.Read(ref secondInputs));
            await second.StopAsync(TimeSpan.FromSeconds(20));
        }
        var all = ReadAvailable(options.Topics.Observations);
        Assert.True(all.Count >= observations.Count);
        Assert.All(all.GroupBy(IdOf), g => Assert.Single(g.Distinct()));
        // Nothing the first run delivered comes out again: the partitions' watermarks are older than some patients'
        // settled windows, and the stop's delivered-through marks tell the second run to skip those.
        var firstCounts = observations.GroupBy(IdOf).ToDictionary(g => g.Key!, g => g.Count());
        var again = all.GroupBy(IdOf).Where(g => firstCounts.TryGetValue(g.Key!, out int n) && g.Count() > n).Select(g => g.Key).ToList();
        Assert.True(again.Count == 0, $"{again.Count} Observations of the first run published again, e.g. {string.Join(", ", again.Take(3))}");

        static string? IdOf(string json) => System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("id").GetString();
    }

    /// <summary>Runs until every segment given was read and nothing more came out for two seconds.</summary>
    private static async Task UntilQuietAsync(KafkaStreamingRunner runner, Func<int> inputs, int expected, string what)
    {
        long lastProduced = -1;
        var quietSince = DateTime.UtcNow;
        await UntilAsync(() =>
        {
            long produced = runner.Sink.Produced;
            if (produced != lastProduced || runner.Sink.Pending > 0 || runner.Ledger.PendingDeliveries > 0) { lastProduced = produced; quietSince = DateTime.UtcNow; }
            return produced > 0 && inputs() >= expected && DateTime.UtcNow - quietSince > TimeSpan.FromSeconds(2);
        }, TimeSpan.FromSeconds(60), what);
    }

    [Fact]
    public async Task An_alarm_goes_on_across_a_restart_without_a_second_onset_and_windows_delivered_before_are_not_published_again()
    {
        var options = _cluster.Options();
        var now = DateTimeOffset.UtcNow;
        var start = new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero).AddMinutes(-3);
        // Record 201 opens in atrial fibrillation: each patient's AF alarm starts about 20 s in and stays on.
        var segments = Ward(start, 80);
        int firstPart = 3 * 45;
        using (var producer = TestData.Producer(_cluster.BootstrapServers))
            foreach (var s in segments.Take(firstPart)) TestData.ProduceSync(producer, options.Topics.Segments, s.PatientId, s.ToByteArray());

        int firstInputs = 0;
        var firstState = new AlertCheckpointStore();
        var firstMetrics = new KafkaTransportMetrics(new Prometheus.CollectorRegistry());
        var first = new KafkaStreamingRunner(options, Pipeline(() => Interlocked.Increment(ref firstInputs), firstState), firstMetrics, alertCheckpoints: firstState);
        first.Start();
        await UntilQuietAsync(first, () => Volatile.Read(ref firstInputs), firstPart, "the first run to read and publish");
        await first.StopAsync(TimeSpan.FromSeconds(20));
        var onsetsBefore = Alerts(options).Where(a => a.Event == "onset" && a.Code == "atrial_fibrillation").ToList();
        Assert.Equal(3, onsetsBefore.Select(a => a.PatientId).Distinct().Count());

        // The monitors go on sending; a new instance of the same group takes over from the committed watermark, in the
        // middle of every patient's alarm.
        using (var producer = TestData.Producer(_cluster.BootstrapServers))
            foreach (var s in segments.Skip(firstPart)) TestData.ProduceSync(producer, options.Topics.Segments, s.PatientId, s.ToByteArray());
        int secondInputs = 0;
        var secondState = new AlertCheckpointStore();
        using (var second = new KafkaStreamingRunner(options, Pipeline(() => Interlocked.Increment(ref secondInputs), secondState), alertCheckpoints: secondState))
        {
            second.Start();
            await UntilQuietAsync(second, () => Volatile.Read(ref secondInputs), segments.Count - firstPart, "the second run to read and publish");
            Assert.Equal(3, secondState.Count);                          // every patient's alarm state was read back
            await second.StopAsync(TimeSpan.FromSeconds(20));
        }
        var alerts = Alerts(options).Where(a => a.Code == "atrial_fibrillation").ToList();
        // Still one alarm per patient: the new instance did not raise a second one for the same episode, and what it says
        // of the alarm (updates, an end) carries the alarm's id.
        Assert.Equal(onsetsBefore.Select(a => a.AlertId).Order(), alerts.Where(a => a.Event == "onset").Select(a => a.AlertId).Distinct().Order());
        Assert.All(alerts, a => Assert.Contains(a.AlertId, onsetsBefore.Select(o => o.AlertId)));

        // A third instance as after a crash before anything was committed: a new group reads every segment again, so the
        // windows published before come out again; those acknowledged before their patient's stored state are not
        // published again, and what is published twice is the same, to the byte.
        options.GroupId = "restarted-" + options.GroupId;
        int thirdInputs = 0;
        var thirdState = new AlertCheckpointStore();
        var metrics = new KafkaTransportMetrics(new Prometheus.CollectorRegistry());
        using (var third = new KafkaStreamingRunner(options, Pipeline(() => Interlocked.Increment(ref thirdInputs), thirdState), metrics, alertCheckpoints: thirdState))
        {
            third.Start();
            await UntilQuietAsync(third, () => Volatile.Read(ref thirdInputs), segments.Count, "the third run to read and publish");
            Assert.True(metrics.AlreadyDelivered.Value > 0, "windows read again were delivered before, and not published again");
            await third.StopAsync(TimeSpan.FromSeconds(20));
        }
        Assert.Equal(onsetsBefore.Select(a => a.AlertId).Order(),
                     Alerts(options).Where(a => a.Code == "atrial_fibrillation" && a.Event == "onset").Select(a => a.AlertId).Distinct().Order());
        Assert.All(ReadAvailable(options.Topics.Observations).GroupBy(json => System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("id").GetString()),
                   g => Assert.Single(g.Distinct()));
    }

    private List<CGDmer.Pipeline.Interpretation.AlertEvent> Alerts(KafkaOptions options) =>
        [.. ReadAvailable(options.Topics.Alerts).Select(CGDmer.Pipeline.Interpretation.AlertEventJson.Deserialize)];

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
