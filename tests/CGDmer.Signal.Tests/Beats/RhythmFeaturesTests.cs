using CGDmer.Signal.Beats;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CGDmer.Signal.Tests.Beats;

public class RhythmFeaturesTests
{
    private const double Fs = 100;
    private const int W = 1000;

    // Feature indices (the order of RhythmFeatures.Names).
    private const int Present = 0, BeatCount = 1, MeanRr = 2, Hr = 3, Irregularity = 4, Nrmssd = 5, Cv = 6, Pnn50 = 7,
        Mad = 8, DeltaMean = 9, MaxOverMedian = 10, MinOverMedian = 11, TurningPoints = 12, Entropy = 13, Sqi = 14, Agreement = 15;

    /// <summary>Indices of the features that measure irregularity (0 for a perfectly regular rhythm).</summary>
    private static readonly int[] IrregularityFeatures = [Irregularity, Nrmssd, Cv, Pnn50, Mad, DeltaMean, TurningPoints, Entropy];

    private static float[] Compute(int[] beats, double sqi = 0.9, double agreement = 0.8, double fs = Fs, int window = W)
    {
        var f = new float[RhythmFeatures.Count];
        RhythmFeatures.Compute(beats, fs, window, sqi, agreement, f);
        return f;
    }

    private static int[] FromRrs(int first, params int[] rrs)
    {
        var beats = new int[rrs.Length + 1];
        beats[0] = first;
        for (int i = 0; i < rrs.Length; i++) beats[i + 1] = beats[i] + rrs[i];
        return beats;
    }

    [Fact]
    public void The_two_sets_count_and_name_their_features_and_others_are_refused()
    {
        Assert.Equal(16, RhythmFeatures.CountOf("rr-v1"));
        Assert.Equal(32, RhythmFeatures.CountOf("rr-v4"));
        Assert.Equal(RhythmFeatures.Names, RhythmFeatures.NamesOf("rr-v1"));
        var v4 = RhythmFeatures.NamesOf("rr-v4");
        Assert.Equal(32, v4.Distinct().Count());
        Assert.Equal("nn_rr_irregularity", v4[RhythmFeatures.Count + Irregularity]);
        Assert.False(RhythmFeatures.IsKnown("rr-v2"));
        Assert.Contains("'rr-v2'", Assert.Throws<ArgumentException>(() => RhythmFeatures.CountOf("rr-v2")).Message);
    }

    [Fact]
    public void The_NN_half_leaves_ventricular_ectopy_out_of_the_intervals()
    {
        // Regular 75 /min normal beats with a premature wide inverted beat every fourth: the analysis lead's intervals
        // are irregular, its NN intervals regular.
        const double fs = 100;
        var x = new float[1000];
        var beats = new List<int>();
        double t = 0.3;
        for (int i = 0; t < 9.6; i++)
        {
            bool v = i % 4 == 3;
            double half = v ? 0.08 : 0.04, height = v ? -1.5 : 1.0;
            for (int k = (int)Math.Ceiling((t - half) * fs); k <= (t + half) * fs; k++) x[k] += (float)(height * (1 - Math.Abs((k / fs - t) / half)));
            for (int k = (int)Math.Ceiling((t + 0.2) * fs); k <= Math.Min(999, (t + 0.38) * fs); k++) x[k] += (float)(0.25 * Math.Sin(Math.PI * (k / fs - t - 0.2) / 0.18));
            beats.Add((int)Math.Round(t * fs));
            t += i % 4 == 2 ? 0.5 : i % 4 == 3 ? 1.1 : 0.8;
        }
        var f = new float[32];
        RhythmFeatures.ComputeSet("rr-v4", beats.ToArray(), x, fs, x.Length, 0.9, 0.9, f);
        var own = new float[16];
        RhythmFeatures.Compute(beats.ToArray(), fs, x.Length, 0.9, 0.9, own);
        Assert.Equal(own, f[..16]);
        Assert.True(f[Cv] > 0.15, $"all intervals: CV {f[Cv]}");
        Assert.True(f[16 + Present] == 1 && f[16 + Cv] < 0.05, $"NN intervals: present {f[16 + Present]}, CV {f[16 + Cv]}");
        // Without a lead the NN half is the features of no beats.
        RhythmFeatures.ComputeSet("rr-v4", beats.ToArray(), [], fs, x.Length, 0.9, 0.9, f);
        Assert.Equal(0, f[16 + Present]);
    }

