using CGDmer.Signal.Beats;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CGDmer.Signal.Tests.Beats;

public class AtrialActivityTests
{
    private const double Fs = 100;
    private const int Present = 0, Fraction = 1, Consistency = 2, Coherence = 3, WaveOverQrs = 4, ResidualOverQrs = 5;

    /// <summary>A 10-s lead: a 1 mV QRS (Gaussian, σ 15 ms) at each R, a P wave of <paramref name="pMv"/> 170 ms
    /// before it (σ 25 ms), <paramref name="fibrillationMv"/> of 6–7 Hz fibrillatory waves with a wandering phase,
    /// and white noise.</summary>
    private static float[] Lead(IReadOnlyList<double> rSeconds, double pMv, double fibrillationMv, double noiseMv = 0.005, int seed = 1)
    {
        var rng = new Random(seed);
        var x = new float[1000];
        double phase = 0;
        for (int n = 0; n < x.Length; n++)
        {
            double t = n / Fs, v = 0;
            foreach (double r in rSeconds)
            {
                v += Math.Exp(-0.5 * Math.Pow((t - r) / 0.015, 2));
                v += pMv * Math.Exp(-0.5 * Math.Pow((t - r + 0.17) / 0.025, 2));
            }
            phase += 2 * Math.PI * (6.5 + 0.8 * (rng.NextDouble() - 0.5)) / Fs;
            v += fibrillationMv * Math.Sin(phase) + noiseMv * (rng.NextDouble() - 0.5) * 2;
            x[n] = (float)v;
        }
        return x;
    }

    private static ClassifiedBeat[] Beats(IReadOnlyList<double> rSeconds, int jitterSamples = 0, int seed = 3)
    {
        var rng = new Random(seed);
        return rSeconds.Select(r => new ClassifiedBeat((long)Math.Round(r * Fs) + rng.Next(-jitterSamples, jitterSamples + 1), false, BeatType.Normal)).ToArray();
    }

    private static float[] Compute(float[] lead, ClassifiedBeat[] beats)
    {
        var f = new float[AtrialActivity.Count];
        AtrialActivity.Compute(lead, beats, Fs, f);
        return f;
    }

    private static List<double> Regular(double rr = 0.8)
    {
        var r = new List<double>();
        for (double t = 0.4; t < 9.8; t += rr) r.Add(t);
        return r;
    }

    private static List<double> Irregular(int seed)
    {
        var rng = new Random(seed);
        var r = new List<double>();
        for (double t = 0.4; t < 9.8; t += 0.5 + 0.5 * rng.NextDouble()) r.Add(t);
        return r;
    }

    [Fact]
    public void A_repeating_P_wave_is_consistent_coherent_and_measured_against_the_QRS()
    {
        var r = Regular();
        var f = Compute(Lead(r, pMv: 0.15, fibrillationMv: 0), Beats(r));
        Assert.Equal(1, f[Present]);
        Assert.True(f[Consistency] > 0.95, $"consistency {f[Consistency]}");
        Assert.True(f[Coherence] > 0.9, $"coherence {f[Coherence]}");
        // The template spans the P wave's full height (the segment holds the whole Gaussian) against a 1 mV QRS.
        Assert.InRange(f[WaveOverQrs], 0.12, 0.17);
        Assert.True(f[ResidualOverQrs] < 0.01, $"residual {f[ResidualOverQrs]}");
        // Every beat but the first (which has no preceding beat) is used.
        Assert.Equal((r.Count - 1) / (float)r.Count, f[Fraction], 1e-6);
    }

    [Fact]
    public void Fibrillatory_waves_without_a_P_wave_are_inconsistent_and_leave_a_residual()
    {
        var r = Irregular(seed: 5);
        var f = Compute(Lead(r, pMv: 0, fibrillationMv: 0.08), Beats(r));
        Assert.Equal(1, f[Present]);
        Assert.True(f[Consistency] < 0.5, $"consistency {f[Consistency]}");
        Assert.True(f[Coherence] < 0.4, $"coherence {f[Coherence]}");
        Assert.True(f[ResidualOverQrs] > 0.03, $"residual {f[ResidualOverQrs]}");
    }

    [Fact]
    public void An_irregular_rhythm_with_P_waves_reads_as_organised_where_RR_statistics_cannot_tell()
    {
        // Sinus arrhythmia / atrial ectopy: RR as irregular as the AF case above, each beat preceded by its P wave.
        var r = Irregular(seed: 5);
        var withP = Compute(Lead(r, pMv: 0.15, fibrillationMv: 0), Beats(r));
        var af = Compute(Lead(r, pMv: 0, fibrillationMv: 0.08), Beats(r));
        Assert.True(withP[Consistency] > af[Consistency] + 0.4, $"{withP[Consistency]} vs {af[Consistency]}");
        Assert.True(withP[Coherence] > af[Coherence] + 0.4, $"{withP[Coherence]} vs {af[Coherence]}");
    }

