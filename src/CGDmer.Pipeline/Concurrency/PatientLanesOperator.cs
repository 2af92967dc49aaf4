using System.Reactive.Disposables;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using CGDmer.Pipeline.Validation;

namespace CGDmer.Pipeline.Concurrency;

/// <summary>
/// Runs the per-patient signal stages (window, measure) on several threads: the stream is partitioned by patient, each
/// lane gets its own bounded queue, thread and copy of the stages, and their outputs are merged. A patient always goes to
/// the same lane, so everything per patient stays in order; across patients the merge interleaves. Back-pressure is kept:
/// when a lane's queue is full, the upstream OnNext blocks, exactly as when the model falls behind.
/// </summary>
/// <remarks>
/// Why: the window and measure stages (resampling, filtering, QRS detection) cost more CPU per window than the model
/// itself, so one upstream thread caps the pipeline while the other cores idle.
/// </remarks>
public static class PatientLanesOperator
{
    /// <param name="lanes">Number of lanes (threads); 1 runs <paramref name="lane"/> inline on the upstream thread.</param>
    /// <param name="queueCapacity">Segments a lane may hold before the upstream blocks.</param>
    /// <param name="lane">The stages of one lane, applied to that lane's segments (called once per lane per subscription).</param>
    /// <param name="laneNice">Linux nice value of the lane threads (0..19; 0 = as the rest of the process). Why lower: the
    /// lanes are many, the model's thread is one, and the kernel shares a core per thread; at equal priority the lanes
    /// run ahead, fill the model's queue, block, and leave a core idle while the model catches up.</param>
    public static IObservable<TOut> PerPatientLanes<TOut>(this IObservable<EcgSegmentData> source, int lanes, int queueCapacity,
                                                         Func<IObservable<EcgSegmentData>, IObservable<TOut>> lane, int laneNice = 0)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(lane);
        ArgumentOutOfRangeException.ThrowIfLessThan(lanes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(queueCapacity, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(laneNice);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(laneNice, 19);
        if (lanes == 1) return Observable.Defer(() => lane(source));

        return Observable.Create<TOut>(observer =>
        {
            var stop = new CancellationTokenSource();
            var queues = new HandoffQueue<EcgSegmentData>[lanes];
            var inputs = new Subject<EcgSegmentData>[lanes];
            var outputs = new IObservable<TOut>[lanes];
            for (int i = 0; i < lanes; i++)
            {
                queues[i] = new HandoffQueue<EcgSegmentData>(queueCapacity);
                inputs[i] = new Subject<EcgSegmentData>();
                outputs[i] = lane(inputs[i]);
            }
            Exception? upstreamError = null;
            // Every lane completes normally (flushing its patients); an upstream error is passed on after all of them.
            var merged = outputs.Merge().Concat(Observable.Defer(() => upstreamError is { } e ? Observable.Throw<TOut>(e) : Observable.Empty<TOut>()));
            var downstream = merged.Subscribe(observer);

            for (int i = 0; i < lanes; i++)
            {
                var queue = queues[i];
                var input = inputs[i];
                QueueWorker.Start($"patient-lane-{i}", queue, stop.Token,
                    deliver: input.OnNext,
                    finish: input.OnCompleted,   // the lane flushes its patients; an upstream error follows the merge
                    fail: e =>
                    {
                        // The lane's stages threw: refuse further input (a blocked upstream Add wakes up) and end the
                        // lane with the error, which the merge passes on, rather than killing the process.
                        queue.CompleteAdding();
                        input.OnError(e);
                    },
                    nice: laneNice);
            }

            var upstream = source.Subscribe(
                segment =>
                {
                    // False: the lane completed (its stages failed); nothing more is taken.
                    try { queues[LaneOf(segment.PatientId, lanes)].TryAdd(segment, stop.Token); }
                    catch (OperationCanceledException) { /* unsubscribed */ }
                },
                error =>
                {
                    upstreamError = error;
                    foreach (var q in queues) q.CompleteAdding();
                },
                () =>
                {
                    foreach (var q in queues) q.CompleteAdding();
                });

            return Disposable.Create(() =>
            {
                upstream.Dispose();
                stop.Cancel();
                foreach (var q in queues) q.CompleteAdding();
                downstream.Dispose();
            });
        });
    }

    /// <summary>The lane of a patient: a stable FNV-1a hash of the id, so a patient keeps its lane for the whole run.</summary>
    public static int LaneOf(string patientId, int lanes)
    {
        uint hash = 2166136261;
        foreach (char c in patientId) { hash ^= c; hash *= 16777619; }
        return (int)(hash % (uint)lanes);
    }
}
