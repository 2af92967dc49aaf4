using CGDmer.Pipeline.Validation;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal;
using CGDmer.Signal.Dsp;
using static CGDmer.TestSupport.WindowTestData;

namespace CGDmer.Pipeline.Tests.Windowing;

public class PatientWindowerTests
{
    private static readonly TimeSpan Hop = TimeSpan.FromSeconds(5);

    [Theory]
    [InlineData(360)]
    [InlineData(500)]
    public void Contiguous_stream_gives_consecutive_grid_windows_from_the_first_grid_start_after_the_first_sample(double rate)
    {
        // Data from T0 + 1.3 s to T0 + 61.3 s: the first grid window at or after the first sample starts at T0 + 5 s.
        var segments = Stream("p1", rate, 1.3, 60);
        using var windower = new PatientWindower("p1", Geometry, new WindowingOptions());
        var beforeFlush = new List<EcgWindow>();
        foreach (var s in segments) Assert.Equal(SegmentOutcome.Stored, windower.Add(s, beforeFlush));

        // Complete windows (end + resampler margin received): starts 5 … 50 s.
        Assert.Equal(10, beforeFlush.Count);
        for (int i = 0; i < beforeFlush.Count; i++)
        {
            var w = beforeFlush[i];
            Assert.Equal(T0 + TimeSpan.FromSeconds(5 * (i + 1)), w.Start);
            Assert.Equal((w.Start - DateTimeOffset.UnixEpoch).Ticks / Hop.Ticks, w.Index);
            if (i > 0) Assert.Equal(beforeFlush[i - 1].Index + 1, w.Index);
            Assert.Equal(WindowStatus.Analyzable, w.Status);
            Assert.Equal([1f, 1f, 0f], w.LeadMask);              // II, V1 recorded; V5 never delivered
            Assert.Equal(TwoLeads, w.RecordedLeads);
            Assert.Empty(w.MissingLeads);
            Assert.Equal(1.0, w.SignalCoverage);
            Assert.Equal("p1", w.PatientId);
            Assert.Equal("monitor-1", w.DeviceId);
            Assert.All(w.Row(2).ToArray(), v => Assert.Equal(0f, v));
            Assert.Contains(w.Row(0).ToArray(), v => Math.Abs(v) > 0.5f);   // the QRS spikes are there
        }

        // The flush emits the two windows that hold the tail (55 and 60 s); they lack data, so no lead is complete.
        var flushed = new List<EcgWindow>();
        windower.Flush(flushed);
        Assert.Equal([T0.AddSeconds(55), T0.AddSeconds(60)], flushed.Select(w => w.Start));
        Assert.All(flushed, w => Assert.Equal(WindowStatus.NoSignal, w.Status));
        Assert.All(flushed, w => Assert.Equal(TwoLeads, w.MissingLeads));
        Assert.Equal(0.63, flushed[0].SignalCoverage, 3);   // 55 → 61.3 s of 10 s
        Assert.False(windower.HasPendingData);
        Release(beforeFlush.Concat(flushed));
    }