    [Fact]
    public void Rr_v7_is_rr_v4_followed_by_the_atrial_activity_of_the_beats_the_NN_classifier_calls_normal()
    {
        Assert.Equal(38, RhythmFeatures.CountOf("rr-v7"));
        Assert.True(RhythmFeatures.IsKnown("rr-v7"));
        Assert.False(RhythmFeatures.ReadsBeatStream("rr-v7"));
        Assert.Equal([.. RhythmFeatures.NamesOf("rr-v4"), .. AtrialActivity.Names], RhythmFeatures.NamesOf("rr-v7"));

        // 75 /min with a P wave before every QRS (the QRS a 1 mV triangle, the P a 0.15 mV half-sine 250–100 ms before it).
        const double fs = 100;
        var x = new float[1000];
        var beats = new List<int>();
        for (double t = 0.4; t < 9.6; t += 0.8)
        {
            for (int k = (int)Math.Ceiling((t - 0.04) * fs); k <= (t + 0.04) * fs; k++) x[k] += (float)(1 - Math.Abs((k / fs - t) / 0.04));
            for (int k = (int)Math.Ceiling((t - 0.25) * fs); k <= (t - 0.1) * fs; k++) x[k] += (float)(0.15 * Math.Sin(Math.PI * (k / fs - t + 0.25) / 0.15));
            beats.Add((int)Math.Round(t * fs));
        }
        var v7 = new float[38];
        var nn = new NormalToNormal(fs);
        RhythmFeatures.ComputeSet("rr-v7", beats.ToArray(), x, fs, x.Length, 0.9, 0.9, v7, nn);
        var v4 = new float[32];
        RhythmFeatures.ComputeSet("rr-v4", beats.ToArray(), x, fs, x.Length, 0.9, 0.9, v4);
        Assert.Equal(v4, v7[..32]);
        var atrial = new float[AtrialActivity.Count];
        AtrialActivity.Compute(x, nn.LastBeats, fs, atrial);
        Assert.Equal(atrial, v7[32..]);
        Assert.Equal(1, v7[32]);
        Assert.True(v7[34] > 0.9, $"atrial consistency {v7[34]}");
        // Without a finder of its own, one is made; without a lead, the atrial half is zero like the NN half.
        var again = new float[38];
        RhythmFeatures.ComputeSet("rr-v7", beats.ToArray(), x, fs, x.Length, 0.9, 0.9, again);
        Assert.Equal(v7, again);
        RhythmFeatures.ComputeSet("rr-v7", beats.ToArray(), [], fs, x.Length, 0.9, 0.9, again);
        Assert.Equal(0, again[16 + Present]);
        Assert.All(again[32..], v => Assert.Equal(0, v));
    }

    [Fact]
    public void Rr_v10_is_rr_v8_with_the_quality_measured_on_the_stream_too()
    {
        Assert.Equal(RhythmFeatures.CountOf("rr-v8"), RhythmFeatures.CountOf("rr-v10"));
        Assert.Equal(RhythmFeatures.NamesOf("rr-v8"), RhythmFeatures.NamesOf("rr-v10"));
        Assert.True(RhythmFeatures.MeasuresOnBeatStream("rr-v10") && RhythmFeatures.ReadsBeatStream("rr-v10") && RhythmFeatures.HasAtrialActivity("rr-v10"));
        Assert.True(RhythmFeatures.MeasuresQualityOnStream("rr-v10"));
        Assert.False(RhythmFeatures.MeasuresQualityOnStream("rr-v8") || RhythmFeatures.MeasuresQualityOnStream("rr-v4") || RhythmFeatures.MeasuresQualityOnStream("unknown"));
        Assert.Contains("'rr-v10'", RhythmFeatures.KnownList);
        Assert.DoesNotContain("'rr-v9'", RhythmFeatures.KnownList);   // its first definition, retired
    }

