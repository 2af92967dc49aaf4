using CGDmer.Pipeline.Validation;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal;
using FsCheck.Xunit;
using static CGDmer.TestSupport.WindowTestData;

namespace CGDmer.Pipeline.Tests.Windowing;

/// <summary>
/// Rows that copy the outputs they share with the lead's previous row (<see cref="ResampledRowCache"/>) against rows
/// computed in full: the same windows, bit for bit, whatever the stream.
/// </summary>
public class ResampledRowCacheTests
{
    private static readonly NativeLayout Layout360 = new(360, Geometry, new WindowingOptions());

    private static float[] Native(int count, int seed)
    {
        var rng = new Random(seed);
        var x = new float[count];
        for (int i = 0; i < count; i++) x[i] = (float)(Math.Sin(i * 0.05) + rng.NextDouble() * 0.1);
        return x;
    }

    private static float[] Computed(NativeLayout layout, ReadOnlySpan<float> native)
    {
        var row = new float[Geometry.WindowSamples];
        layout.Resampler.ResampleAt(native, row, layout.OutputPosition);
        return row;
    }

    [Fact]
    public void The_next_window_copies_the_half_it_shares_and_equals_a_row_computed_in_full()
    {
        // One long native stretch; two spans a 5-s hop (1800 samples at 360 Hz, 500 model samples) apart.
        var signal = Native(Layout360.ScratchLength + 1800, 1);
        var cache = new ResampledRowCache();
        var first = new float[Geometry.WindowSamples];
        Assert.Equal(0, cache.Resample(Layout360, 1000, signal.AsSpan(0, Layout360.ScratchLength), complete: true, first));
        Assert.Equal(Computed(Layout360, signal.AsSpan(0, Layout360.ScratchLength)), first);

        var second = new float[Geometry.WindowSamples];
        var span = signal.AsSpan(1800, Layout360.ScratchLength);
        Assert.Equal(500, cache.Resample(Layout360, 1000 + 1800, span, complete: true, second));
        Assert.Equal(Computed(Layout360, span), second);
    }

    [Fact]
    public void Nothing_is_copied_from_or_into_a_span_with_held_samples_or_after_the_ring_forgets_it()
    {
        var signal = Native(Layout360.ScratchLength + 3600, 2);
        var row = new float[Geometry.WindowSamples];
        ReadOnlySpan<float> At(int offset) => signal.AsSpan(offset, Layout360.ScratchLength);

        var cache = new ResampledRowCache();
        cache.Resample(Layout360, 0, At(0), complete: false, row);
        Assert.Equal(0, cache.Resample(Layout360, 1800, At(1800), complete: true, row));    // the previous one held samples
        Assert.Equal(0, cache.Resample(Layout360, 3600, At(3600), complete: false, row));   // this one holds samples
        Assert.Equal(Computed(Layout360, At(3600)), row);

        cache.Resample(Layout360, 0, At(0), complete: true, row);
        cache.Invalidate(Layout360.ScratchLength - 1, Layout360.ScratchLength + 10);         // overlaps the kept span's end
        Assert.Equal(0, cache.Resample(Layout360, 1800, At(1800), complete: true, row));
        cache.Invalidate(Layout360.ScratchLength + 1800, long.MaxValue);                     // after it: kept
        Assert.Equal(500, cache.Resample(Layout360, 3600, At(3600), complete: true, row));
        Assert.Equal(Computed(Layout360, At(3600)), row);
    }

    [Fact]
    public void The_ring_forgets_its_kept_row_with_the_samples_it_came_from()
    {
        var signal = Native(Layout360.ScratchLength + 1800, 4);
        var row = new float[Geometry.WindowSamples];
        foreach (var forget in new Action<LeadRing>[] { r => r.Forget(100, 200), r => r.Clear() })
        {
            using var ring = new LeadRing(Layout360.Capacity);
            ring.Resampled.Resample(Layout360, 0, signal.AsSpan(0, Layout360.ScratchLength), complete: true, row);
            forget(ring);
            Assert.Equal(0, ring.Resampled.Resample(Layout360, 1800, signal.AsSpan(1800, Layout360.ScratchLength), complete: true, row));
        }
    }

