using CGDmer.Signal.Beats;
using CGDmer.Signal.Dsp;
using CGDmer.Signal.Wfdb;

namespace CGDmer.Signal.Tests.Beats;

/// <summary>
/// The stream's half of the signal quality (<see cref="StreamingLeadQuality"/> inside the beat stream's classifiers) and
/// the window's half (<see cref="BeatMeasurer"/> from <see cref="StreamedQuality"/>): what the blocks hold, that they do
/// not depend on how the samples are cut, that the second detector finds the beats the first finds, and that the index
/// still tells a clean lead from noise, a flat line and a railed lead.
/// </summary>
public class StreamingLeadQualityTests
{
    private const int Fs = 100, Epoch = 60 * Fs, WarmUp = 10 * Fs, Window = 10 * Fs, Hop = 5 * Fs;

    private static readonly Lazy<float[][]> Record201 = new(() =>
    {
        var r = WfdbReader.Read(TestPaths.Record("201"));
        return [.. r.Ecg.Channels.Select(c => new Resampler(r.SampleRateHz, Fs).Resample(c.Samples))];
    });

    private sealed record Streamed(List<ClassifiedBeat> Beats, List<QualityBlock> Blocks, List<long> Second);

    private static Streamed Stream(long start, ReadOnlySpan<float> x, Func<int, int> chunk)
    {
        var stream = new EpochAnchoredBeatStream(Fs, Epoch, WarmUp, quality: true);
        var s = new Streamed([], [], []);
        for (int i = 0, c = 0; i < x.Length; c++)
        {
            int m = Math.Min(x.Length - i, chunk(c));
            stream.Feed(start + i, x.Slice(i, m), s.Beats, s.Blocks, s.Second);
            i += m;
        }
        return s;
    }

    [Fact]
    public void Blocks_cover_each_whole_second_once_in_order_and_do_not_depend_on_the_chunks()
    {
        var x = Record201.Value[0].AsSpan(0, 300 * Fs);
        const long start = 123_456;   // mid-second: the run's first block is partial
        var byHop = Stream(start, x, _ => Hop);
        var rng = new Random(3);
        var sizes = Enumerable.Range(0, 10_000).Select(_ => rng.Next(1, 700)).ToArray();
        var byAnything = Stream(start, x, c => sizes[c % sizes.Length]);
        Assert.Equal(byHop.Beats, byAnything.Beats);
        Assert.Equal(byHop.Blocks, byAnything.Blocks);
        Assert.Equal(byHop.Second, byAnything.Second);

        var blocks = byHop.Blocks;
        Assert.Equal(start, blocks[0].Start);
        Assert.Equal(Fs - (int)(start % Fs), blocks[0].Samples);
        for (int i = 1; i < blocks.Count; i++)
        {
            Assert.Equal(0, blocks[i].Start % Fs);
            Assert.Equal(blocks[i - 1].Start + blocks[i - 1].Samples, blocks[i].Start);
            Assert.Equal(Fs, blocks[i].Samples);
        }
        // Every completed second is there: the last block ends within a second of the fed samples' end.
        Assert.InRange(start + x.Length - (blocks[^1].Start + blocks[^1].Samples), 0, Fs - 1);
        Assert.True(byHop.Second.SequenceEqual(byHop.Second.Order()) && byHop.Second.Distinct().Count() == byHop.Second.Count);
    }

    [Theory]
    [InlineData(250.0, 1)]
    [InlineData(360.0, 2)]
    [InlineData(500.0, 3)]
    public void At_native_rates_the_quality_does_not_depend_on_the_chunks_either(double rate, int seed)
    {
        // The quality's loop stops for each block, beat and the learning's end and resumes where it stopped: cut into
        // random chunks (single samples included) it must give what whole-second chunks give, at any rate it accepts.
        var record = WfdbReader.Read(TestPaths.Record("203"));
        var x = new Resampler(record.SampleRateHz, rate).Resample(record.Ecg.Channels[0].Samples.AsSpan(0, 90 * 360).ToArray());
        var rng = new Random(seed);
        var sizes = Enumerable.Range(0, 20_000).Select(_ => rng.Next(4) == 0 ? 1 : rng.Next(1, 400)).ToArray();
        var (wholeBlocks, wholeSecond) = Quality(x, rate, _ => (int)rate);
        var (cutBlocks, cutSecond) = Quality(x, rate, c => sizes[c % sizes.Length]);
        Assert.Equal(wholeBlocks, cutBlocks);
        Assert.Equal(wholeSecond, cutSecond);
        Assert.True(wholeSecond.Count > 100, $"{wholeSecond.Count} second-detector beats");
    }

