using CGDmer.Pipeline.Measurement;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal;
using CGDmer.Signal.Synthesis;
using static CGDmer.TestSupport.MeasurementTestData;

namespace CGDmer.Pipeline.Tests.Measurement;

public class WindowMeasurerTests
{
    private static readonly WindowMeasurer Measurer = new();
    private const int SourceSamples = 5000; // 10 s at 500 Hz

    [Theory]
    [InlineData(45, 1)]
    [InlineData(60, 2)]
    [InlineData(75, 3)]
    [InlineData(100, 4)]
    [InlineData(130, 5)]
    [InlineData(170, 6)]
    public void Clean_sinus_heart_rate_is_within_2_bpm_of_the_truth(double rate, int seed)
    {
        var ecg = Synthesize(RhythmKind.Sinus, rate, seed);
        var window = Window(ecg);
        var m = Measurer.Measure(window);
        Assert.NotNull(m.HeartRateBpm);
        Assert.InRange(m.HeartRateBpm!.Value, TrueHeartRate(ecg) - 2, TrueHeartRate(ecg) + 2);
        Assert.True(m.SignalQuality > 0.7, $"clean sinus SQI {m.SignalQuality}");
        Assert.NotNull(m.AnalysisLead);
        Assert.True(m.RrIrregularity < 0.05, $"sinus irregularity {m.RrIrregularity}");
        Assert.Equal(m.BeatSamples.Order(), m.BeatSamples);
        Assert.All(m.BeatSamples, b => Assert.InRange(b, 1, Geometry.WindowSamples - 2));
        Assert.False(window.SignalReleased); // the infer stage releases the samples, not this one
    }

    [Fact]
    public void Every_true_beat_of_a_clean_window_is_found_once()
    {
        var ecg = Synthesize(RhythmKind.Sinus, 80, 11);
        var m = Measurer.Measure(Window(ecg));
        var truth = ecg.Beats.Select(b => (int)Math.Round(b.Sample * Geometry.SampleRateHz / ecg.SampleRateHz)).ToArray();
        // The synthesizer's fiducial may sit a little before the R peak; 100 ms is the AAMI-style match window at this rate.
        int matched = WindowMeasurer.Matched(truth, m.BeatSamples.ToArray(), 10);
        Assert.True(matched >= truth.Length - 1, $"{matched} of {truth.Length} beats"); // an edge beat may be cut
        Assert.True(m.BeatSamples.Count <= truth.Length, $"{m.BeatSamples.Count} detections for {truth.Length} beats");
    }

    [Fact]
    public void Atrial_fibrillation_is_clearly_more_irregular_than_sinus()
    {
        var sinus = Enumerable.Range(20, 8).Select(s => Measurer.Measure(Window(Synthesize(RhythmKind.Sinus, 60 + 8 * (s - 20), s))).RrIrregularity!.Value).ToArray();
        var af = Enumerable.Range(40, 8).Select(s => Measurer.Measure(Window(Synthesize(RhythmKind.AtrialFibrillation, null, s))).RrIrregularity!.Value).ToArray();
        // Every AF window above every sinus window, with room: a 2× margin between the groups.
        Assert.True(af.Min() > 2 * sinus.Max(), $"AF min {af.Min():F3}, sinus max {sinus.Max():F3}");
    }

    [Fact]
    public void Bigeminy_and_trigeminy_patterns_are_not_called_irregular()
    {
        // Regularly irregular: short–long couplets (bigeminy) and normal–short–long (trigeminy) at 100 Hz.
        int[] Pattern(params int[] rr) { var b = new List<int> { 10 }; for (int i = 0; b[^1] < 950; i++) b.Add(b[^1] + rr[i % rr.Length]); return b.ToArray(); }
        Assert.True(WindowMeasurer.RrIrregularity(Pattern(55, 95)) < 0.02);
        Assert.True(WindowMeasurer.RrIrregularity(Pattern(80, 50, 110)) < 0.02);
        Assert.True(WindowMeasurer.RrIrregularity(Pattern(80, 81, 79, 80)) < 0.02);
        // An irregular sequence (no repeating pattern) is high.
        int[] irregular = [10, 70, 165, 237, 367, 422, 532, 612, 752, 814, 915]; // RR 60 95 72 130 55 110 80 140 62 101
        Assert.Equal(21.0 / 87.5, WindowMeasurer.RrIrregularity(irregular)!.Value, 9);
    }

    [Fact]
    public void Flat_line_has_no_heart_rate_and_no_quality()
    {
        var flat = new float[SourceSamples];
        Array.Fill(flat, 0.3f); // a constant offset: the high-pass leaves nothing
        var m = Measurer.Measure(Window([null, flat]));
        Assert.Null(m.HeartRateBpm);
        Assert.Null(m.RrIrregularity);
        Assert.Equal(0, m.SignalQuality);
        Assert.Empty(m.BeatSamples);
        // A present lead that is a flat line: asystole's evidence for the heart-rate alarms.
        Assert.True(m.IsFlatLine);
        Assert.Empty(m.LeadRates);
    }