    [Fact]
    public void Rr_v8_is_rr_v6_followed_by_the_atrial_activity_of_the_beats_the_stream_classes_normal()
    {
        Assert.Equal(38, RhythmFeatures.CountOf("rr-v8"));
        Assert.True(RhythmFeatures.IsKnown("rr-v8") && RhythmFeatures.MeasuresOnBeatStream("rr-v8") && RhythmFeatures.ReadsBeatStream("rr-v8"));
        Assert.True(RhythmFeatures.HasAtrialActivity("rr-v8") && RhythmFeatures.HasAtrialActivity("rr-v7"));
        Assert.False(RhythmFeatures.HasAtrialActivity("rr-v6") || RhythmFeatures.HasAtrialActivity("rr-v4"));
        Assert.Equal(RhythmFeatures.NamesOf("rr-v7"), RhythmFeatures.NamesOf("rr-v8"));
        Assert.Contains("'rr-v8'", RhythmFeatures.KnownList);

        // 75 /min with a P wave before every QRS, and one ventricular beat (no P wave, early) that the stream classes so.
        const double fs = 100;
        var x = new float[1000];
        var stream = new List<ClassifiedBeat>();
        int i = 0;
        for (double t = 0.4; t < 9.6; t += 0.8, i++)
        {
            bool ventricular = i == 6;
            double r = ventricular ? t - 0.3 : t;
            for (int k = (int)Math.Ceiling((r - 0.04) * fs); k <= (r + 0.04) * fs; k++) x[k] += (float)(1 - Math.Abs((k / fs - r) / 0.04));
            if (!ventricular)
                for (int k = (int)Math.Ceiling((r - 0.25) * fs); k <= (r - 0.1) * fs; k++) x[k] += (float)(0.15 * Math.Sin(Math.PI * (k / fs - r + 0.25) / 0.15));
            stream.Add(new ClassifiedBeat((long)Math.Round(r * fs), false, ventricular ? BeatType.Ventricular : BeatType.Normal));
        }
        int[] positions = [.. stream.Select(b => (int)b.Sample)];
        var v8 = new float[38];
        RhythmFeatures.ComputeSet("rr-v8", positions, x, fs, x.Length, 0.9, 0.8, v8, context: stream.ToArray());
        var v6 = new float[32];
        RhythmFeatures.ComputeSet("rr-v6", positions, x, fs, x.Length, 0.9, 0.8, v6, context: stream.ToArray());
        Assert.Equal(v6, v8[..32]);
        var atrial = new float[AtrialActivity.Count];
        AtrialActivity.Compute(x, stream.ToArray(), fs, atrial);
        Assert.Equal(atrial, v8[32..]);
        Assert.Equal(1, v8[32]);
        Assert.True(v8[34] > 0.9, $"atrial consistency {v8[34]}");
        // The stream's classes decide which beats count: called normal, the ventricular beat joins the template and the
        // beats' agreement with it falls.
        var allNormal = stream.Select(b => b with { Type = BeatType.Normal }).ToArray();
        var mislabelled = new float[38];
        RhythmFeatures.ComputeSet("rr-v8", positions, x, fs, x.Length, 0.9, 0.8, mislabelled, context: allNormal);
        Assert.True(mislabelled[34] < v8[34], $"consistency {mislabelled[34]} with the ventricular beat counted, {v8[34]} without");
        // Without a lead (no usable analysis lead), the atrial half is zero.
        var withoutLead = new float[38];
        RhythmFeatures.ComputeSet("rr-v8", positions, [], fs, x.Length, 0.9, 0.8, withoutLead, context: stream.ToArray());
        Assert.Equal(v6, withoutLead[..32]);
        Assert.All(withoutLead[32..], v => Assert.Equal(0, v));
    }

