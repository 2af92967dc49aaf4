using System.Reactive.Concurrency;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using CGDmer.Contracts.Telemetry.V1;
using CGDmer.Pipeline.Batching;
using CGDmer.Pipeline.Inference;
using CGDmer.Pipeline.Interpretation;
using CGDmer.Pipeline.Measurement;
using CGDmer.Pipeline.Metrics;
using CGDmer.Pipeline.Concurrency;
using CGDmer.Pipeline.Publishing;
using CGDmer.Pipeline.Settlement;
using CGDmer.Pipeline.Validation;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal.Beats;

namespace CGDmer.Pipeline;

/// <summary>Everything the pipeline's stages need, built once at start-up (the model's metadata decides the geometry).</summary>
public sealed record EcgPipelineComponents(
    SegmentValidator Validator,
    SequenceTracker Sequences,
    WindowingOptions Windowing,
    WindowMeasurer Measurer,
    BatchingOptions Batching,
    IFindingsModel Model,
    InferOptions Infer,
    Interpreter Interpreter,
    ObservationFactory Observations,
    IScheduler Scheduler,
    PipelineMetrics? Metrics = null,
    int SignalLanes = 1,
    bool PublishOnOwnThread = false,
    int SignalLaneNice = 0,
    IAlertCheckpointSource? AlertCheckpoints = null)
{
    public WindowGeometry Geometry => Model.Geometry;
}

/// <summary>
/// One output of the pipeline: a published window (Observations and alerts), a rejected segment (dead letter) or a notice
/// (a dead letter without a segment, <see cref="ValidationResult.IsNotice"/>: a device's stream started a new epoch), or,
/// with nothing to deliver, the settlement of inputs no window will read (<see cref="Closed"/>, <see cref="DroppedInput"/>;
/// transports that commit read positions need them, file sinks ignore them). See <see cref="InputSettlement"/>.
/// </summary>
public sealed record PipelineOutput(PublishedWindow? Published, ValidationResult? Rejected,
                                    PatientStateClosed? Closed = null, long DroppedInput = 0)
{
    public static PipelineOutput Of(PublishedWindow w) => new(w, null);
    public static PipelineOutput Of(ValidationResult r) => new(null, r);
    public static PipelineOutput Of(PatientStateClosed c) => new(null, null, c);
    /// <summary>An accepted segment dropped before windowing without a dead letter (duplicate or late sequence number).</summary>
    public static PipelineOutput Dropped(EcgSegmentData segment) => new(null, null, null, segment.InputOrdinal);

    /// <summary>True for the outputs that carry only input settlement (nothing to publish).</summary>
    public bool IsSettlementOnly => Published is null && Rejected is null;
}

/// <summary>
/// The streaming pipeline, transport-agnostic: segments in; published windows and dead letters out.
/// <code>
/// source → validate → sequence → [window → measure] × lanes → batch → infer (⇥) interpret → publish  (⇥: own thread, optional)
///             └──────────┴── rejected (dead letter); new epochs (notice)
/// </code>
/// Alongside, the inputs no window will read are settled (<see cref="PipelineOutput.Closed"/>,
/// <see cref="PipelineOutput.DroppedInput"/>), so an at-least-once transport can commit past them.
/// </summary>
public static class EcgPipeline
{
    /// <summary>Segments a signal lane may queue before the source blocks (a few seconds of a busy ward).</summary>
    public const int LaneQueueCapacity = 256;

    /// <summary>Analysed windows that may wait for the publish thread before the model's thread blocks.</summary>
    public const int PublishQueueCapacity = 256;

    // Each lane holds its own patients, so the patient capacity is shared out between the lanes.
    /// <summary>Applies <paramref name="stage"/> to the stream: an optional stage written in the chain's order.</summary>
    private static IObservable<TOut> Let<TIn, TOut>(this IObservable<TIn> source, Func<IObservable<TIn>, IObservable<TOut>> stage) => stage(source);

