using CGDmer.Pipeline.OnnxRuntime;
using System.Reactive.Concurrency;
using System.Reactive.Linq;
using CGDmer.Contracts.Telemetry.V1;
using CGDmer.Pipeline;
using CGDmer.Pipeline.Batching;
using CGDmer.Pipeline.Inference;
using CGDmer.Pipeline.Interpretation;
using CGDmer.Pipeline.Measurement;
using CGDmer.Pipeline.Publishing;
using CGDmer.Pipeline.Validation;
using CGDmer.Pipeline.Windowing;
using CGDmer.Transports.Replay;
using Confluent.Kafka;

namespace CGDmer.Transports.Kafka.Tests;

/// <summary>Segments cut from MIT-BIH record 201, real pipeline output over them, and plain Kafka clients for the tests' side.</summary>
internal static class TestData
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 25, 8, 0, 0, TimeSpan.Zero);

    private static readonly Lazy<ReplayRecording> Record201 = new(() =>
        ReplayRecording.FromWfdb(Path.Combine(AppContext.BaseDirectory, "assets", "mitbih", "201")).Take(TimeSpan.FromSeconds(40)));

    public static RecordingSegmenter Segmenter(string patientId, string deviceId) =>
        new(Record201.Value, patientId, deviceId, T0, segmentSeconds: 1.0);

    /// <summary>The pipeline's stages with default options over <paramref name="model"/> (batches of up to 8), fresh state.</summary>
    public static EcgPipelineComponents Components(IFindingsModel model) => new(
        new SegmentValidator(new SegmentValidationOptions()), new SequenceTracker(), new WindowingOptions(), new WindowMeasurer(),
        new BatchingOptions { MaxBatchSize = 8 }, model, new InferOptions(), new Interpreter(model.Metadata),
        new ObservationFactory(new PublishingOptions(), model.Metadata), TaskPoolScheduler.Default);

    /// <summary>The pipeline's output over 40 s of record 201 with one segment of an unknown unit (a dead letter) mixed in.</summary>
    public static IReadOnlyList<PipelineOutput> PipelineOutputs(string patientId, string deviceId)
    {
        using var model = new OnnxFindingsSession(Path.Combine(AppContext.BaseDirectory, "assets", "cgdmer-small.onnx"), new OnnxRuntimeOptions { MaxBatchSize = 8 });
        var components = Components(model);
        var segmenter = Segmenter(patientId, deviceId);
        var segments = new List<EcgSegment>();
        for (int k = 0; k < segmenter.SegmentCount; k++)
        {
            segments.Add(segmenter.Segment(k));
            if (k == 5) { var bad = segmenter.Segment(k).Clone(); bad.Leads[0].Unit = "mmHg"; bad.Sequence = 9999; segments.Add(bad); }
        }
        var clock = T0.AddMinutes(1);
        return EcgPipeline.Run(segments.ToObservable(), () => clock, components).ToList().Wait().ToList();
    }

    /// <summary>An alert event of <paramref name="window"/>'s patient (the interpret stage's own alerts depend on the rhythm).</summary>
    public static AlertEvent Alert(PublishedWindow window, string evt = "onset") => new()
    {
        AlertId = $"alert-{window.Window.Index}",
        Event = evt,
        Kind = "technical",
        Code = "lead_off",
        Display = "Lead off",
        PatientId = window.PatientId,
        DeviceId = window.Window.DeviceId,
        Onset = window.Window.Start,
        ObservedAt = window.Window.End,
        Priority = "medium",
        Leads = ["V1"],
    };

    public static IProducer<string?, byte[]> Producer(string bootstrap) =>
        new ProducerBuilder<string?, byte[]>(new ProducerConfig { BootstrapServers = bootstrap, Acks = Acks.All })
            .SetLogHandler((_, _) => { }).Build();

    /// <summary>Produces and waits for the broker's acknowledgement; returns where the message landed.</summary>
    public static TopicPartitionOffset ProduceSync(IProducer<string?, byte[]> producer, string topic, string? key, byte[] value) =>
        producer.ProduceAsync(topic, new Message<string?, byte[]> { Key = key, Value = value }).GetAwaiter().GetResult().TopicPartitionOffset;

    /// <summary>Reads <paramref name="count"/> messages of <paramref name="topic"/> from the start (all partitions), or fails after <paramref name="timeout"/>.</summary>
    public static List<ConsumeResult<string?, string>> ReadAll(string bootstrap, string topic, int count, TimeSpan timeout)
    {
        using var consumer = new ConsumerBuilder<string?, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "reader-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
        }).SetLogHandler((_, _) => { }).Build();
        consumer.Assign(Enumerable.Range(0, MockKafkaCluster.PartitionsPerTopic).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var results = new List<ConsumeResult<string?, string>>();
        var deadline = DateTime.UtcNow + timeout;
        while (results.Count < count && DateTime.UtcNow < deadline)
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { IsPartitionEOF: false } r) results.Add(r);
        Assert.True(results.Count == count, $"read {results.Count} of {count} messages of {topic}");
        // Nothing beyond: a short extra poll must find no message.
        Assert.Null(consumer.Consume(TimeSpan.FromMilliseconds(300)));
        return results;
    }
}