    [Fact]
    public void Measured_on_the_stream_the_NN_half_chains_the_streams_own_classes_and_reads_no_samples()
    {
        const double fs = 100;
        Assert.Equal(32, RhythmFeatures.CountOf("rr-v6"));
        Assert.Equal(RhythmFeatures.NamesOf("rr-v4"), RhythmFeatures.NamesOf("rr-v6"));
        Assert.True(RhythmFeatures.MeasuresOnBeatStream("rr-v6") && RhythmFeatures.ReadsBeatStream("rr-v6"));
        Assert.False(RhythmFeatures.MeasuresOnBeatStream("rr-v4") || RhythmFeatures.MeasuresOnBeatStream("rr-v5"));
        // Normal beats every 0.8 s with a ventricular one (0.5 s after a normal beat, 1.1 s before the next): the window's
        // stream beats, classified by the stream. Samples of the lead are not read (NaN would poison any feature).
        var window = new List<ClassifiedBeat>();
        for (long t = 20, i = 0; t < 1000; t += 80, i++)
            window.Add(new ClassifiedBeat(i == 5 ? t - 30 : t, false, i == 5 ? BeatType.Ventricular : BeatType.Normal));
        int[] positions = [.. window.Select(b => (int)b.Sample)];
        var nan = Enumerable.Repeat(float.NaN, 1000).ToArray();
        var f = new float[32];
        RhythmFeatures.ComputeSet("rr-v6", positions, nan, fs, 1000, 0.9, 0.8, f, context: window.ToArray());
        var own = new float[16];
        RhythmFeatures.Compute(positions, fs, 1000, 0.9, 0.8, own);
        Assert.Equal(own, f[..16]);
        var nn = new int[64];
        int n = NormalToNormal.Chain(window.ToArray(), 0, nn);
        var expected = new float[16];
        RhythmFeatures.Compute(nn[..n], fs, 1000, 0.9, 0.8, expected);
        Assert.Equal(expected, f[16..]);
        Assert.True(f[16 + Cv] < 0.01 && f[Cv] > 0.1, $"NN CV {f[16 + Cv]}, all intervals' CV {f[Cv]}");
        // Stream beats outside the window or out of order are a fault of the caller.
        Assert.Throws<ArgumentException>(() => RhythmFeatures.ComputeSet("rr-v6", [], [], fs, 1000, 0.9, 0.8, f, context: [new ClassifiedBeat(-1, false, BeatType.Normal)]));
        Assert.Throws<ArgumentException>(() => RhythmFeatures.ComputeSet("rr-v6", [], [], fs, 1000, 0.9, 0.8, f,
            context: [new ClassifiedBeat(300, false, BeatType.Normal), new ClassifiedBeat(200, false, BeatType.Normal)]));
        // No stream beats: the NN half of no beats.
        RhythmFeatures.ComputeSet("rr-v6", positions, [], fs, 1000, 0.9, 0.8, f);
        Assert.Equal(0, f[16 + Present]);
    }

    [Fact]
    public void The_context_features_are_those_of_the_NN_intervals_of_the_stream_beats_over_the_30_s_ending_with_the_window()
    {
        const double fs = 100;
        // 30 s of context before a 10-s window's end: normal beats every 0.8 s, one ventricular beat 0.5 s after a normal
        // one with a 1.1-s pause after it; its two intervals are left out and the rest laid end to end.
        var context = new List<ClassifiedBeat>();
        for (long t = -1990, i = 0; t < 1000; t += 80, i++)
            context.Add(new ClassifiedBeat(i == 10 ? t - 30 : t, false, i == 10 ? BeatType.Ventricular : BeatType.Normal));
        var f = new float[48];
        RhythmFeatures.ComputeSet("rr-v5", [100, 180, 260], [], fs, 1000, 0.9, 0.8, f, context: context.ToArray());
        var nn = new int[64];
        int n = NormalToNormal.Chain(context.ToArray(), -2000, nn);
        var expected = new float[16];
        RhythmFeatures.Compute(nn[..n], fs, 3000, 0.9, 0.8, expected);
        Assert.Equal(expected, f[32..]);
        Assert.Equal(1, f[32 + Present]);
        Assert.True(f[32 + Cv] < 0.01, $"the NN intervals are regular: CV {f[32 + Cv]}");
        Assert.Equal(0.8, f[32 + MeanRr], 4);
        // A beat outside the context is a fault of the caller.
        Assert.Throws<ArgumentException>(() => RhythmFeatures.ComputeSet("rr-v5", [], [], fs, 1000, 0.9, 0.8, f, context: [new ClassifiedBeat(-2001, false, BeatType.Normal)]));
        // No stream beats: the context features of no beats.
        RhythmFeatures.ComputeSet("rr-v5", [], [], fs, 1000, 0.9, 0.8, f);
        Assert.Equal(0, f[32 + Present]);
    }

