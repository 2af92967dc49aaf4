using CGDmer.Contracts.Telemetry.V1;
using CGDmer.Pipeline.Validation;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal;
using FsCheck;
using FsCheck.Xunit;
using Google.Protobuf.WellKnownTypes;
using static CGDmer.TestSupport.WindowTestData;

namespace CGDmer.Pipeline.Tests.Windowing;

/// <summary>
/// The validator accepts exactly what the window stage can process: every rate it accepts gives windows, never a
/// dropped segment or a lost patient state; every rate it refuses has a reason.
/// </summary>
public class SampleRateAgreementTests
{
    private static readonly SegmentValidator Validator = new(new SegmentValidationOptions(), Geometry);
    private static readonly DateTimeOffset ReceivedAt = T0.AddMinutes(1);
    private static readonly double[] Awkward = [499.87, 257.3, 500.5, 1999.999, 1999, 50, 2000, 360, 999.999999, 1234.5678901234, 50.0001, 1999.9999999];

    /// <summary>Contiguous one-second segments (two leads, ECG-like, in µV) of <paramref name="seconds"/> at <paramref name="rate"/>.</summary>
    private static List<EcgSegment> Monitor(double rate, int seconds)
    {
        var list = new List<EcgSegment>();
        for (int k = 0; k < seconds; k++)
        {
            long first = (long)Math.Floor(k * rate), end = (long)Math.Floor((k + 1) * rate);
            var s = new EcgSegment
            {
                SchemaVersion = 1, PatientId = "patient-rate", DeviceId = "monitor-rate", Sequence = (ulong)k + 1,
                SampleRateHz = rate,
                StartTime = Timestamp.FromDateTimeOffset(T0.AddTicks((long)Math.Round(first / rate * TimeSpan.TicksPerSecond))),
            };
            foreach (var lead in TwoLeads)
            {
                var l = new LeadSamples { Lead = Leads.Name(lead), Gain = 1000, Unit = "mV" };
                for (long i = first; i < end; i++) l.Samples.Add((int)Math.Round(Value(lead, i / rate) * 1000));
                s.Leads.Add(l);
            }
            list.Add(s);
        }
        return list;
    }

    /// <summary>Validates and windows the stream; null when a segment was rejected (with its reason checked).</summary>
    private static List<EcgWindow>? Process(IEnumerable<EcgSegment> segments)
    {
        using var stage = new PatientWindowerRegistry(Geometry, new WindowingOptions());
        var windows = new List<EcgWindow>();
        foreach (var s in segments)
        {
            var r = Validator.Validate(s, ReceivedAt);
            if (!r.IsAccepted)
            {
                Assert.False(string.IsNullOrEmpty(r.Rejection!.Message));
                Assert.NotEqual(RejectionReason.InternalError, r.Rejection.Reason);
                return null;
            }
            var outcome = stage.Add(r.Segment!, ReceivedAt, windows);
            Assert.Equal(SegmentOutcome.Stored, outcome);
        }
        stage.FlushAll(windows, endOfStream: true);
        return windows;
    }

    private static double RandomRate(Random rng) => rng.Next(6) switch
    {
        0 => Awkward[rng.Next(Awkward.Length)],
        1 => rng.Next(50, 2001),
        2 => rng.Next(50_000, 2_000_001) / 1000.0,
        3 => rng.NextInt64(50_000_000, 2_000_000_001) / 1e6,
        4 => 40 + rng.NextDouble() * 2000,   // also just outside the range
        _ => 50 + rng.NextDouble() * 1950,
    };

    [Property(MaxTest = 40)]
    public void Every_rate_is_rejected_with_a_reason_or_windowed(PositiveInt seed)
    {
        double rate = RandomRate(new Random(seed.Get));
        var stream = Monitor(rate, 26);
        var windows = Process(stream);
        if (windows is null)
        {
            Assert.True(rate is < 50 or > 2000, $"{rate:R} Hz was rejected");
            return;
        }
        try
        {
            // Windows at 5, 10 and 15 s (10 s long, 5 s hop) lie within the data: analysable, both leads present.
            Assert.True(windows.Count(w => w.IsAnalyzable && w.MissingLeads.Count == 0) >= 3, $"{rate:R} Hz: {string.Join(", ", windows)}");
            // Deterministic: the same input gives bit-identical windows (at-least-once re-processing).
            var again = Process(stream)!;
            bool same = SameWindows(windows, again);
            Release(again);
            Assert.True(same, $"{rate:R} Hz: not the same windows twice");
        }
        finally { Release(windows); }
    }

