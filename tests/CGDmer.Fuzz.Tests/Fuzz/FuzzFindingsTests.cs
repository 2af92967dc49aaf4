using System.Reactive.Linq;
using CGDmer.Contracts.Telemetry.V1;
using CGDmer.Pipeline.Metrics;
using CGDmer.Pipeline.Validation;
using static CGDmer.TestSupport.PipelineTestData;

namespace CGDmer.Pipeline.Tests.Fuzz;

/// <summary>What the fuzz suite found, kept as plain tests (README.md in this folder, "What it found").</summary>
public class FuzzFindingsTests
{
    private static readonly long Ticks0 = T0.UtcTicks;

    private static SequenceCheck Check(SequenceTracker t, string device, string patient, ulong sequence, double startSeconds, double receivedSeconds)
    {
        long start = Ticks0 + (long)(startSeconds * TimeSpan.TicksPerSecond);
        return t.Check(device, patient, sequence, start, start + TimeSpan.TicksPerSecond, Ticks0 + (long)(receivedSeconds * TimeSpan.TicksPerSecond));
    }

    [Fact]
    public void A_new_patients_first_segment_far_ahead_of_its_devices_clock_is_held_back_and_the_device_goes_on()
    {
        var t = new SequenceTracker(new SequenceOptions());
        for (int k = 0; k < 20; k++) Assert.True(Check(t, "monitor-a", "patient-a", 1000 + (ulong)k, k, k + 1).IsAccepted);
        // Fuzz seed 16074: one segment of the same device with another patient id, the highest sequence number and a
        // start 299 s ahead (within the receiver's skew allowance). It was accepted: the new patient had no clock to be
        // ahead of, and it moved the device's clock 5 min ahead, so every later segment of the device's real patient
        // was "late" (numbered below the highest, data older than the device's newest) and dropped without a word.
        var outlier = Check(t, "monitor-a", "patient-b", ulong.MaxValue, 20 + 299, 21);
        Assert.Equal(SequenceStatus.ClockAhead, outlier.Status);
        for (int k = 20; k < 60; k++) Assert.True(Check(t, "monitor-a", "patient-a", 1000 + (ulong)k, k, k + 1).IsAccepted, $"segment at {k} s");
    }

    [Fact]
    public void A_device_moved_to_the_next_patient_continues_on_its_clock_and_a_real_clock_change_is_followed()
    {
        var t = new SequenceTracker(new SequenceOptions { ConfirmSegments = 3 });
        for (int k = 0; k < 20; k++) Assert.True(Check(t, "monitor-a", "patient-a", (ulong)k, k, k + 1).IsAccepted);
        // The next patient on the same monitor, an hour later, on the same clock: accepted at once.
        Assert.True(Check(t, "monitor-a", "patient-b", 20, 3620, 3621).IsAccepted);
        // A new patient whose device clock is really 10 min ahead: followed after the confirming segments.
        var statuses = Enumerable.Range(0, 3).Select(i => Check(t, "monitor-a", "patient-c", 21 + (ulong)i, 3622 + 600 + i, 3622 + i).Status).ToList();
        Assert.Equal([SequenceStatus.ClockAhead, SequenceStatus.ClockAhead, SequenceStatus.NewEpoch], statuses);
    }

    [Fact]
    public void Through_the_pipeline_the_devices_patient_keeps_its_windows_and_the_outlier_is_dead_lettered()
    {
        var input = new List<(EcgSegment Segment, double Received)>();
        for (int k = 0; k < 120; k++)
        {
            input.Add((Wire("patient-ctl", "monitor-ctl", 5000 + (ulong)k, k), k + 1));
            input.Add((Wire("patient-a", "monitor-a", 1000 + (ulong)k, k), k + 1));
            if (k == 20) input.Add((Wire("patient-b", "monitor-a", ulong.MaxValue, k + 299), k + 1));
        }
        var metrics = new PipelineMetrics(Prometheus.Metrics.NewCustomRegistry());
        var now = T0;
        var outputs = EcgPipeline.Run(input.ToObservable().Do(i => now = T0.AddSeconds(i.Received)).Select(i => i.Segment), () => now, Components(metrics))
                                 .ToList().Wait();

        List<double> Starts(string patient) =>
            outputs.Where(o => o.Published?.PatientId == patient).Select(o => (o.Published!.Window.Start - T0).TotalSeconds).Order().ToList();
        var control = Starts("patient-ctl");
        Assert.True(control.Count >= 20, $"{control.Count} control windows");
        // Before: patient-a had no window after 20 s (99 segments dropped as late_sequence, no dead letter).
        Assert.Equal(control, Starts("patient-a"));
        Assert.Empty(Starts("patient-b"));
        var letter = Assert.Single(outputs, o => o.Rejected is not null).Rejected!.Rejection!;
        Assert.Equal(("ClockAhead", "monitor-a", ulong.MaxValue), (letter.Code, letter.DeviceId, letter.Sequence));
        Assert.Equal(0, metrics.SegmentsDropped.WithLabels("late_sequence").Value);
    }
}
