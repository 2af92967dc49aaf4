using System.Reactive.Linq;
using CGDmer.Contracts.Telemetry.V1;
using CGDmer.Pipeline.Interpretation;
using CGDmer.Pipeline.Metrics;
using CGDmer.Pipeline.Validation;
using CGDmer.Pipeline.Windowing;
using static CGDmer.TestSupport.PipelineTestData;

namespace CGDmer.Pipeline.Tests;

/// <summary>
/// Through the whole pipeline: a restarted, wrapped or corrupted numbering and a clock that jumps never end a patient's
/// windows; what is dropped is dead-lettered with its reason, a new epoch is told by a notice, and both are counted.
/// </summary>
public class SequenceEpochPipelineTests
{
    /// <summary>Runs the pipeline over the inputs, each received at its time (the receiver clock of a live ward).</summary>
    private static List<PipelineOutput> Run(IEnumerable<(EcgSegment Segment, double ReceivedSeconds)> input, PipelineMetrics metrics)
    {
        var now = T0;
        var segments = input.ToObservable().Do(i => now = T0.AddSeconds(i.ReceivedSeconds)).Select(i => i.Segment);
        return EcgPipeline.Run(segments, () => now, Components(metrics)).ToList().Wait().ToList();
    }

    private static List<EcgWindow> Windows(List<PipelineOutput> outputs, string patient) =>
        outputs.Where(o => o.Published?.PatientId == patient).Select(o => o.Published!.Window).ToList();

    private static List<double> Starts(IEnumerable<EcgWindow> windows) => windows.Select(w => (w.Start - T0).TotalSeconds).ToList();

    private static List<SegmentRejection> Letters(List<PipelineOutput> outputs, string device, bool notices) =>
        outputs.Where(o => o.Rejected is { } r && r.IsNotice == notices && r.Rejection!.DeviceId == device).Select(o => o.Rejected!.Rejection!).ToList();

    private static PipelineMetrics NewMetrics() => new(Prometheus.Metrics.NewCustomRegistry());

    [Fact]
    public void A_monitor_restarting_its_numbering_or_wrapping_its_counter_keeps_getting_windows()
    {
        const int Seconds = 180, At = 60;
        var input = new List<(EcgSegment, double)>();
        for (int k = 0; k < Seconds; k++)
        {
            input.Add((Wire("patient-ctl", "monitor-ctl", 5000 + (ulong)k, k), k + 1));
            // Rebooted at 60 s without a pause, numbering from 0 again.
            input.Add((Wire("patient-rst", "monitor-rst", k < At ? 1000 + (ulong)k : (ulong)(k - At), k), k + 1));
            // A 32-bit counter: 4294967295 at 59 s, 0 at 60 s.
            input.Add((Wire("patient-wrp", "monitor-wrp", (uint)(uint.MaxValue - (At - 1) + k), k), k + 1));
        }
        var metrics = NewMetrics();
        var outputs = Run(input, metrics);

        var control = Windows(outputs, "patient-ctl");
        var restarted = Windows(outputs, "patient-rst");
        var wrapped = Windows(outputs, "patient-wrp");
        Assert.True(control.Count >= 30, $"{control.Count} control windows");
        // Before: the restarted and the wrapped patient had no window after 60 s.
        Assert.Equal(Starts(control), Starts(restarted));
        Assert.Equal(Starts(control), Starts(wrapped));
        Assert.All(wrapped, w => Assert.Equal(WindowStatus.Analyzable, w.Status));
        // The restart was confirmed by its third segment: only the windows over the two dropped seconds miss data.
        Assert.All(restarted.Where(w => w.Start >= T0.AddSeconds(At + 5)), w => Assert.Equal(WindowStatus.Analyzable, w.Status));
        Assert.All(restarted.Where(w => w.End <= T0.AddSeconds(At)), w => Assert.Equal(WindowStatus.Analyzable, w.Status));

        var dropped = Letters(outputs, "monitor-rst", notices: false);
        Assert.Equal(["SequenceBehind", "SequenceBehind"], dropped.Select(d => d.Code));
        Assert.Equal([0UL, 1UL], dropped.Select(d => d.Sequence));
        var restart = Assert.Single(Letters(outputs, "monitor-rst", notices: true));
        Assert.Equal(("SequenceRestart", 2UL), (restart.Code, restart.Sequence));
        var wrap = Assert.Single(Letters(outputs, "monitor-wrp", notices: true));
        Assert.Equal(("SequenceRestart", 0UL), (wrap.Code, wrap.Sequence));
        Assert.Contains("wrap", wrap.Message);
        Assert.Empty(Letters(outputs, "monitor-wrp", notices: false));
        Assert.DoesNotContain(outputs, o => o.Rejected?.Rejection?.DeviceId == "monitor-ctl");

        Assert.Equal(2, metrics.SegmentsRejected.WithLabels("SequenceBehind").Value);
        Assert.Equal(1, metrics.SequenceEpochs.WithLabels("restart").Value);
        Assert.Equal(1, metrics.SequenceEpochs.WithLabels("wrap").Value);
    }