    [Fact]
    public void Names_identifier_and_count_agree()
    {
        Assert.Equal("rr-v4", RhythmFeatures.Identifier);
        Assert.Equal(48, RhythmFeatures.CountOf("rr-v5"));
        Assert.Equal("context_nn_rr_irregularity", RhythmFeatures.NamesOf("rr-v5")[32 + Irregularity]);
        Assert.True(RhythmFeatures.ReadsBeatStream("rr-v5") && !RhythmFeatures.ReadsBeatStream("rr-v4"));
        Assert.Equal(RhythmFeatures.Count, RhythmFeatures.Names.Count);
        Assert.Equal(RhythmFeatures.Count, RhythmFeatures.Names.Distinct().Count());
        Assert.Equal("rhythm_present", RhythmFeatures.Names[Present]);
        Assert.Equal("rr_entropy", RhythmFeatures.Names[Entropy]);
        Assert.Equal("beat_agreement", RhythmFeatures.Names[Agreement]);
    }

    [Fact]
    public void A_regular_rhythm_has_no_irregularity_and_the_exact_rate()
    {
        var beats = Enumerable.Range(0, 13).Select(i => 10 + 80 * i).ToArray(); // 0.8 s: 75 bpm
        var f = Compute(beats);
        Assert.Equal(1, f[Present]);
        Assert.Equal(13 / 20f, f[BeatCount]);
        Assert.Equal(0.8, f[MeanRr], 6);
        Assert.Equal(0.75, f[Hr], 6);
        foreach (int k in IrregularityFeatures) Assert.True(Math.Abs(f[k]) < 1e-6, $"{RhythmFeatures.Names[k]} = {f[k]}");
        Assert.Equal(1, f[MaxOverMedian], 6);
        Assert.Equal(1, f[MinOverMedian], 6);
        Assert.Equal(0.9f, f[Sqi]);
        Assert.Equal(0.8f, f[Agreement]);
    }

    [Fact]
    public void Hand_computed_values()
    {
        // RR 1.0 1.5 1.0 1.5 s: mean 1.25, ΔRR +0.5 −0.5 +0.5, median 1.25, every RR 0.25 from it.
        var f = Compute([0, 100, 250, 350, 500]);
        float[] expected =
        [
            1, 0.25f, 1.25f, 0.48f,
            0,          // irregularity: the pattern repeats at lag 2
            0.4f,       // RMS Δ 0.5 / 1.25
            0.2f,       // std 0.25 / 1.25
            1,          // every |Δ| > 50 ms
            0.2f,       // MAD 0.25 / 1.25
            0.4f,       // mean |Δ| 0.5 / 1.25
            1.2f, 0.8f, // 1.5 / 1.25, 1.0 / 1.25
            1,          // both interior RRs are turning points
            (float)(-(2.0 / 3 * Math.Log2(2.0 / 3) + 1.0 / 3 * Math.Log2(1.0 / 3)) / 3), // Δ/mean ±0.4: edge bins, 2 and 1
            0.9f, 0.8f,
        ];
        for (int k = 0; k < RhythmFeatures.Count; k++) Assert.True(Math.Abs(expected[k] - f[k]) < 1e-6, $"{RhythmFeatures.Names[k]}: {f[k]}, expected {expected[k]}");
    }

