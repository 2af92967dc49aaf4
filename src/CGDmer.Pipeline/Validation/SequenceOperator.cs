using System.Globalization;
using System.Reactive.Linq;
using CGDmer.Pipeline.Metrics;
using CGDmer.Pipeline.Validation;

namespace CGDmer.Pipeline.Validation;

/// <summary>
/// Rx stage 1b: the per-device sequence and clock rule of the segment contract (<see cref="SequenceTracker"/>), after
/// validation. A segment whose sequence was already accepted (a replay, or an at-least-once redelivery) or that is old by
/// both its number and its time is dropped and counted — it is not malformed, so it is not dead-lettered; gaps are counted
/// and the segment goes on (the window stage masks the missing time). A segment numbered back beyond the reorder bound on
/// new data, or starting far ahead of its patient's clock, is dead-lettered with its reason; when a few consecutive ones
/// confirm a new numbering or clock, the device starts a new epoch, which is counted and told by a notice.
/// </summary>
public static class SequenceOperator
{
    /// <param name="accepted">The accepted results of the validate stage (a rejection passed in is skipped).</param>
    /// <param name="dropped">Told of each segment dropped without a dead letter (the host settles its input at once: no window reads it).</param>
    /// <param name="deadLetter">Told of each segment dropped with a dead letter (a rejection with the input's ordinal) and of
    /// each new epoch (a <see cref="ValidationResult.Notice"/> naming the segment that starts it, which goes on).</param>
    public static IObservable<EcgSegmentData> InSequence(this IObservable<ValidationResult> accepted, SequenceTracker tracker, PipelineMetrics? metrics = null,
                                                         Action<EcgSegmentData>? dropped = null, Action<ValidationResult>? deadLetter = null)
    {
        ArgumentNullException.ThrowIfNull(accepted);
        ArgumentNullException.ThrowIfNull(tracker);
        return accepted.Where(result =>
        {
            if (result.Segment is not { } segment) return false;
            var check = tracker.Check(segment.DeviceId, segment.PatientId, segment.Sequence, segment.StartTimeUtcTicks, segment.EndTime.UtcTicks,
                                      result.ReceivedAt.UtcTicks);
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
                case SequenceStatus.Behind or SequenceStatus.ClockAhead:
                    var rejection = Rejection(segment, check, tracker);
                    metrics?.SegmentsRejected.WithLabels(rejection.Code).Inc();
                    var rejected = ValidationResult.Reject(result.Input, rejection);
                    rejected.InputOrdinal = result.InputOrdinal;
                    rejected.ReceivedAt = result.ReceivedAt;
                    deadLetter?.Invoke(rejected);
                    return false;
                case SequenceStatus.NewEpoch:
                    metrics?.SequenceEpochs.WithLabels(Label(check.Epoch)).Inc();
                    var notice = ValidationResult.Notice(Notice(segment, check));
                    notice.ReceivedAt = result.ReceivedAt;
                    deadLetter?.Invoke(notice);
                    return true;
                case SequenceStatus.Gap:
                    metrics?.SegmentsMissing.Inc(check.Missing);
                    return true;
                default:
                    return true;
            }
        }).Select(result => result.Segment!);
    }

    /// <summary>The metrics label of an epoch's reason.</summary>
    public static string Label(SequenceEpoch epoch) => epoch switch
    {
        SequenceEpoch.Restart => "restart",
        SequenceEpoch.TimeGap => "time_gap",
        SequenceEpoch.Wrap => "wrap",
        SequenceEpoch.ClockJump => "clock_jump",
        _ => "none",
    };

    // The messages name the device's numbers and times, never the patient.
    private static SegmentRejection Rejection(EcgSegmentData s, SequenceCheck check, SequenceTracker tracker) => check.Status == SequenceStatus.Behind
        ? new SegmentRejection(RejectionReason.SequenceBehind,
            $"sequence {s.Sequence} is {check.PreviousLast - s.Sequence} below the device's highest accepted {check.PreviousLast} (reorder bound " +
            $"{tracker.ReorderBound}) on new data: dropped; {check.Consistent} of {tracker.ConfirmSegments} consecutive segments of a new numbering start a new epoch",
            s.DeviceId, s.Sequence)
        : new SegmentRejection(RejectionReason.ClockAhead,
            $"start_time {Iso(s.StartTime)} is {Seconds(check.Ahead)} s ahead of the patient's clock: dropped; {check.Consistent} of " +
            $"{tracker.ConfirmSegments} consecutive segments on the new clock move it",
            s.DeviceId, s.Sequence);

    private static SegmentRejection Notice(EcgSegmentData s, SequenceCheck check) => check.Epoch switch
    {
        SequenceEpoch.ClockJump => new SegmentRejection(RejectionReason.ClockJump,
            $"the patient's clock moved {Seconds(check.Ahead)} s ahead; followed from sequence {s.Sequence} at {Iso(s.StartTime)}, confirmed by " +
            $"{check.Consistent} consecutive segments (highest sequence before: {check.PreviousLast})", s.DeviceId, s.Sequence),
        SequenceEpoch.Wrap => new SegmentRejection(RejectionReason.SequenceRestart,
            $"sequence {s.Sequence} follows {check.PreviousLast} across a counter wrap: a new epoch", s.DeviceId, s.Sequence),
        SequenceEpoch.TimeGap => new SegmentRejection(RejectionReason.SequenceRestart,
            $"sequence {s.Sequence} starts a new numbering after the device's data paused (highest before: {check.PreviousLast})", s.DeviceId, s.Sequence),
        _ => new SegmentRejection(RejectionReason.SequenceRestart,
            $"sequence {s.Sequence} starts a new numbering, confirmed by {check.Consistent} consecutive segments (highest before: {check.PreviousLast})",
            s.DeviceId, s.Sequence),
    };

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
}
