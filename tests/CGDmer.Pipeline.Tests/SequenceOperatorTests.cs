using System.Reactive.Linq;
using CGDmer.Pipeline.Metrics;
using CGDmer.Pipeline.Operators;
using CGDmer.Pipeline.Validation;

namespace CGDmer.Pipeline.Tests;

public class SequenceOperatorTests
{
    private static EcgSegmentData Segment(string device, ulong sequence) =>
        new SegmentValidator(new SegmentValidationOptions()).Validate(SegmentBuilder.With(s => { s.DeviceId = device; s.Sequence = sequence; }), SegmentBuilder.Now).Segment!;

    [Fact]
    public void Duplicates_and_late_sequences_are_dropped_and_counted_gaps_counted_and_kept()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var metrics = new PipelineMetrics(registry);
        var input = new[]
        {
            Segment("a", 10), Segment("a", 11), Segment("a", 11), // duplicate
            Segment("b", 5),                                     // another device: independent
            Segment("a", 15),                                    // gap of 3
            Segment("a", 13),                                    // out of order within the bound: kept
            Segment("a", 13),                                    // duplicate of an out-of-order one
            Segment("a", 100), Segment("a", 14),                 // 14 is now beyond the bound of 4: late
        };
        var kept = input.ToObservable().InSequence(new SequenceTracker(reorderBound: 4), metrics).ToList().Wait();
        Assert.Equal([("a", 10UL), ("a", 11UL), ("b", 5UL), ("a", 15UL), ("a", 13UL), ("a", 100UL)], kept.Select(s => (s.DeviceId, s.Sequence)));
        Assert.Equal(2, metrics.SegmentsDropped.WithLabels("duplicate_sequence").Value);
        Assert.Equal(1, metrics.SegmentsDropped.WithLabels("late_sequence").Value);
        Assert.Equal(3 + 84, metrics.SegmentsMissing.Value);
    }
}