    [Fact]
    public void On_the_beat_stream_a_present_lead_the_stream_did_not_read_is_not_flat_line_evidence()
    {
        var flat = new float[SourceSamples];
        Array.Fill(flat, 0.3f);
        var window = Window([null, flat]);   // built without the stream: no row streamed
        Assert.Equal(0, window.StreamedRows);
        var m = Measurer.Measure(window, onBeatStream: true);
        Assert.False(m.IsFlatLine);
        Assert.Null(m.AnalysisLead);
        Assert.True(Measurer.Measure(window).IsFlatLine);   // detected in the window, the same lead is
    }

    [Fact]
    public void The_rate_at_the_window_end_and_the_silence_before_it_follow_the_last_beats()
    {
        var ecg = Synthesize(RhythmKind.Sinus, 100, 7);
        var m = Measurer.Measure(Window(ecg));
        Assert.Equal(12, m.LeadRates.Count);
        Assert.All(m.LeadRates, l => Assert.InRange(l.RateAtEndBpm!.Value, TrueHeartRate(ecg) - 3, TrueHeartRate(ecg) + 3));
        Assert.All(m.LeadRates, l => Assert.InRange(l.SecondsSinceLastBeat, 0, 60.0 / 100 + 0.1));
        Assert.InRange(m.SecondsQuiet, 0, 60.0 / 100 + 0.1);
        Assert.False(m.IsFlatLine);

        // The same beats with the last 5 s silent: asystole's evidence, the rate blanked after 3 s.
        var signal = ecg.Lead(Lead.II).ToArray();
        var v1 = ecg.Lead(Lead.V1).ToArray();
        for (int i = SourceSamples / 2; i < SourceSamples; i++) signal[i] = v1[i] = 0;
        var silent = Measurer.Measure(Window([signal, v1]));
        Assert.Equal(2, silent.LeadRates.Count);
        Assert.All(silent.LeadRates, l => Assert.True(l.SecondsSinceLastBeat >= 4.3, $"{l.SecondsSinceLastBeat} s since the last beat"));
        Assert.All(silent.LeadRates, l => Assert.Null(l.RateAtEndBpm));
        Assert.True(silent.SecondsQuiet >= 4.5, $"quiet for {silent.SecondsQuiet} s");
    }

    [Fact]
    public void Asystole_like_baseline_with_small_noise_has_no_rate_and_low_quality()
    {
        var m = Measurer.Measure(Window([Noise(SourceSamples, 0.03, 1), Noise(SourceSamples, 0.03, 2)]));
        Assert.True(m.SignalQuality < 0.3, $"SQI {m.SignalQuality}");
        Assert.True(m.HeartRateBpm is null || m.SignalQuality < 0.3);
    }

    [Theory]
    [InlineData(0.2, 1)]
    [InlineData(0.5, 2)]
    [InlineData(1.0, 3)]
    public void Noise_only_has_low_quality(double rmsMv, int seed)
    {
        var m = Measurer.Measure(Window([Noise(SourceSamples, rmsMv, seed), null, null, null, null, null, Noise(SourceSamples, rmsMv, seed + 100)]));
        Assert.True(m.SignalQuality < 0.4, $"SQI {m.SignalQuality} for {rmsMv} mV white noise");
    }

    [Fact]
    public void Muscle_noise_lowers_quality()
    {
        var clean = Synthesize(RhythmKind.Sinus, 75, 7);
        var noisy = Synthesize(RhythmKind.Sinus, 75, 7, new NoiseOptions { MuscleMv = 0.6 });
        double q0 = Measurer.Measure(Window(clean, [Lead.II])).SignalQuality;
        double q1 = Measurer.Measure(Window(noisy, [Lead.II])).SignalQuality;
        Assert.True(q1 < q0 - 0.15, $"clean {q0:F2}, EMG {q1:F2}");
    }

    [Fact]
    public void A_single_present_lead_is_measured_and_named()
    {
        var ecg = Synthesize(RhythmKind.Sinus, 90, 8);
        var m = Measurer.Measure(Window(ecg, [Lead.V5]));
        Assert.Equal(Lead.V5, m.AnalysisLead);
        Assert.InRange(m.HeartRateBpm!.Value, TrueHeartRate(ecg) - 2, TrueHeartRate(ecg) + 2);
    }

    [Fact]
    public void The_clean_lead_is_chosen_over_a_noisy_one()
    {
        var ecg = Synthesize(RhythmKind.Sinus, 70, 9);
        var noisy = ecg.Lead(Lead.II).Zip(Noise(SourceSamples, 0.8, 3), (a, b) => a + b).ToArray();
        var rows = new float[]?[12];
        rows[(int)Lead.II] = noisy;
        rows[(int)Lead.V2] = ecg.Lead(Lead.V2);
        var m = Measurer.Measure(Window(rows));
        Assert.Equal(Lead.V2, m.AnalysisLead);
        Assert.True(Measurer.AssessLead(Window(rows).Row((int)Lead.II), 100).Sqi < m.SignalQuality);
    }

