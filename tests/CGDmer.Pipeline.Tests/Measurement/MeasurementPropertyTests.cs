using CGDmer.Pipeline.Measurement;
using CGDmer.Pipeline.Windowing;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static CGDmer.TestSupport.MeasurementTestData;

namespace CGDmer.Pipeline.Tests.Measurement;

public class MeasurementPropertyTests
{
    private static readonly WindowMeasurer Measurer = new();

    /// <summary>Arbitrary row contents (spikes, steps, NaN, infinities, huge values) never break the measurer's contract.</summary>
    [Property(MaxTest = 60)]
    public bool Any_window_gives_a_well_formed_measurement(int seed, bool[] presentRows)
    {
        var rng = new Random(seed);
        var g = Geometry;
        var signal = System.Buffers.ArrayPool<float>.Shared.Rent(g.LeadCount * g.WindowSamples);
        var mask = new float[g.LeadCount];
        for (int row = 0; row < g.LeadCount; row++)
        {
            mask[row] = row < presentRows.Length && presentRows[row] ? 1 : 0;
            int kind = rng.Next(6);
            for (int i = 0; i < g.WindowSamples; i++)
            {
                float v = kind switch
                {
                    0 => 0,
                    1 => (float)(rng.NextDouble() - 0.5),
                    2 => i % (50 + row) == 0 ? 2f : 0f,                              // spike train
                    3 => i < g.WindowSamples / 2 ? -3f : 3f,                         // step
                    4 => rng.Next(50) == 0 ? (rng.Next(3) == 0 ? float.NaN : float.PositiveInfinity) : (float)rng.NextDouble(),
                    _ => (float)(1e6 * (rng.NextDouble() - 0.5)),
                };
                signal[row * g.WindowSamples + i] = v;
            }
        }
        var window = new EcgWindow("p", "d", 0, DateTimeOffset.UnixEpoch, g, signal, mask, [], [], 1, WindowStatus.Analyzable, 0);
        var m = Measurer.Measure(window);
        bool ok = m.SignalQuality is >= 0 and <= 1
                  && m.BeatSamples.SequenceEqual(m.BeatSamples.Order()) && m.BeatSamples.Distinct().Count() == m.BeatSamples.Count
                  && m.BeatSamples.All(b => b > 0 && b < g.WindowSamples - 1)
                  && (m.HeartRateBpm is null) == (m.BeatSamples.Count < 2)
                  && (m.RrIrregularity is null) == (m.BeatSamples.Count < 3)
                  && (m.HeartRateBpm is not { } hr || (double.IsFinite(hr) && hr > 0 && hr <= 60.0 / 0.2 + 1e-9))
                  && (m.RrIrregularity is not { } irr || (double.IsFinite(irr) && irr >= 0))
                  && (m.AnalysisLead is null ? m.SignalQuality == 0 : mask[g.RowOf(m.AnalysisLead.Value)] == 1);
        window.ReleaseSignal();
        return ok;
    }

    /// <summary>
    /// On the beat stream, any rows and any stream beats (outside the window too) give a well-formed measurement whose
    /// analysis lead is a present, streamed row and whose beats are exactly that row's stream beats inside the window.
    /// </summary>
    [Property(MaxTest = 60)]
    public bool On_the_stream_any_window_gives_a_well_formed_measurement_of_the_streams_beats(int seed, bool[] presentRows, byte streamedRows)
    {
        var rng = new Random(seed);
        var g = Geometry;
        int n = g.WindowSamples;
        var signal = System.Buffers.ArrayPool<float>.Shared.Rent(g.LeadCount * n);
        var mask = new float[g.LeadCount];
        var beats = new List<StreamBeat>();
        for (int row = 0; row < g.LeadCount; row++)
        {
            mask[row] = row < presentRows.Length && presentRows[row] ? 1 : 0;
            bool clean = rng.Next(2) == 0;
            for (int i = 0; i < n; i++)
                signal[row * n + i] = clean ? (i % 80 < 4 ? 1.5f : 0.02f * (float)Math.Sin(i * 0.1)) : (float)(rng.NextDouble() - 0.5);
            if ((streamedRows & (1 << row)) == 0) continue;
            for (int t = -200 + rng.Next(60); t < n + 100; t += 20 + rng.Next(120))
                beats.Add(new StreamBeat(row, t, rng.Next(5) == 0 ? CGDmer.Signal.Beats.BeatType.Ventricular : CGDmer.Signal.Beats.BeatType.Normal, false));
        }
        var window = new EcgWindow("p", "d", 0, DateTimeOffset.UnixEpoch, g, signal, mask, [], [], 1, WindowStatus.Analyzable, 0)
        {
            StreamBeats = beats.ToArray(),
            StreamedRows = streamedRows & ((1 << g.LeadCount) - 1),
        };
        var m = Measurer.Measure(window, onBeatStream: true);
        bool ok = m.SignalQuality is >= 0 and <= 1
                  && (m.HeartRateBpm is null) == (m.BeatSamples.Count < 2)
                  && (m.RrIrregularity is null) == (m.BeatSamples.Count < 3);
        if (m.AnalysisLead is { } lead)
        {
            int row = g.RowOf(lead);
            ok &= mask[row] == 1 && (streamedRows & (1 << row)) != 0
                  && m.BeatSamples.SequenceEqual(beats.Where(b => b.Row == row && b.Sample >= 0 && b.Sample < n).Select(b => b.Sample));
        }
        else ok &= m.SignalQuality == 0 && m.BeatSamples.Count == 0;
        window.ReleaseSignal();
        return ok;
    }

    /// <summary>Irregularity is a property of the rhythm, not of where the window starts or the sample rate's scale.</summary>
    [Property]
    public bool Irregularity_is_shift_and_scale_invariant(PositiveInt[] rrs, PositiveInt offset, byte scale)
    {
        if (rrs.Length < 2) return WindowMeasurer.RrIrregularity(Beats(rrs, 0, 1)) is null; // fewer than three beats
        int k = 1 + scale % 5;
        var rr = rrs.Select(r => 1 + r.Get % 500).ToArray();
        var a = WindowMeasurer.RrIrregularity(Beats(rr, 0, 1))!.Value;
        var b = WindowMeasurer.RrIrregularity(Beats(rr, offset.Get % 10_000, k))!.Value;
        return Math.Abs(a - b) < 1e-9 && a >= 0;
    }

    /// <summary>Heart rate is exactly 60 / mean RR.</summary>
    [Property]
    public bool Heart_rate_is_60_over_mean_rr(PositiveInt[] rrs)
    {
        var rr = rrs.Select(r => 1 + r.Get % 500).ToArray();
        var hr = WindowMeasurer.HeartRateBpm(Beats(rr, 0, 1), 100);
        return rr.Length == 0 ? hr is null : Math.Abs(hr!.Value - 60 * 100 / rr.Average()) < 1e-9;
    }

    private static int[] Beats(IReadOnlyList<int> rr, int offset, int scale)
    {
        var beats = new int[rr.Count + 1];
        beats[0] = offset;
        for (int i = 0; i < rr.Count; i++) beats[i + 1] = beats[i] + rr[i] * scale;
        return beats;
    }

    private static int[] Beats(PositiveInt[] rr, int offset, int scale) => Beats(rr.Select(r => r.Get).ToArray(), offset, scale);
}