    [Theory]
    [InlineData(360)]
    [InlineData(500)]
    [InlineData(250)]
    public void Window_samples_equal_resampling_the_whole_recording_then_cutting_and_preprocessing(double rate)
    {
        const double start = 1.3, total = 40;
        var windows = Run(Stream("p1", rate, start, total), flush: false);
        Assert.NotEmpty(windows);
        foreach (var lead in TwoLeads)
        {
            var whole = Resampler.Resample(Samples(lead, rate, start, (int)Math.Round(total * rate)), rate, Geometry.SampleRateHz);
            foreach (var w in windows)
            {
                int first = (int)Math.Round(((w.Start - T0).TotalSeconds - start) * Geometry.SampleRateHz);
                var expected = whole.AsSpan(first, Geometry.WindowSamples).ToArray();
                EcgPreprocessing.Apply(expected, Geometry.SampleRateHz);
                var actual = w.Row(Geometry.RowOf(lead));
                for (int i = 0; i < expected.Length; i++)
                    Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-5, $"{lead} window {w.Start:O} sample {i}: {actual[i]} vs {expected[i]}");
            }
        }
        Release(windows);
    }

    [Fact]
    public void Out_of_order_within_the_bound_gives_the_same_windows_as_in_order()
    {
        var inOrder = Stream("p1", 360, 0.4, 45);
        var swapped = inOrder.ToList();
        for (int i = 0; i + 1 < swapped.Count; i += 2) (swapped[i], swapped[i + 1]) = (swapped[i + 1], swapped[i]);
        var metrics = NewMetrics();
        var expected = Run(inOrder);
        var actual = Run(swapped, metrics: metrics);
        AssertSameWindows(expected, actual);
        Assert.Equal(0, Count(metrics.SegmentsDropped, "late"));
        Release(expected.Concat(actual));
    }

    [Fact]
    public void Duplicate_segments_change_nothing_and_are_counted()
    {
        var segments = Stream("p1", 360, 0, 40);
        var withDuplicates = new List<EcgSegmentData>();
        for (int i = 0; i < segments.Count; i++)
        {
            withDuplicates.Add(segments[i]);
            if (i % 3 == 0) withDuplicates.Add(segments[i]);          // re-sent at once
            if (i % 7 == 6) withDuplicates.Add(segments[i - 1]);      // re-sent later, still within the buffer
        }
        var metrics = NewMetrics();
        var expected = Run(segments);
        var actual = Run(withDuplicates, metrics: metrics);
        AssertSameWindows(expected, actual);
        Assert.Equal(withDuplicates.Count - segments.Count, Count(metrics.SegmentsDropped, "duplicate"));
        Release(expected.Concat(actual));
    }

    [Fact]
    public void Overlapping_segment_keeps_the_first_samples_and_stores_only_the_new_part()
    {
        using var windower = new PatientWindower("p1", Geometry, new WindowingOptions());
        var output = new List<EcgWindow>();
        Assert.Equal(SegmentOutcome.Stored, windower.Add(Segment("p1", 1, 0, 360, 360), output));
        // Half overlaps what is there (with different values), half is new.
        var overlapping = Segment("p1", 2, 0.5, 360, 360);
        foreach (var l in overlapping.Leads) Array.Fill(l.SamplesMv, 9f);
        Assert.Equal(SegmentOutcome.Stored, windower.Add(overlapping, output));
        var ring = typeof(PatientWindower).GetField("_rings", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!;
        var rings = (LeadRing?[])ring.GetValue(windower)!;
        long t0 = (long)Math.Round((T0 - DateTimeOffset.UnixEpoch).TotalSeconds * 360);
        Assert.Equal(Value(Lead.II, 200 / 360.0), rings[(int)Lead.II]![t0 + 200]);   // first write wins
        Assert.Equal(9f, rings[(int)Lead.II]![t0 + 400]);                            // the new part is stored
    }

    [Fact]
    public void Late_segment_for_an_emitted_window_is_dropped_and_counted()
    {
        var metrics = NewMetrics();
        using var windower = new PatientWindower("p1", Geometry, new WindowingOptions(), metrics);
        var output = new List<EcgWindow>();
        var segments = Stream("p1", 360, 0, 30);
        foreach (var s in segments) windower.Add(s, output);
        int emitted = output.Count;
        Assert.True(emitted >= 3);

        var stale = Segment("p1", 99, 2, 360, 360);                 // inside window 0, emitted long ago
        foreach (var l in stale.Leads) Array.Fill(l.SamplesMv, 5f);
        Assert.Equal(SegmentOutcome.Late, windower.Add(stale, output));
        Assert.Equal(SegmentOutcome.Late, windower.Add(Segment("p1", 100, -3600, 360, 360), output));   // an hour old
        Assert.Equal(2, Count(metrics.SegmentsDropped, "late"));
        Assert.Equal(0, Count(metrics.SegmentsDropped, "duplicate"));
        Assert.Equal(emitted, output.Count);

        // A re-sent segment still within the pending window's span is a duplicate, not late.
        Assert.Equal(SegmentOutcome.Duplicate, windower.Add(segments[^1], output));
        Assert.Equal(1, Count(metrics.SegmentsDropped, "duplicate"));

        windower.Flush(output);
        AssertSameWindows(Run(segments), output);
        Release(output);
    }

    [Fact]
    public void Segment_beyond_the_reorder_bound_but_for_a_pending_window_is_still_used()
    {
        // Data of [20, 21) arrives after [21, 28.5): 7.5 s behind the newest data (bound 2 s). The window the watermark
        // (26.5 s) passed meanwhile (15–25 s) is closed without it; the pending one (20–30 s) still gets it.
        var segments = Stream("p1", 360, 0, 40, 0.5);
        var late = segments.Where(s => s.StartTime >= T0.AddSeconds(20) && s.StartTime < T0.AddSeconds(21)).ToList();
        var order = segments.Except(late).ToList();
        order.InsertRange(order.FindIndex(s => s.StartTime == T0.AddSeconds(28.5)), late);
        var windows = Run(order);
        var byStart = windows.ToDictionary(w => (w.Start - T0).TotalSeconds);
        Assert.Equal(WindowStatus.NoSignal, byStart[15].Status);   // closed at watermark 26.5 s without [20, 21)
        Assert.Equal(TwoLeads, byStart[15].MissingLeads);
        Assert.Equal(WindowStatus.Analyzable, byStart[20].Status);  // still pending: gets the late data
        Assert.Empty(byStart[20].MissingLeads);
        Release(windows);
    }

    [Fact]
    public void Gap_in_one_lead_masks_that_lead_in_the_affected_windows_only()
    {
        var segments = Stream("p1", 360, 0, 50);
        int gap = segments.FindIndex(s => s.StartTime == T0.AddSeconds(22));
        segments[gap] = Segment("p1", segments[gap].Sequence, 22, 360, 360, [Lead.II]);   // V1 missing for [22, 23)
        var windows = Run(segments, flush: false);
        foreach (var w in windows)
        {
            double start = (w.Start - T0).TotalSeconds;
            bool affected = start < 23 && start + 10 > 22;
            Assert.Equal(affected ? [Lead.V1] : Array.Empty<Lead>(), w.MissingLeads);
            Assert.Equal(affected ? [1f, 0f, 0f] : [1f, 1f, 0f], w.LeadMask);
            Assert.Equal(TwoLeads, w.RecordedLeads);
            Assert.Equal(WindowStatus.Analyzable, w.Status);
            Assert.Equal(1.0, w.SignalCoverage);                  // II covers it all
            if (affected) Assert.All(w.Row(1).ToArray(), v => Assert.Equal(0f, v));
        }
        Assert.Equal(2, windows.Count(w => w.MissingLeads.Count > 0));   // windows at 15 and 20 s
        Release(windows);
    }

    [Fact]
    public void Gap_in_every_lead_makes_the_affected_windows_NoSignal_and_counts_masked_leads()
    {
        var metrics = NewMetrics();
        var segments = Stream("p1", 360, 0, 50).Where(s => s.StartTime != T0.AddSeconds(22)).ToList();
        var windows = Run(segments, metrics: metrics, flush: false);
        var affected = windows.Where(w => w.Start == T0.AddSeconds(15) || w.Start == T0.AddSeconds(20)).ToList();
        Assert.Equal(2, affected.Count);
        Assert.All(affected, w =>
        {
            Assert.Equal(WindowStatus.NoSignal, w.Status);
            Assert.Equal(0.9, w.SignalCoverage, 6);
            Assert.Equal([0f, 0f, 0f], w.LeadMask);
        });
        Assert.All(windows.Except(affected), w => Assert.Equal(WindowStatus.Analyzable, w.Status));
        Assert.Equal(2, Count(metrics.MaskedLeads, "II"));
        Assert.Equal(2, Count(metrics.MaskedLeads, "V1"));
        Assert.Equal(2, Count(metrics.Windows, "no_signal"));
        Assert.Equal(windows.Count - 2, Count(metrics.Windows, "analyzable"));
        Release(windows);
    }

    [Fact]
    public void Lead_off_flag_masks_the_lead_but_keeps_it_recorded()
    {
        var segments = Stream("p1", 360, 0, 40);
        int i = segments.FindIndex(s => s.StartTime == T0.AddSeconds(30));
        segments[i] = Segment("p1", 31, 30, 360, 360, leadOff: l => l == Lead.V1);
        var windows = Run(segments, flush: false);
        var w25 = windows.Single(w => w.Start == T0.AddSeconds(25));
        Assert.Equal([Lead.V1], w25.MissingLeads);
        Assert.Equal(TwoLeads, w25.RecordedLeads);
        Assert.Equal([1f, 0f, 0f], w25.LeadMask);
        Assert.Empty(windows.Single(w => w.Start == T0.AddSeconds(15)).MissingLeads);
        Release(windows);
    }

    [Fact]
    public void Lead_off_range_masks_the_lead_unless_the_missing_fraction_is_tolerated()
    {
        var segments = Stream("p1", 360, 0, 45);
        int i = segments.FindIndex(s => s.StartTime == T0.AddSeconds(31));
        // 100 of 3600 samples (2.8 %) of V1 flagged: masked by default, kept with MaxMissingFractionPerLead = 0.05.
        segments[i] = Segment("p1", 32, 31, 360, 360, leadOffRanges: l => l == Lead.V1 ? [new SampleIndexRange(100, 200)] : []);
        var strict = Run(segments, flush: false);
        Assert.Equal([Lead.V1], strict.Single(w => w.Start == T0.AddSeconds(25)).MissingLeads);
        Assert.Equal([Lead.V1], strict.Single(w => w.Start == T0.AddSeconds(30)).MissingLeads);
        Assert.Empty(strict.Single(w => w.Start == T0.AddSeconds(20)).MissingLeads);

        var tolerant = Run(segments, new WindowingOptions { MaxMissingFractionPerLead = 0.05 }, flush: false);
        var w = tolerant.Single(w => w.Start == T0.AddSeconds(25));
        Assert.Empty(w.MissingLeads);
        Assert.Equal([1f, 1f, 0f], w.LeadMask);
        Assert.All(w.Row(1).ToArray(), v => Assert.True(float.IsFinite(v)));
        Release(strict.Concat(tolerant));
    }

    [Fact]
    public void All_leads_off_gives_NoSignal_with_empty_mask_and_zero_rows()
    {
        var segments = Stream("p1", 360, 0, 30).Select(s => Segment("p1", s.Sequence, (s.StartTime - T0).TotalSeconds, 360, s.SampleCount, leadOff: _ => true)).ToList();
        var windows = Run(segments, flush: false);
        Assert.NotEmpty(windows);
        Assert.All(windows, w =>
        {
            Assert.Equal(WindowStatus.NoSignal, w.Status);
            Assert.False(w.IsAnalyzable);
            Assert.Equal(0.0, w.SignalCoverage);
            Assert.Equal(TwoLeads, w.MissingLeads);
            Assert.Equal([0f, 0f, 0f], w.LeadMask);
            Assert.All(w.Signal.AsSpan(0, 3 * 1000).ToArray(), v => Assert.Equal(0f, v));
        });
        Release(windows);
    }

    [Fact]
    public void Leads_the_model_has_no_row_for_are_ignored()
    {
        var windows = Run(Stream("p1", 360, 0, 20, leads: [Lead.II, Lead.aVR]), flush: false);
        Assert.All(windows, w => Assert.Equal([Lead.II], w.RecordedLeads));
        using var windower = new PatientWindower("p1", Geometry, new WindowingOptions());
        Assert.Equal(SegmentOutcome.Ignored, windower.Add(Segment("p1", 1, 0, 360, 360, [Lead.aVR]), []));
        Assert.Equal(0, windower.BufferedLeads);
        Release(windows);
    }

    [Fact]
    public void One_long_segment_gives_the_same_windows_as_short_ones()
    {
        // 30 s segments (the validator's maximum) are longer than the ring: they are written in chunks.
        var expected = Run(Stream("p1", 500, 0.7, 90, 1));
        var actual = Run(Stream("p1", 500, 0.7, 90, 30));
        AssertSameWindows(expected, actual);
        Release(expected.Concat(actual));
    }

    [Fact]
    public void Start_times_off_the_sample_lattice_are_placed_on_the_nearest_sample()
    {
        // Producer timestamps jitter by up to ±1.2 ms at 360 Hz (period 2.78 ms): same windows as exact timestamps.
        var exact = Stream("p1", 360, 0, 40);
        var rng = new Random(7);
        var jittered = exact.Select(s => Segment("p1", s.Sequence, (s.StartTime - T0).TotalSeconds, 360, s.SampleCount,
                                                 jitterTicks: rng.Next(-12_000, 12_000))).ToList();
        var expected = Run(exact);
        var actual = Run(jittered);
        AssertSameWindows(expected, actual);
        Release(expected.Concat(actual));
    }

    [Fact]
    public void Long_gap_starts_a_new_run_on_the_grid()
    {
        var segments = Stream("p1", 360, 0, 20).Concat(Stream("p1", 360, 62.5, 20)).ToList();
        var windows = Run(segments);
        var starts = windows.Select(w => (w.Start - T0).TotalSeconds).ToList();
        // First run (0–20 s): 5 complete (0 has no left margin), 10 and 15 flushed partial by the gap. Second run
        // (62.5–82.5 s) starts at the first grid start with a left margin after 62.5 s: 65, 70 complete, 75 and 80 flushed.
        Assert.Equal([5, 10, 15, 65, 70, 75, 80], starts);
        Assert.Equal(WindowStatus.NoSignal, windows[2].Status);
        Release(windows);
    }

    [Fact]
    public void Change_of_native_rate_flushes_and_restarts()
    {
        var segments = Stream("p1", 360, 0, 20).Concat(Stream("p1", 500, 20, 20)).ToList();
        using var windower = new PatientWindower("p1", Geometry, new WindowingOptions());
        var output = new List<EcgWindow>();
        foreach (var s in segments) windower.Add(s, output);
        Assert.Equal(500, windower.NativeRateHz);
        var starts = output.Select(w => (w.Start - T0).TotalSeconds).ToList();
        // 360 Hz run: 5, 10 complete, 15 flushed at the change; 500 Hz run (from 20 s): its first window with a left
        // margin is at 25 s, complete at 35 s.
        Assert.Equal([5, 10, 15, 25], starts);
        Release(output);
    }

    [Fact]
    public void Buffer_is_bounded_whatever_the_stream_length()
    {
        using var windower = new PatientWindower("p1", Geometry, new WindowingOptions());
        var output = new List<EcgWindow>();
        int capacityAfterOneMinute = 0;
        int emitted = 0;
        foreach (var s in Stream("p1", 500, 0, 600))
        {
            windower.Add(s, output);
            emitted += output.Count;
            Release(output);
            output.Clear();
            if (s.StartTime == T0.AddSeconds(60)) capacityAfterOneMinute = windower.BufferCapacitySamples;
        }
        Assert.Equal(capacityAfterOneMinute, windower.BufferCapacitySamples);
        // window 10 s + hop 5 s + bound 2 s at 500 Hz, plus two resampler margins, rounded to 64.
        Assert.InRange(windower.BufferCapacitySamples, 17 * 500, 17 * 500 + 2 * 60 + 64);
        Assert.Equal(2, windower.BufferedLeads);
        Assert.Equal(117, emitted);   // windows 5 … 585 s complete by 600 s (0 has no left margin)
    }

    [Fact]
    public void Window_reports_the_device_of_the_latest_segment()
    {
        var segments = Stream("p1", 360, 0, 20).Select(s => Segment("p1", s.Sequence, (s.StartTime - T0).TotalSeconds, 360, s.SampleCount,
                                                                    device: s.StartTime < T0.AddSeconds(12) ? "old-monitor" : "new-monitor")).ToList();
        var windows = Run(segments, flush: false);
        Assert.Equal("new-monitor", windows.Single(w => w.Start == T0.AddSeconds(5)).DeviceId);
        Release(windows);
    }
}