    [Theory]
    [InlineData(499.87)]
    [InlineData(257.3)]
    [InlineData(500.5)]
    [InlineData(1999.999)]
    public void A_monitor_reporting_its_measured_rate_gets_windows(double rate)
    {
        var windows = Process(Monitor(rate, 26))!;
        Assert.NotNull(windows);
        Assert.True(windows.Count(w => w.IsAnalyzable && w.MissingLeads.Count == 0) >= 3, string.Join(", ", windows));
        Release(windows);
    }

    [Theory]
    [InlineData(10.0, RejectionReason.BadSampleRate)]
    [InlineData(49.99, RejectionReason.BadSampleRate)]
    [InlineData(2000.001, RejectionReason.BadSampleRate)]
    [InlineData(1e300, RejectionReason.BadSampleRate)]
    [InlineData(1e-300, RejectionReason.BadSampleRate)]
    [InlineData(double.NaN, RejectionReason.NonFiniteValue)]
    [InlineData(double.PositiveInfinity, RejectionReason.NonFiniteValue)]
    public void Rates_outside_the_contract_are_rejected_with_a_reason(double rate, RejectionReason reason)
    {
        var s = SegmentBuilder.OneLead(rate, 10);
        var r = Validator.Validate(s, SegmentBuilder.Now);
        Assert.False(r.IsAccepted);
        Assert.Equal(reason, r.Rejection!.Reason);
        Assert.Contains("sample_rate_hz", r.Rejection.Message);
    }

    [Fact]
    public void The_layout_cache_stays_at_its_bound_over_many_distinct_rates()
    {
        var options = new WindowingOptions { MaxCachedSampleRates = 4, MaxPatients = 20 };
        using var stage = new PatientWindowerRegistry(Geometry, options);
        var output = new List<EcgWindow>();
        // One patient at an awkward rate throughout; between its segments, 13 one-second segments of other patients,
        // each at a rate of its own.
        var steady = Stream("steady", 499.87, 0, 22);
        var rng = new Random(7);
        for (int i = 0; i < steady.Count * 13; i++)
        {
            if (i % 13 == 0) Assert.Equal(SegmentOutcome.Stored, stage.Add(steady[i / 13], T0, output));
            double rate = Math.Round(50 + rng.NextDouble() * 1950, 3);
            Assert.Equal(SegmentOutcome.Stored, stage.Add(Segment($"p{i}", 1, i % 20, rate, (int)rate), T0, output));
            Assert.InRange(stage.CachedLayouts, 1, options.MaxCachedSampleRates);
        }
        Assert.Equal(options.MaxCachedSampleRates, stage.CachedLayouts);
        stage.FlushAll(output, endOfStream: true);
        // The steady patient kept its own layout through the evictions: its windows are whole.
        Assert.True(output.Count(w => w.PatientId == "steady" && w.IsAnalyzable && w.MissingLeads.Count == 0) >= 2);
        Release(output);
    }

    [Theory]
    [InlineData(0.01, 2000, nameof(SegmentValidationOptions.MinSampleRateHz))]   // 10,000× the model's 100 Hz
    [InlineData(50, 1e6, nameof(SegmentValidationOptions.MaxSampleRateHz))]
    public void A_rate_range_the_window_stage_cannot_resample_is_refused_at_start_up(double min, double max, string option)
    {
        var o = new SegmentValidationOptions { MinSampleRateHz = min, MaxSampleRateHz = max };
        Assert.Equal(option, Assert.Throws<ArgumentException>(() => new SegmentValidator(o, Geometry)).ParamName);
        Assert.NotNull(new SegmentValidator(o));   // without the model, only the contract's own checks apply
    }
}