    [Fact]
    public void One_segment_stamped_minutes_ahead_is_dead_lettered_and_the_real_data_after_it_is_windowed()
    {
        const int Seconds = 240, At = 60, Ahead = 240;
        var input = new List<(EcgSegment, double)>();
        for (int k = 0; k < Seconds; k++)
        {
            input.Add((Wire("patient-ctl", "monitor-ctl", 5000 + (ulong)k, k), k + 1));
            input.Add((Wire("patient-extra", "monitor-extra", 1000 + (ulong)k, k), k + 1));
            // Its segment of 60 s stamped 4 min ahead (within the receiver's 5 min skew allowance).
            input.Add((Wire("patient-repl", "monitor-repl", 2000 + (ulong)k, k == At ? k + Ahead : k), k + 1));
            // A second monitor on the same patient sends one segment from a clock 4 min ahead.
            if (k == At) input.Add((Wire("patient-extra", "monitor-extra-2", 1, k + Ahead), k + 1));
        }
        var metrics = NewMetrics();
        var outputs = Run(input, metrics);

        var control = Windows(outputs, "patient-ctl");
        var extra = Windows(outputs, "patient-extra");
        var replaced = Windows(outputs, "patient-repl");
        Assert.True(control.Count >= 44, $"{control.Count} control windows");
        // Before: 44 of the 48 windows after the outlier were missing, and a no_signal alert was raised.
        Assert.Equal(Starts(control), Starts(extra));
        Assert.Equal(Starts(control), Starts(replaced));
        Assert.All(extra, w => Assert.Equal(WindowStatus.Analyzable, w.Status));
        Assert.DoesNotContain(outputs.Where(o => o.Published?.PatientId == "patient-extra").SelectMany(o => o.Published!.Alerts),
                              a => a.Code == AlertVocabulary.NoSignal);
        // The replaced second is missing (its windows say so); everything else is windowed as it came.
        Assert.All(replaced.Where(w => w.End <= T0.AddSeconds(At) || w.Start >= T0.AddSeconds(At + 1)),
                   w => Assert.Equal(WindowStatus.Analyzable, w.Status));

        var letters = outputs.Where(o => o.Rejected is not null).Select(o => o.Rejected!).ToList();
        Assert.Equal(2, letters.Count);
        Assert.All(letters, l => Assert.Equal("ClockAhead", l.Rejection!.Code));
        Assert.All(letters, l => Assert.False(l.IsNotice));
        Assert.Equal(["monitor-extra-2", "monitor-repl"], letters.Select(l => l.Rejection!.DeviceId).Order());
        Assert.Equal(2, metrics.SegmentsRejected.WithLabels("ClockAhead").Value);
        Assert.Equal(0, metrics.SequenceEpochs.WithLabels("clock_jump").Value);
    }

    [Fact]
    public void A_real_clock_correction_is_followed_after_the_confirming_segments()
    {
        const int Seconds = 180, At = 60, Shift = 120;
        var input = new List<(EcgSegment, double)>();
        for (int k = 0; k < Seconds; k++)
        {
            input.Add((Wire("patient-ctl", "monitor-ctl", 5000 + (ulong)k, k), k + 1));
            // From 60 s on, the monitor's clock reads 2 min later (corrected, or set by hand).
            input.Add((Wire("patient-fix", "monitor-fix", 3000 + (ulong)k, k < At ? k : k + Shift), k + 1));
        }
        var metrics = NewMetrics();
        var outputs = Run(input, metrics);

        var fixedClock = Windows(outputs, "patient-fix");
        var dropped = Letters(outputs, "monitor-fix", notices: false);
        Assert.Equal(["ClockAhead", "ClockAhead"], dropped.Select(d => d.Code));
        Assert.Equal([3060UL, 3061UL], dropped.Select(d => d.Sequence));
        var jump = Assert.Single(Letters(outputs, "monitor-fix", notices: true));
        Assert.Equal(("ClockJump", 3062UL), (jump.Code, jump.Sequence));
        Assert.Equal(1, metrics.SequenceEpochs.WithLabels("clock_jump").Value);
        // On the new clock, windowed as before: every window from the new data on holds all of it.
        var after = fixedClock.Where(w => w.Start >= T0.AddSeconds(At + Shift + 5)).ToList();
        var controlAfter = Windows(outputs, "patient-ctl").Count(w => w.Start >= T0.AddSeconds(At + 5));
        Assert.InRange(after.Count, controlAfter - 1, controlAfter + 1);
        Assert.All(after, w => Assert.Equal(WindowStatus.Analyzable, w.Status));
    }
}