    [Fact]
    public void R_positions_a_few_milliseconds_off_are_aligned_on_the_QRS()
    {
        var r = Regular();
        var lead = Lead(r, pMv: 0.15, fibrillationMv: 0);
        var aligned = Compute(lead, Beats(r, jitterSamples: 2));
        Assert.True(aligned[Consistency] > 0.95, $"consistency with ±20 ms R jitter {aligned[Consistency]}");
    }

    [Fact]
    public void Only_normal_beats_after_a_normal_beat_far_enough_back_are_used()
    {
        var r = Regular();
        var lead = Lead(r, pMv: 0.15, fibrillationMv: 0);
        var beats = Beats(r);
        // A ventricular beat excludes itself and the beat after it; a beat 0.3 s after the previous one is excluded
        // (the next one, 0.5 s after it, is not).
        beats[3] = beats[3] with { Type = BeatType.Ventricular };
        var withEarly = beats.ToList();
        withEarly.Insert(7, new ClassifiedBeat(beats[6].Sample + 30, false, BeatType.Normal));
        var f = Compute(lead, withEarly.ToArray());
        int used = r.Count - 1 - 2;   // all but the first, the ventricular one and the one after it; the early one is extra
        Assert.Equal(used / (float)withEarly.Count, f[Fraction], 1e-6);
    }

    [Fact]
    public void Fewer_than_three_usable_beats_give_all_zeros()
    {
        var r = new List<double> { 1.0, 1.8, 2.6 };   // two beats follow a beat
        var f = Compute(Lead(r, 0.15, 0), Beats(r));
        Assert.All(f, v => Assert.Equal(0, v));
        Assert.All(Compute(new float[1000], []), v => Assert.Equal(0, v));
    }

    [Fact]
    public void A_flat_lead_gives_finite_features()
    {
        var r = Regular();
        var f = Compute(new float[1000], Beats(r));
        Assert.All(f, v => Assert.True(float.IsFinite(v)));
        Assert.Equal(0, f[Consistency]);
        Assert.Equal(0, f[Coherence]);
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        var r = Regular();
        var lead = Lead(r, 0.15, 0);
        Assert.Throws<ArgumentException>(() => AtrialActivity.Compute(lead, Beats(r), Fs, new float[AtrialActivity.Count - 1]));
        Assert.ThrowsAny<ArgumentException>(() => AtrialActivity.Compute(lead, Beats(r), 0, new float[AtrialActivity.Count]));
        Assert.ThrowsAny<ArgumentException>(() => AtrialActivity.Compute(lead, Beats(r), double.NaN, new float[AtrialActivity.Count]));
        Assert.ThrowsAny<ArgumentException>(() => AtrialActivity.Compute(lead, Beats(r), 5000, new float[AtrialActivity.Count]));
    }

    [Fact]
    public void Names_and_count_agree()
    {
        Assert.Equal(AtrialActivity.Count, AtrialActivity.Names.Count);
        Assert.Equal(AtrialActivity.Count, AtrialActivity.Names.Distinct().Count());
    }

    [Fact]
    public void Computing_allocates_nothing()
    {
        var r = Regular();
        var lead = Lead(r, 0.15, 0.02);
        var beats = Beats(r);
        var f = new float[AtrialActivity.Count];
        AtrialActivity.Compute(lead, beats, Fs, f);
        Assert.Equal(0, Allocations.LeastOfThree(() => AtrialActivity.Compute(lead, beats, Fs, f)));
    }

    /// <summary>Any lead and any ascending beats, in or out of the lead, give features that are finite and in range.</summary>
    [Property(MaxTest = 200)]
    public Property Any_lead_and_beats_give_finite_bounded_features()
    {
        var gen = from seed in Gen.Choose(0, int.MaxValue)
                  from beats in Gen.Choose(0, 60)
                  from length in Gen.Choose(0, 1500)
                  select (seed, beats, length);
        return Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var rng = new Random(c.seed);
            var lead = new float[c.length];
            for (int i = 0; i < lead.Length; i++) lead[i] = (float)(rng.NextDouble() * 4 - 2);
            var beats = new ClassifiedBeat[c.beats];
            long s = rng.Next(-50, 50);
            for (int i = 0; i < beats.Length; i++)
            {
                s += rng.Next(1, 120);
                beats[i] = new ClassifiedBeat(s, false, rng.Next(5) == 0 ? BeatType.Ventricular : BeatType.Normal);
            }
            var f = new float[AtrialActivity.Count];
            AtrialActivity.Compute(lead, beats, Fs, f);
            return f.All(v => float.IsFinite(v) && v >= -10 && v <= 10) && f[Fraction] is >= 0 and <= 1 && f[Consistency] is >= -1 and <= 1
                   && f[Coherence] is >= 0 and <= 1 + 1e-5f && (f[Present] == 1 || f.All(v => v == 0));
        });
    }
}
