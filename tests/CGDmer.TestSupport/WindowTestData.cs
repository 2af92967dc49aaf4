using CGDmer.Pipeline;
using CGDmer.Pipeline.Metrics;
using CGDmer.Pipeline.Validation;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal;
using Prometheus;

using Xunit;

namespace CGDmer.TestSupport;

/// <summary>Segments built in code from a deterministic ECG-like signal of absolute time, and helpers to compare windows.</summary>
public static class WindowTestData
{
    /// <summary>A whole minute (on the 5 s grid) in 2026.</summary>
    public static readonly DateTimeOffset T0 = new(2026, 11, 25, 18, 0, 0, TimeSpan.Zero);

    /// <summary>Model geometry like the shipped model's but with three rows (II, V1, V5) to keep tests small.</summary>
    public static readonly WindowGeometry Geometry = new(100, 1000, [Lead.II, Lead.V1, Lead.V5], Signal.Dsp.EcgPreprocessing.Identifier);

    public static readonly Lead[] TwoLeads = [Lead.II, Lead.V1];

    /// <summary>ECG-like value (mV) of <paramref name="lead"/> at <paramref name="seconds"/> after T0: spikes at 72 bpm plus slow and fast components.</summary>
    public static float Value(Lead lead, double seconds)
    {
        double phase = seconds * 1.2 % 1.0;
        double qrs = Math.Exp(-Math.Pow((phase - 0.3) / 0.015, 2)) * (lead == Lead.V1 ? -0.8 : 1.2);
        double t = Math.Exp(-Math.Pow((phase - 0.6) / 0.06, 2)) * 0.25;
        return (float)(qrs + t + 0.1 * Math.Sin(2 * Math.PI * 0.3 * seconds) + 0.02 * Math.Sin(2 * Math.PI * 17 * seconds + (int)lead));
    }

    /// <summary>Samples of <paramref name="lead"/>: native sample i of a signal starting at <paramref name="startSeconds"/> after T0.</summary>
    public static float[] Samples(Lead lead, double rateHz, double startSeconds, int count)
    {
        var x = new float[count];
        long first = (long)Math.Round(startSeconds * rateHz);
        for (int i = 0; i < count; i++) x[i] = Value(lead, (first + i) / rateHz);
        return x;
    }

    public static EcgSegmentData Segment(string patient, ulong seq, double startSeconds, double rateHz, int count, Lead[]? leads = null,
                                         Func<Lead, bool>? leadOff = null, Func<Lead, IReadOnlyList<SampleIndexRange>>? leadOffRanges = null,
                                         string device = "monitor-1", long jitterTicks = 0)
    {
        leads ??= TwoLeads;
        var data = new List<EcgLeadData>();
        foreach (var lead in leads)
            data.Add(new EcgLeadData(lead, Leads.Name(lead), Samples(lead, rateHz, startSeconds, count), leadOff?.Invoke(lead) ?? false,
                                     leadOffRanges?.Invoke(lead) ?? []));
        var start = T0.AddTicks((long)Math.Round(startSeconds * TimeSpan.TicksPerSecond) + jitterTicks);
        return new EcgSegmentData(patient, device, seq, start, 0, rateHz, count, data);
    }

    /// <summary>Contiguous segments of <paramref name="segmentSeconds"/> covering [start, start + totalSeconds).</summary>
    public static List<EcgSegmentData> Stream(string patient, double rateHz, double startSeconds, double totalSeconds, double segmentSeconds = 1,
                                              Lead[]? leads = null)
    {
        var list = new List<EcgSegmentData>();
        long first = (long)Math.Round(startSeconds * rateHz), end = (long)Math.Round((startSeconds + totalSeconds) * rateHz);
        int per = (int)Math.Round(segmentSeconds * rateHz);
        ulong seq = 1;
        for (long s = first; s < end; s += per)
            list.Add(Segment(patient, seq++, s / rateHz, rateHz, (int)Math.Min(per, end - s), leads));
        return list;
    }

    public static List<EcgWindow> Run(IEnumerable<EcgSegmentData> segments, WindowingOptions? options = null, PipelineMetrics? metrics = null,
                                      bool flush = true, WindowGeometry? geometry = null, bool endOfStream = false)
    {
        using var windower = new PatientWindower("p1", geometry ?? Geometry, options ?? new WindowingOptions(), metrics);
        var output = new List<EcgWindow>();
        foreach (var s in segments) windower.Add(s, output);
        if (flush) windower.Flush(output, endOfStream);
        return output;
    }

    public static PipelineMetrics NewMetrics() => new(Prometheus.Metrics.NewCustomRegistry());

    public static double Count(Counter c, string label) => c.WithLabels(label).Value;

    /// <summary>Asserts two window lists are the same windows with bit-identical samples and the same stream beats.</summary>
    public static void AssertSameWindows(IReadOnlyList<EcgWindow> expected, IReadOnlyList<EcgWindow> actual)
    {
        Assert.Equal(expected.Select(w => w.Index), actual.Select(w => w.Index));
        for (int i = 0; i < expected.Count; i++)
        {
            var (e, a) = (expected[i], actual[i]);
            Assert.Equal(e.Start, a.Start);
            Assert.Equal(e.Status, a.Status);
            Assert.Equal(e.LeadMask, a.LeadMask);
            Assert.Equal(e.RecordedLeads, a.RecordedLeads);
            Assert.Equal(e.MissingLeads, a.MissingLeads);
            Assert.Equal(e.SignalCoverage, a.SignalCoverage);
            int n = e.Geometry.LeadCount * e.Geometry.WindowSamples;
            Assert.True(e.Signal.AsSpan(0, n).SequenceEqual(a.Signal.AsSpan(0, n)), $"window {e.Index}: samples differ");
            Assert.True(e.StreamBeats.SequenceEqual(a.StreamBeats), $"window {e.Index}: stream beats differ ({e.StreamBeats.Count} and {a.StreamBeats.Count})");
            Assert.Equal(e.StreamQuality is null, a.StreamQuality is null);
            if (e.StreamQuality is { } eq && a.StreamQuality is { } aq)
            {
                Assert.True(eq.Blocks.SequenceEqual(aq.Blocks) && eq.BlockStarts.SequenceEqual(aq.BlockStarts), $"window {e.Index}: quality blocks differ");
                Assert.True(eq.SecondBeats.SequenceEqual(aq.SecondBeats) && eq.BeatStarts.SequenceEqual(aq.BeatStarts), $"window {e.Index}: second-detector beats differ");
            }
        }
    }

    public static bool SameWindows(IReadOnlyList<EcgWindow> expected, IReadOnlyList<EcgWindow> actual)
    {
        try { AssertSameWindows(expected, actual); return true; }
        catch (Xunit.Sdk.XunitException) { return false; }
    }

    public static void Release(IEnumerable<EcgWindow> windows)
    {
        foreach (var w in windows) w.ReleaseSignal();
    }
}