    [Fact]
    public void Saturated_lead_has_low_quality()
    {
        var ecg = Synthesize(RhythmKind.Sinus, 75, 10);
        var railed = (float[])ecg.Lead(Lead.II).Clone();
        for (int i = 1500; i < 3500; i++) railed[i] = 8f; // the amplifier sits at its rail for 4 s
        var clipped = ecg.Lead(Lead.II).Select(v => Math.Clamp(v * 6, -1.5f, 1.5f)).ToArray(); // gain too high, clipped
        double clean = Measurer.AssessLead(Window([null, ecg.Lead(Lead.II)]).Row(1), 100).Sqi;
        var railedQ = Measurer.AssessLead(Window([null, railed]).Row(1), 100);
        var clippedQ = Measurer.AssessLead(Window([null, clipped]).Row(1), 100);
        Assert.True(railedQ.SaturatedFraction > 0.01 && railedQ.Sqi < 0.5, $"railed {railedQ}");
        Assert.True(clippedQ.Sqi < clean, $"clipped {clippedQ}, clean {clean}");
    }

    [Fact]
    public void A_window_without_beats_has_no_rate()
    {
        var ecg = EcgSynthesizer.Generate(new SynthesisRequest
        {
            Episodes = [new RhythmEpisodeSpec(RhythmKind.Sinus, 0.2, 60), new RhythmEpisodeSpec(RhythmKind.SinusArrest, 9.8)],
            DurationSeconds = 10, SampleRateHz = SourceRateHz, WriteReport = false,
        }, 12);
        var m = Measurer.Measure(Window(ecg));
        Assert.True(m.BeatSamples.Count <= 1, $"{m.BeatSamples.Count} beats in a pause");
        Assert.Null(m.HeartRateBpm);
        Assert.Null(m.RrIrregularity);
    }

    [Fact]
    public void No_signal_and_no_present_lead_give_None()
    {
        var ecg = Synthesize(RhythmKind.Sinus, 70, 13);
        Assert.Same(WindowMeasurement.None, Measurer.Measure(Window(Leads.StandardOrder.Select(ecg.Lead).ToArray(), status: WindowStatus.NoSignal)));
        Assert.Same(WindowMeasurement.None, Measurer.Measure(Window(new float[]?[12])));
    }

    [Fact]
    public void Heart_rate_and_irregularity_need_two_and_three_beats()
    {
        Assert.Null(WindowMeasurer.HeartRateBpm([], 100));
        Assert.Null(WindowMeasurer.HeartRateBpm([500], 100));
        Assert.Equal(60, WindowMeasurer.HeartRateBpm([100, 200], 100));
        Assert.Null(WindowMeasurer.RrIrregularity([100, 200]));
        Assert.Equal(0, WindowMeasurer.RrIrregularity([100, 200, 300]));
        Assert.Equal(50.0 / 75, WindowMeasurer.RrIrregularity([100, 200, 250])!.Value, 9); // |50 − 100| / median(100, 50)
    }

    [Fact]
    public void Options_name_the_bad_option()
    {
        Assert.Empty(new MeasurementOptions().Errors());
        Assert.Contains(nameof(MeasurementOptions.MaxPlausibleHeartRateBpm),
            Assert.Throws<ArgumentException>(() => new MeasurementOptions { MaxPlausibleHeartRateBpm = 10 }.Validate()).Message);
        Assert.Contains(nameof(MeasurementOptions.BeatMatchToleranceSeconds),
            Assert.Throws<ArgumentException>(() => new WindowMeasurer(new MeasurementOptions { BeatMatchToleranceSeconds = 0 })).Message);
        Assert.Contains(nameof(MeasurementOptions.SaturationMv), new MeasurementOptions { SaturationMv = double.NaN }.Errors().Single());
        Assert.Contains(nameof(MeasurementOptions.FlatLineRangeMv), new MeasurementOptions { FlatLineRangeMv = -1 }.Errors().Single());
    }

    [Fact]
    public void The_measurement_carries_the_analysis_lead_beat_agreement()
    {
        var ecg = Synthesize(RhythmKind.Sinus, 75, 14);
        var window = Window(ecg);
        var m = Measurer.Measure(window);
        var quality = Measurer.AssessLead(window.Row(Geometry.RowOf(m.AnalysisLead!.Value)), Geometry.SampleRateHz);
        Assert.Equal(quality.BeatAgreement, m.BeatAgreement);
        Assert.True(m.BeatAgreement > 0.5, $"bSQI {m.BeatAgreement}");
        Assert.Equal(0, WindowMeasurement.None.BeatAgreement);
        // The adapter is the signal-domain measurer on the window's rows.
        var rows = Measurer.BeatMeasurer.Measure(window.Signal, Geometry.LeadCount, Geometry.WindowSamples, window.LeadMask, Geometry.SampleRateHz);
        Assert.Equal(m.BeatSamples, rows.Beats);
        Assert.Equal(m.AnalysisLead!.Value, Geometry.LeadOrder[rows.AnalysisRow]);
        Assert.Equal(m.SignalQuality, rows.SignalQuality);
    }
}
