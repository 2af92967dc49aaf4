using CGDmer.Pipeline.OnnxRuntime;
using System.Reactive.Concurrency;
using System.Reactive.Linq;
using CGDmer.Contracts.Telemetry.V1;
using CGDmer.Pipeline;
using CGDmer.Pipeline.Batching;
using CGDmer.Pipeline.Inference;
using CGDmer.Pipeline.Interpretation;
using CGDmer.Pipeline.Measurement;
using CGDmer.Pipeline.Metrics;
using CGDmer.Pipeline.Publishing;
using CGDmer.Pipeline.Validation;
using CGDmer.Pipeline.Windowing;
using CGDmer.Transports.Files;
using CGDmer.Transports.Replay;

namespace CGDmer.Transports.Tests;

/// <summary>The composed pipeline over a replayed record, with bad and repeated input mixed in: nothing is lost, nothing breaks.</summary>
public class PipelineOverReplayTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Bad_segments_are_dead_lettered_duplicates_dropped_and_every_window_published()
    {
        using var model = new OnnxFindingsSession(Path.Combine(AppContext.BaseDirectory, "assets", "cgdmer-small.onnx"), new OnnxRuntimeOptions { MaxBatchSize = 8 });
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var metrics = new PipelineMetrics(registry);
        var components = new EcgPipelineComponents(
            new SegmentValidator(new SegmentValidationOptions()), new SequenceTracker(), new WindowingOptions(), new WindowMeasurer(),
            new BatchingOptions { MaxBatchSize = 8 }, model, new InferOptions(), new Interpreter(model.Metadata),
            new ObservationFactory(new PublishingOptions(), model.Metadata), TaskPoolScheduler.Default, metrics);

        var recording = ReplayRecording.FromWfdb(Path.Combine(AppContext.BaseDirectory, "assets", "mitbih", "201")).Take(TimeSpan.FromSeconds(60));
        var segmenter = new RecordingSegmenter(recording, "patient-201", "monitor-1", T0, 1.0);
        var segments = new List<EcgSegment>();
        for (int k = 0; k < segmenter.SegmentCount; k++)
        {
            segments.Add(segmenter.Segment(k));
            if (k == 10) segments.Add(segmenter.Segment(k));                                     // redelivered
            if (k == 20) { var bad = segmenter.Segment(k).Clone(); bad.Leads[0].Unit = "mmHg"; bad.Sequence = 9999; segments.Add(bad); }
        }
        var clock = T0.AddMinutes(1);
        var outputs = EcgPipeline.Run(segments.ToObservable(), () => clock, components).ToList().Wait();

        var rejected = outputs.Where(o => o.Rejected is not null).ToList();
        var dead = Assert.Single(rejected);
        Assert.Equal(RejectionReason.UnknownUnit, dead.Rejected!.Rejection!.Reason);
        var letter = DeadLetterJson.Write(dead.Rejected, clock);
        Assert.Contains("\"reason\":\"UnknownUnit\"", letter);
        Assert.Contains("\"segment\":", letter);

        var windows = outputs.Where(o => o.Published is not null).Select(o => o.Published!).ToList();
        // 60 s on a 5 s grid with 10 s windows: windows starting at 5, …, 50 s ([0, 10) has no left resampler margin),
        // plus the partial one flushed at the end.
        Assert.InRange(windows.Count, 10, 11);
        Assert.Equal(windows.Select(w => w.Window.Start).Order(), windows.Select(w => w.Window.Start));
        // A heart rate and an EKG impression each; a window that raised a clinical alarm also its ECG strip.
        Assert.All(windows.Where(w => w.Window.IsAnalyzable), w => Assert.Equal(
            w.Alerts.Any(a => a.Kind == "clinical" && a.Event == "onset") ? ["hr", "ecg", "strip"] : new[] { "hr", "ecg" },
            w.Observations.Select(o => o.Kind)));
        Assert.Equal(1, metrics.SegmentsDropped.WithLabels("duplicate_sequence").Value);
        Assert.Equal(segments.Count, metrics.SegmentsIn.Value);
        Assert.Equal(1, metrics.SegmentsRejected.WithLabels("UnknownUnit").Value);
    }

    [Fact]
    public void Publishing_on_its_own_thread_and_on_several_signal_lanes_publishes_what_one_thread_does()
    {
        using var model = new OnnxFindingsSession(Path.Combine(AppContext.BaseDirectory, "assets", "cgdmer-small.onnx"), new OnnxRuntimeOptions { MaxBatchSize = 8 });
        var recording = ReplayRecording.FromWfdb(Path.Combine(AppContext.BaseDirectory, "assets", "mitbih", "201")).Take(TimeSpan.FromSeconds(90));
        var patients = Enumerable.Range(0, 4)
            .Select(i => new RecordingSegmenter(recording, $"patient-{i}", $"monitor-{i}", T0.AddMilliseconds(137 * i), 1.0)).ToList();

        List<string> Run(int lanes, bool publishThread)
        {
            var components = new EcgPipelineComponents(
                new SegmentValidator(new SegmentValidationOptions()), new SequenceTracker(), new WindowingOptions(), new WindowMeasurer(),
                new BatchingOptions { MaxBatchSize = 8 }, model, new InferOptions(), new Interpreter(model.Metadata),
                new ObservationFactory(new PublishingOptions(), model.Metadata), TaskPoolScheduler.Default, null, lanes, publishThread);
            var source = new ReplaySource(patients, ReplayPace.AsFastAsPossible);
            var outputs = EcgPipeline.Run(source.Segments(), () => source.Now, components).ToList().Wait();
            // Per patient in order (across patients the lanes may interleave differently): every Observation and alert.
            return outputs.Where(o => o.Published is not null).Select(o => o.Published!)
                .GroupBy(p => p.PatientId).OrderBy(g => g.Key)
                .SelectMany(g => g.SelectMany(p => p.Observations.Select(x => FhirNdjson.Serialize(x.Resource))
                    .Concat(p.Alerts.Select(AlertEventJson.Serialize))))
                .ToList();
        }

        var reference = Run(lanes: 1, publishThread: false);
        Assert.True(reference.Count > 40, $"only {reference.Count} outputs");
        Assert.Equal(reference, Run(lanes: 1, publishThread: true));
        Assert.Equal(reference, Run(lanes: 3, publishThread: true));
    }
}