    [Fact]
    public void A_shift_that_is_not_a_whole_number_of_outputs_is_computed_in_full()
    {
        var signal = Native(Layout360.ScratchLength + 10, 3);
        var cache = new ResampledRowCache();
        var row = new float[Geometry.WindowSamples];
        cache.Resample(Layout360, 0, signal.AsSpan(0, Layout360.ScratchLength), complete: true, row);
        // 7 native samples are 35/18 of an output at 360 → 100 Hz.
        Assert.Equal(0, cache.Resample(Layout360, 7, signal.AsSpan(7, Layout360.ScratchLength), complete: true, row));
        Assert.Equal(Computed(Layout360, signal.AsSpan(7, Layout360.ScratchLength)), row);
    }

    private static (List<EcgWindow> Windows, long Reused) RunWith(IEnumerable<EcgSegmentData> segments, WindowingOptions options, bool reuse)
    {
        var assembler = new WindowAssembler(Geometry, options, null) { ReuseResampledOutputs = reuse };
        using var windower = new PatientWindower("p1", assembler);
        var output = new List<EcgWindow>();
        foreach (var s in segments) windower.Add(s, output);
        windower.Flush(output);
        return (output, assembler.ReusedOutputs);
    }

    [Theory]
    [InlineData(360)]
    [InlineData(500)]
    [InlineData(250)]
    public void A_continuous_stream_computes_each_output_once_after_its_first_window(double rate)
    {
        var (windows, copied) = RunWith(Stream("p1", rate, 0.7, 60), new WindowingOptions(), reuse: true);
        var (computed, _) = RunWith(Stream("p1", rate, 0.7, 60), new WindowingOptions(), reuse: false);
        AssertSameWindows(computed, windows);
        // Half of each lead's row (the 5-s hop of a 10-s window) in every window but three: the first window's left
        // margin and the last one's right margin reach beyond the stream (held samples), so the second window has nothing
        // to copy and the last copies nothing.
        int leads = windows[0].RecordedLeads.Count;
        Assert.Equal((windows.Count - 3) * leads * Geometry.WindowSamples / 2, copied);
        Release(windows.Concat(computed));
    }

    /// <summary>Random segment lengths, a few lost (gaps), lead-off ranges on V1, re-sent segments; both ways compared.</summary>
    private static long CompareOnRandomStream(int seed, bool highRate)
    {
        var rng = new Random(seed);
        double rate = highRate ? 500 : 360;
        var segments = new List<EcgSegmentData>();
        double t = rng.Next(0, 30) / 10.0;
        ulong seq = 1;
        while (t < 60)
        {
            int count = (int)(rate * rng.Next(2, 16) / 10.0);
            IReadOnlyList<SampleIndexRange> off = rng.Next(10) == 0 ? [new SampleIndexRange(count / 4, count / 2)] : [];
            var segment = Segment("p1", seq++, t, rate, count, leadOffRanges: l => l == Lead.V1 ? off : []);
            if (rng.Next(40) != 0) segments.Add(segment);                                    // a few are lost: gaps
            if (segments.Count > 3 && rng.Next(8) == 0) segments.Add(segments[^3]);          // re-sent
            t += count / rate;
        }
        var options = new WindowingOptions { ReorderBoundSeconds = 2 };
        var (computed, none) = RunWith(segments, options, reuse: false);
        var (reused, copied) = RunWith(segments, options, reuse: true);
        try
        {
            Assert.Equal(0, none);
            AssertSameWindows(computed, reused);
            return copied;
        }
        finally
        {
            Release(computed.Concat(reused));
        }
    }

    [Property(MaxTest = 40)]
    public void Windows_equal_those_computed_in_full_for_streams_with_gaps_lead_off_and_re_sent_data(int seed, bool highRate) =>
        CompareOnRandomStream(seed, highRate);

    [Fact]
    public void The_random_streams_exercise_the_copying()
    {
        int copying = Enumerable.Range(0, 20).Count(seed => CompareOnRandomStream(seed, seed % 2 == 0) > 0);
        Assert.True(copying >= 10, $"{copying} of 20 streams copied outputs");
    }
}
