using System.Reactive.Linq;
using CGDmer.Pipeline.Metrics;
using CGDmer.Pipeline.Validation;

namespace CGDmer.Pipeline.Operators;

/// <summary>
/// Rx stage 1b: the per-device sequence rule of the segment contract, after validation. A segment whose sequence was
/// already accepted (a replay, or an at-least-once redelivery) or that is older than the reorder bound is dropped and
/// counted — it is not malformed, so it is not dead-lettered; gaps are counted and the segment goes on (the window
/// stage masks the missing time).
/// </summary>
public static class SequenceOperator
{
    /// <param name="dropped">Told of each segment dropped here (the host settles its input at once: no window reads it).</param>
    public static IObservable<EcgSegmentData> InSequence(this IObservable<EcgSegmentData> source, SequenceTracker tracker, PipelineMetrics? metrics = null,
                                                         Action<EcgSegmentData>? dropped = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(tracker);
        return source.Where(segment =>
        {
            var check = tracker.Check(segment.DeviceId, segment.Sequence);
            switch (check.Status)
            {
                case SequenceStatus.Duplicate:
                    metrics?.SegmentsDropped.WithLabels("duplicate_sequence").Inc();
                    dropped?.Invoke(segment);
                    return false;
                case SequenceStatus.Late:
                    metrics?.SegmentsDropped.WithLabels("late_sequence").Inc();
                    dropped?.Invoke(segment);
                    return false;
                case SequenceStatus.Gap:
                    metrics?.SegmentsMissing.Inc(check.Missing);
                    return true;
                default:
                    return true;
            }
        });
    }
}