    [Fact]
    public void Bigeminy_is_not_irregular_by_the_pattern_index_but_varies_widely()
    {
        var beats = FromRrs(10, 55, 95, 55, 95, 55, 95, 55, 95, 55, 95, 55, 95);
        var f = Compute(beats);
        Assert.True(f[Irregularity] < 0.02, $"rr_irregularity {f[Irregularity]}");
        Assert.True(f[Cv] > 0.2, $"cv_rr {f[Cv]}"); // 20 / 75
        Assert.True(f[Nrmssd] > 0.4, $"nrmssd {f[Nrmssd]}");
        Assert.Equal(1, f[TurningPoints], 6);
        Assert.Equal(1, f[Pnn50], 6);
    }

    [Fact]
    public void An_irregular_sequence_is_clearly_more_irregular_than_a_regular_one()
    {
        var rng = new Random(7);
        var irregular = new List<int> { 5 };
        while (true)
        {
            int next = irregular[^1] + rng.Next(40, 141);
            if (next >= W) break;
            irregular.Add(next);
        }
        var regular = Enumerable.Range(0, 11).Select(i => 20 + 90 * i).ToArray();
        var fi = Compute(irregular.ToArray());
        var fr = Compute(regular);
        foreach (int k in IrregularityFeatures)
            Assert.True(fi[k] > fr[k] + 0.1, $"{RhythmFeatures.Names[k]}: irregular {fi[k]}, regular {fr[k]}");
        Assert.True(fi[Irregularity] > 0.1, $"rr_irregularity {fi[Irregularity]}");
    }

    [Theory]
    [InlineData(new int[0])]
    [InlineData(new[] { 500 })]
    [InlineData(new[] { 100, 180 })]
    public void Fewer_than_two_RRs_give_no_RR_features(int[] beats)
    {
        var f = Compute(beats, sqi: 0.7, agreement: 0.6);
        for (int k = 0; k < RhythmFeatures.Count; k++)
        {
            if (k is BeatCount or Sqi or Agreement) continue;
            Assert.Equal(0, f[k]);
        }
        Assert.Equal(beats.Length / 20f, f[BeatCount]);
        Assert.Equal(0.7f, f[Sqi]);
        Assert.Equal(0.6f, f[Agreement]);
    }