    private static (List<QualityBlock> Blocks, List<long> Second) Quality(float[] x, double rate, Func<int, int> chunk)
    {
        var classifier = new StreamingBeatClassifier(rate, quality: true);
        var beats = new List<ClassifiedBeat>();
        var blocks = new List<QualityBlock>();
        var second = new List<long>();
        for (int i = 0, c = 0; i < x.Length; c++)
        {
            int m = Math.Min(x.Length - i, chunk(c));
            classifier.Process(x.AsSpan(i, m), beats, blocks, second);
            i += m;
        }
        classifier.Flush(beats, blocks, second);
        return (blocks, second);
    }

    [Fact]
    public void The_blocks_sum_what_their_definition_says()
    {
        // A constant lead: every band is 0 throughout; the high-passes start from their steady state, so there is no
        // transient; and the whole signal is one still stretch.
        var x = Enumerable.Repeat(0.7f, 20 * Fs).ToArray();
        var s = Stream(0, x, _ => Hop);
        Assert.Equal(20, s.Blocks.Count);
        Assert.All(s.Blocks, b => Assert.True(b.RangeMv < 1e-6 && b.SumSquares < 1e-12 && b.QrsBandPower == 0 && b.AboveQrsLowPower < 1e-12 && b.BaselinePower < 1e-12, b.ToString()));
        // Every sample is in a flat run (clipping) and in a still stretch, and each counts it, as the window measurement
        // does (the fraction is clamped to 1): a run's first samples count once it is long enough, then every sample.
        Assert.All(s.Blocks, b => Assert.Equal(2 * Fs, b.Saturated));
        Assert.Empty(s.Beats);
        Assert.Empty(s.Second);
    }

    [Fact]
    public void The_second_detector_finds_the_beats_the_stream_finds_on_a_real_record()
    {
        foreach (var lead in Record201.Value)
        {
            var s = Stream(0, lead, _ => Hop);
            var first = s.Beats.Select(b => (int)b.Sample).ToArray();
            var second = s.Second.Select(b => (int)b).ToArray();
            int matched = BeatMeasurer.Matched(first, second, (int)Math.Round(0.150 * Fs));
            double agreement = (double)matched / (first.Length + second.Length - matched);
            // 201 holds AF, PVCs and noise; the two detectors still agree on nine beats in ten. The first beats of the
            // stream are found too: the learning period is detected once learnt.
            Assert.True(agreement > 0.9, $"agreement {agreement:F3}");
            Assert.True(second[0] < 2 * Fs, $"first second-detector beat at {second[0]}");
        }
    }

    /// <summary>Window k's quality of a one-lead stream as the window stage collects it, and the measurement from it.</summary>
    private static LeadQuality WindowQuality(Streamed s, long windowStart, out double? heartRate)
    {
        long end = windowStart + Window;
        var blocks = s.Blocks.Where(b => b.Start >= windowStart && b.Start + b.Samples <= end).ToArray();
        var second = s.Second.Where(r => r >= windowStart && r < end).Select(r => (int)(r - windowStart)).ToArray();
        var beats = s.Beats.Where(b => b.Sample >= windowStart && b.Sample < end).Select(b => b with { Sample = b.Sample - windowStart }).ToArray();
        var streamedBeats = new StreamedBeats(1, [0, beats.Length], beats);
        var quality = new StreamedQuality([0, blocks.Length], blocks, [0, second.Length], second);
        var m = new BeatMeasurer().Measure(new float[Window], 1, Window, [1f], Fs, streamedBeats, quality);
        heartRate = m.HeartRateBpm;
        return m.HasAnalysisLead ? m.Quality : LeadQuality.Unusable;
    }

