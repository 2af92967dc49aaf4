using System.Reactive.Linq;
using CGDmer.Pipeline.Metrics;
using CGDmer.Pipeline.Concurrency;
using CGDmer.Pipeline.Validation;

namespace CGDmer.Pipeline.Tests;

public class SequenceOperatorTests
{
    private static readonly SegmentValidator Validator = new(new SegmentValidationOptions());

    /// <summary>The schema's example segment of <paramref name="device"/> numbered <paramref name="sequence"/>, starting <paramref name="seconds"/> after its usual start.</summary>
    private static ValidationResult Accepted(string device, ulong sequence, double seconds = 0, long ordinal = 0)
    {
        var r = Validator.Validate(SegmentBuilder.With(s =>
        {
            s.DeviceId = device;
            s.Sequence = sequence;
            s.StartTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(SegmentBuilder.Start.AddSeconds(seconds));
        }), SegmentBuilder.Now.AddSeconds(seconds));
        r.InputOrdinal = ordinal;
        r.Segment!.InputOrdinal = ordinal;
        r.ReceivedAt = SegmentBuilder.Now.AddSeconds(seconds);
        return r;
    }

    [Fact]
    public void Duplicates_and_late_sequences_are_dropped_and_counted_gaps_counted_and_kept()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var metrics = new PipelineMetrics(registry);
        var input = new[]
        {
            Accepted("a", 10), Accepted("a", 11), Accepted("a", 11), // duplicate
            Accepted("b", 5),                                        // another device: independent
            Accepted("a", 15),                                       // gap of 3
            Accepted("a", 13),                                       // out of order within the bound: kept
            Accepted("a", 13),                                       // duplicate of an out-of-order one
            Accepted("a", 100), Accepted("a", 14),                   // 14 is now beyond the bound of 4, and no newer: late
        };
        var dropped = new List<EcgSegmentData>();
        var letters = new List<ValidationResult>();
        var kept = input.ToObservable().InSequence(new SequenceTracker(reorderBound: 4), metrics, dropped.Add, letters.Add).ToList().Wait();
        Assert.Equal([("a", 10UL), ("a", 11UL), ("b", 5UL), ("a", 15UL), ("a", 13UL), ("a", 100UL)], kept.Select(s => (s.DeviceId, s.Sequence)));
        Assert.Equal(2, metrics.SegmentsDropped.WithLabels("duplicate_sequence").Value);
        Assert.Equal(1, metrics.SegmentsDropped.WithLabels("late_sequence").Value);
        Assert.Equal(3 + 84, metrics.SegmentsMissing.Value);
        Assert.Equal(3, dropped.Count);
        Assert.Empty(letters);
    }

    [Fact]
    public void A_restart_dead_letters_the_segments_before_it_is_confirmed_then_raises_a_notice_and_goes_on()
    {
        var metrics = new PipelineMetrics(Prometheus.Metrics.NewCustomRegistry());
        long ordinal = 0;
        var input = new List<ValidationResult>();
        for (int k = 0; k < 5; k++) input.Add(Accepted("a", 1000 + (ulong)k, k, ++ordinal));
        for (int k = 0; k < 5; k++) input.Add(Accepted("a", (ulong)k, 5 + k, ++ordinal));   // rebooted without a pause: 0, 1, 2, …
        var letters = new List<ValidationResult>();
        var kept = input.ToObservable().InSequence(new SequenceTracker(new SequenceOptions { ConfirmSegments = 3 }), metrics, null, letters.Add)
            .ToList().Wait();

        Assert.Equal([1000UL, 1001, 1002, 1003, 1004, 2, 3, 4], kept.Select(s => s.Sequence));
        Assert.Equal(3, letters.Count);
        var behind = letters.Take(2).ToList();
        Assert.All(behind, l => Assert.Equal(RejectionReason.SequenceBehind, l.Rejection!.Reason));
        Assert.Equal([6L, 7L], behind.Select(l => l.InputOrdinal));       // they settle their own inputs
        Assert.All(behind, l => Assert.NotNull(l.Input));                  // and carry the segment, as every dead letter
        Assert.Contains("1 of 3", behind[0].Rejection!.Message);
        var notice = letters[2];
        Assert.True(notice.IsNotice);
        Assert.Null(notice.Input);
        Assert.Equal(0, notice.InputOrdinal);                              // a notice settles nothing
        Assert.Equal(RejectionReason.SequenceRestart, notice.Rejection!.Reason);
        Assert.Equal(("a", 2UL), (notice.Rejection.DeviceId, notice.Rejection.Sequence));
        Assert.Equal(2, metrics.SegmentsRejected.WithLabels("SequenceBehind").Value);
        Assert.Equal(1, metrics.SequenceEpochs.WithLabels("restart").Value);
    }

    [Fact]
    public void A_segment_far_ahead_is_dead_lettered_and_a_confirmed_clock_jump_is_counted_and_noticed()
    {
        var metrics = new PipelineMetrics(Prometheus.Metrics.NewCustomRegistry());
        var tracker = new SequenceTracker(new SequenceOptions { ConfirmSegments = 2, MaxClockLeadSeconds = 10 });
        // Received when segment `seconds` is due, but stamped `aheadSeconds` later.
        static ValidationResult Ahead(ulong sequence, double seconds, double aheadSeconds)
        {
            var r = Accepted("a", sequence, seconds + aheadSeconds);
            r.ReceivedAt = SegmentBuilder.Now.AddSeconds(seconds);
            return r;
        }
        var input = new[] { Accepted("a", 1, 0), Accepted("a", 2, 1), Ahead(3, 2, 200), Accepted("a", 4, 3), Ahead(5, 4, 120), Ahead(6, 5, 120), Ahead(7, 6, 120) };
        var letters = new List<ValidationResult>();
        var kept = input.ToObservable().InSequence(tracker, metrics, null, letters.Add).ToList().Wait();

        Assert.Equal([1UL, 2, 4, 6, 7], kept.Select(s => s.Sequence));
        Assert.Equal([RejectionReason.ClockAhead, RejectionReason.ClockAhead, RejectionReason.ClockJump], letters.Select(l => l.Rejection!.Reason));
        Assert.Equal([3UL, 5, 6], letters.Select(l => l.Rejection!.Sequence));
        Assert.True(letters[2].IsNotice);
        Assert.Equal(2, metrics.SegmentsRejected.WithLabels("ClockAhead").Value);
        Assert.Equal(1, metrics.SequenceEpochs.WithLabels("clock_jump").Value);
    }
}