    [Fact]
    public void Quality_inputs_are_clamped_to_0_1_and_NaN_is_0()
    {
        int[] beats = [100, 200, 300, 400];
        var f = Compute(beats, sqi: double.NaN, agreement: double.NaN);
        Assert.Equal(0, f[Sqi]);
        Assert.Equal(0, f[Agreement]);
        f = Compute(beats, sqi: 1.5, agreement: -0.2);
        Assert.Equal(1, f[Sqi]);
        Assert.Equal(0, f[Agreement]);
        f = Compute(beats, sqi: double.PositiveInfinity, agreement: double.NegativeInfinity);
        Assert.Equal(1, f[Sqi]);
        Assert.Equal(0, f[Agreement]);
        Assert.All(f, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        int[] beats = [100, 200, 300];
        Assert.Throws<ArgumentException>(() => RhythmFeatures.Compute(beats, Fs, W, 1, 1, new float[RhythmFeatures.Count - 1]));
        Assert.Throws<ArgumentException>(() => RhythmFeatures.Compute([], Fs, W, 1, 1, Span<float>.Empty));
        Assert.Throws<ArgumentException>(() => RhythmFeatures.Compute([200, 100], Fs, W, 1, 1, new float[RhythmFeatures.Count]));
        Assert.Throws<ArgumentException>(() => RhythmFeatures.Compute([100, 100, 200], Fs, W, 1, 1, new float[RhythmFeatures.Count]));
        Assert.Throws<ArgumentException>(() => RhythmFeatures.Compute([100, 1000], Fs, W, 1, 1, new float[RhythmFeatures.Count]));
        Assert.Throws<ArgumentException>(() => RhythmFeatures.Compute([-1, 100], Fs, W, 1, 1, new float[RhythmFeatures.Count]));
        Assert.ThrowsAny<ArgumentException>(() => RhythmFeatures.Compute(beats, 0, W, 1, 1, new float[RhythmFeatures.Count]));
        Assert.ThrowsAny<ArgumentException>(() => RhythmFeatures.Compute(beats, double.NaN, W, 1, 1, new float[RhythmFeatures.Count]));
        Assert.ThrowsAny<ArgumentException>(() => RhythmFeatures.Compute(beats, Fs, 0, 1, 1, new float[RhythmFeatures.Count]));
        Assert.ThrowsAny<ArgumentException>(() => RhythmFeatures.Compute([], Fs, -1, 1, 1, new float[RhythmFeatures.Count]));
    }

    [Fact]
    public void A_window_without_samples_has_only_its_quality_features()
    {
        var f = Compute([], sqi: 0, agreement: 0, window: 0);
        Assert.All(f, v => Assert.Equal(0, v));
    }

    [Fact]
    public void A_longer_destination_keeps_its_tail()
    {
        var f = new float[RhythmFeatures.Count + 2];
        f[^1] = f[^2] = 42;
        RhythmFeatures.Compute([100, 200, 300], Fs, W, 1, 1, f);
        Assert.Equal(42, f[^1]);
        Assert.Equal(42, f[^2]);
    }

    [Fact]
    public void Computing_allocates_nothing()
    {
        var shortList = Enumerable.Range(0, 15).Select(i => 3 + 67 * i).ToArray();
        var longList = Enumerable.Range(0, 400).Select(i => 1 + 25 * i + i % 7).ToArray(); // pooled scratch
        var f = new float[RhythmFeatures.Count];
        for (int i = 0; i < 3; i++)
        {
            RhythmFeatures.Compute(shortList, Fs, W, 0.5, 0.5, f);
            RhythmFeatures.Compute(longList, Fs, 10_100, 0.5, 0.5, f);
        }
        Assert.Equal(0, Allocations.LeastOfThree(() =>
        {
            for (int i = 0; i < 100; i++)
            {
                RhythmFeatures.Compute(shortList, Fs, W, 0.5, 0.5, f);
                RhythmFeatures.Compute(longList, Fs, 10_100, 0.5, 0.5, f);
            }
        }));
    }

    /// <summary>A window length, an ascending beat list within it, a rate and arbitrary quality inputs.</summary>
    public static Arbitrary<(int Window, int[] Beats, double Fs, double Sqi, double Agreement)> Inputs() =>
        (from window in Gen.Choose(1, 6000)
         from count in Gen.Choose(0, 400) // past the stack scratch (128 RRs) too
         from raw in Gen.Choose(0, window - 1).ArrayOf(count)
         from fs in Gen.Elements(50.0, 100.0, 128.0, 250.0, 360.0, 500.0, 1000.0, 0.001, 1e6)
         from sqi in Gen.Elements(0.0, 0.5, 1.0, -3.0, 7.0, double.NaN, double.PositiveInfinity, double.NegativeInfinity)
         from agreement in Gen.Elements(0.0, 0.3, 1.0, -1.0, 2.0, double.NaN, double.PositiveInfinity)
         select (window, raw.Distinct().Order().ToArray(), fs, sqi, agreement)).ToArbitrary();

    [Property(Arbitrary = [typeof(RhythmFeaturesTests)], MaxTest = 500)]
    public bool Every_feature_is_finite_and_within_plus_minus_10((int Window, int[] Beats, double Fs, double Sqi, double Agreement) x)
    {
        var f = new float[RhythmFeatures.Count];
        RhythmFeatures.Compute(x.Beats, x.Fs, x.Window, x.Sqi, x.Agreement, f);
        return f.All(v => float.IsFinite(v) && v is >= -10 and <= 10)
               && f[Present] == (x.Beats.Length >= 3 ? 1 : 0)
               && f[Sqi] is >= 0 and <= 1 && f[Agreement] is >= 0 and <= 1
               && f[Entropy] is >= 0 and <= 1 + 1e-6f;
    }
}