    [Fact]
    public void The_streamed_band_powers_and_moments_track_the_window_measurement_of_the_preprocessed_lead()
    {
        // Each quality band runs twice causally, which has the magnitude response of the window's zero-phase filter, so
        // the power ratios match it closely (single passes do not: docs/measurements/2026-12-05-rr-v10-validation.txt).
        // The kurtosis reads lower: a causal high-pass leaves an undershoot after each QRS complex.
        var measurer = new BeatMeasurer();
        foreach (var lead in Record201.Value)
        {
            var x = lead.AsSpan(0, 300 * Fs).ToArray();
            var s = Stream(0, x, _ => Hop);
            double qrs = 0, baseline = 0, kurtosis = 0;
            int n = 0;
            for (long w = 4 * Hop; w + Window <= x.Length; w += Hop, n++)
            {
                var streamed = WindowQuality(s, w, out _);
                var row = x.AsSpan((int)w, Window).ToArray();
                EcgPreprocessing.Apply(row, Fs);
                var window = measurer.AssessLead(row, Fs);
                qrs += Math.Abs(streamed.QrsPowerRatio - window.QrsPowerRatio);
                baseline += Math.Abs(streamed.BaselinePowerRatio - window.BaselinePowerRatio);
                kurtosis += Math.Abs(streamed.Kurtosis - window.Kurtosis) / window.Kurtosis;
            }
            Assert.True(qrs / n < 0.02, $"mean |QRS power ratio, stream - window| {qrs / n:F4}");
            Assert.True(baseline / n < 0.03, $"mean |baseline power ratio, stream - window| {baseline / n:F4}");
            Assert.True(kurtosis / n < 0.30, $"mean relative |kurtosis, stream - window| {kurtosis / n:F3}");
        }
    }

    [Fact]
    public void The_index_from_the_stream_tells_a_clean_lead_from_noise_a_flat_line_and_a_railed_lead()
    {
        var clean = Record201.Value[0].AsSpan(0, 120 * Fs).ToArray();
        var rng = new Random(7);
        var noise = Enumerable.Range(0, clean.Length).Select(_ => (float)(0.3 * (rng.NextDouble() + rng.NextDouble() + rng.NextDouble() - 1.5))).ToArray();
        var flat = Enumerable.Range(0, clean.Length).Select(i => 0.001f * (i % 7)).ToArray();
        // A lead that rails at +6 mV for 60 % of each window from 60 s on.
        var railed = clean.Select((v, i) => i >= 60 * Fs && i % Window < 6 * Fs ? 6f : v).ToArray();

        var cleanStream = Stream(0, clean, _ => Hop);
        var windows = Enumerable.Range(4, 18).Select(k => (long)k * Hop).ToArray();   // after the stream's first 20 s
        var cleanQuality = windows.Select(w => WindowQuality(cleanStream, w, out _)).ToArray();
        Assert.True(cleanQuality.Average(q => q.Sqi) > 0.6, $"clean mean SQI {cleanQuality.Average(q => q.Sqi):F3}");
        Assert.All(cleanQuality, q => Assert.True(q.BeatAgreement > 0.7 && !q.Flat, q.ToString()));

        var noiseStream = Stream(0, noise, _ => Hop);
        var noiseQuality = windows.Select(w => WindowQuality(noiseStream, w, out _)).ToArray();
        Assert.True(noiseQuality.Average(q => q.Sqi) < 0.2, $"noise mean SQI {noiseQuality.Average(q => q.Sqi):F3}");

        var flatStream = Stream(0, flat, _ => Hop);
        Assert.All(windows, w => Assert.True(WindowQuality(flatStream, w, out _).Flat));

        var railedStream = Stream(0, railed, _ => Hop);
        var railedQuality = windows.Where(w => w >= 60 * Fs).Select(w => WindowQuality(railedStream, w, out _)).ToArray();
        Assert.All(railedQuality, q => Assert.True(q.SaturatedFraction > 0.3 && q.Sqi < 0.05, q.ToString()));
    }

    [Theory]
    [InlineData(80.0)]
    [InlineData(50.0)]
    [InlineData(double.NaN)]
    public void A_rate_the_preprocessing_band_does_not_fit_is_refused_with_its_reason(double rate)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new StreamingLeadQuality(rate));
        Assert.Contains("above 80 Hz", e.Message);
    }

    [Fact]
    public void Quality_outputs_need_a_stream_made_with_quality()
    {
        var stream = new EpochAnchoredBeatStream(Fs, Epoch, WarmUp);
        Assert.Throws<InvalidOperationException>(() => stream.Feed(0, new float[10], new List<ClassifiedBeat>(), new List<QualityBlock>(), new List<long>()));
        Assert.Throws<InvalidOperationException>(() => new StreamingBeatClassifier(Fs).Process(new float[10], new List<ClassifiedBeat>(), new List<QualityBlock>(), null));
    }
}