    private static WindowingOptions PerLane(WindowingOptions o, int lanes) =>
        lanes == 1 ? o : o.WithMaxPatients((int)Math.Max(1, ((long)o.MaxPatients + lanes - 1) / lanes));

    /// <summary>
    /// Composes the stages over <paramref name="segments"/>. <paramref name="clock"/> is the receiver clock for the
    /// time rules (the wall clock live; the replay's clock in a replay). Cold: each subscription runs its own pipeline
    /// with its own per-patient state. Back-pressure: when the model falls behind, OnNext of the source blocks.
    /// </summary>
    public static IObservable<PipelineOutput> Run(IObservable<EcgSegment> segments, Func<DateTimeOffset> clock, EcgPipelineComponents c)
    {
        ArgumentNullException.ThrowIfNull(segments);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(c);
        // The beat stream as the model needs it, unless configured; fail at composition, e.g. for a model that reads the
        // beat stream, switched off.
        var windowing = c.Windowing.ForModel(c.Model.Metadata.RhythmFeatures).Validate(c.Geometry, c.Model.Metadata.RhythmFeatures);
        return Observable.Create<PipelineOutput>(observer =>
        {
            var metrics = c.Metrics;
            var validated = segments
                .Do(_ => metrics?.SegmentsIn.Inc())
                .Validate(c.Validator, clock)
                .Publish();

            var rejected = validated
                .Where(r => !r.IsAccepted)
                .Do(r => metrics?.SegmentsRejected.WithLabels(r.Rejection!.Code).Inc())
                .Select(PipelineOutput.Of);

            // Settlement side channel: raised synchronously where an input is let go (dropped, or dead-lettered by the
            // sequence stage), so it never trails a later window of the same patient; it completes with the windows.
            var settled = new Subject<PipelineOutput>();
            var published = validated
                .Where(r => r.IsAccepted)
                .InSequence(c.Sequences, metrics, dropped => settled.OnNext(PipelineOutput.Dropped(dropped)),
                            deadLetter => settled.OnNext(PipelineOutput.Of(deadLetter)))
                .PerPatientLanes(c.SignalLanes, LaneQueueCapacity, lane => lane
                    .WindowPerPatient(c.Geometry, PerLane(windowing, c.SignalLanes), c.Scheduler, metrics,
                                      closed => settled.OnNext(PipelineOutput.Of(closed)))
                    .Measure(c.Measurer, metrics, RhythmFeatures.MeasuresOnBeatStream(c.Model.Metadata.RhythmFeatures),
                             RhythmFeatures.MeasuresQualityOnStream(c.Model.Metadata.RhythmFeatures),
                             c.Model.Metadata.HasRhythmInput ? c.Model.Metadata.RhythmFeatures : null), c.SignalLaneNice)
                .BatchWindows(c.Batching, c.Scheduler)
                .Infer(c.Model, c.Infer, metrics)
                // Optionally the model's thread runs the model only; interpretation, the Observations and the sink's
                // work follow on their own thread (pays where there are cores to spare: PipelineOptions.PublishThread).
                .Let(analyzed => c.PublishOnOwnThread ? analyzed.OnDedicatedThread(PublishQueueCapacity, "cgdmer-publish") : analyzed)
                .Interpret(c.Interpreter, metrics, c.AlertCheckpoints)
                .ToFhir(c.Observations, metrics)
                .Select(PipelineOutput.Of)
                .Finally(settled.OnCompleted);

            var subscription = Observable.Merge(rejected, settled, published).Subscribe(observer);
            // `settled` is never disposed: the Finally above, a lane's closing or the sequence stage may still call it on
            // another thread after an error or a dispose ended the merge, and a disposed Subject throws that back into
            // them (and so into the source); a completed or unsubscribed one ignores it. It holds nothing to release.
            return new CompositeDisposable(subscription, validated.Connect());
        });
    }
}
