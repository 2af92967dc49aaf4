using CGDmer.Signal.Beats;
using CGDmer.Signal.Dsp;
using CGDmer.Signal.Wfdb;
using FsCheck;
using FsCheck.Xunit;

namespace CGDmer.Signal.Tests.Beats;

/// <summary>
/// <see cref="BeatMeasurer.Measure"/> on windows given as rows (the measure stage's own tests, golden files included,
/// run through the pipeline's adapter in CGDmer.Pipeline.Tests/Measurement).
/// </summary>
public class BeatMeasurerTests
{
    private const double Fs = 100;
    private const int W = 1000; // 10 s at 100 Hz
    private static readonly BeatMeasurer Measurer = new();

    /// <summary>Windows of MIT-BIH 201 (MLII, V1) as the window stage builds them: resampled to 100 Hz, preprocessed per window.</summary>
    private static IEnumerable<(float[] MlII, float[] V1)> Windows201(int count)
    {
        var record = WfdbReader.Read(TestPaths.Record("201"));
        var leads = record.Ecg.Channels.Take(2).Select(c => Resampler.Resample(c.Samples, record.SampleRateHz, Fs)).ToArray();
        for (int k = 0; k < count; k++)
        {
            var a = leads[0].AsSpan(k * W, W).ToArray();
            var b = leads[1].AsSpan(k * W, W).ToArray();
            EcgPreprocessing.Apply(a, Fs);
            EcgPreprocessing.Apply(b, Fs);
            yield return (a, b);
        }
    }

    [Fact]
    public void The_analysis_row_is_the_present_lead_with_the_best_quality_and_its_parts_agree()
    {
        foreach (var (mlII, v1) in Windows201(12))
        {
            // Rows: 0 absent (garbage that must not be read), 1 = V1, 2 = MLII; the span is longer than the window (pooled).
            var rows = new float[3 * W + 17];
            rows.AsSpan(0, W).Fill(float.NaN);
            v1.CopyTo(rows, W);
            mlII.CopyTo(rows, 2 * W);
            float[] mask = [0, 1, 1];
            var m = Measurer.Measure(rows, 3, W, mask, Fs);

            var q1 = Measurer.AssessLead(v1, Fs);
            var q2 = Measurer.AssessLead(mlII, Fs);
            int expected = q2.Sqi > q1.Sqi ? 2 : 1; // ties: the earlier row
            Assert.Equal(expected, m.AnalysisRow);
            Assert.True(m.HasAnalysisLead);
            var chosen = expected == 2 ? mlII : v1;
            Assert.Equal(expected == 2 ? q2 : q1, m.Quality);
            Assert.Equal(m.Quality.Sqi, m.SignalQuality);
            Assert.Equal(m.Quality.BeatAgreement, m.BeatAgreement);
            Assert.Equal(Measurer.DetectBeats(chosen, Fs), m.Beats);
            Assert.Equal(BeatMeasurer.HeartRateBpm(m.Beats, Fs), m.HeartRateBpm);
            Assert.Equal(BeatMeasurer.RrIrregularity(m.Beats), m.RrIrregularity);
            Assert.True(m.Beats.Length >= 5, $"{m.Beats.Length} beats");

            // The absent row's contents do not matter.
            rows.AsSpan(0, W).Clear();
            var again = Measurer.Measure(rows, 3, W, mask, Fs);
            Assert.Equal(m.AnalysisRow, again.AnalysisRow);
            Assert.Equal(m.Beats, again.Beats);
            Assert.Equal(m.Quality, again.Quality);
        }
    }

    /// <summary>Stream beats of rows given as positions (all normal), laid out as <see cref="StreamedBeats"/> wants them.</summary>
    private static StreamedBeats Streamed(int streamedRows, params int[][] rowBeats)
    {
        var starts = new int[rowBeats.Length + 1];
        var all = new List<ClassifiedBeat>();
        for (int r = 0; r < rowBeats.Length; r++)
        {
            starts[r] = all.Count;
            all.AddRange(rowBeats[r].Select(b => new ClassifiedBeat(b, false, BeatType.Normal)));
        }
        starts[^1] = all.Count;
        return new StreamedBeats(streamedRows, starts, all.ToArray());
    }

    [Fact]
    public void Given_the_detectors_own_beats_as_the_stream_the_measurement_is_the_same()
    {
        // The stream overload only replaces where the primary beats come from: handed exactly the beats the window's
        // detector finds, every part of the measurement (beats, SQI and its parts, rates, fusion) must come out equal.
        foreach (var (mlII, v1) in Windows201(12))
        {
            var rows = new float[2 * W];
            mlII.CopyTo(rows, 0);
            v1.CopyTo(rows, W);
            float[] mask = [1, 1];
            var detected = Measurer.Measure(rows, 2, W, mask, Fs);
            var onStream = Measurer.Measure(rows, 2, W, mask, Fs,
                                            Streamed(0b11, Measurer.DetectBeats(mlII, Fs), Measurer.DetectBeats(v1, Fs)));
            Assert.Equal(detected.AnalysisRow, onStream.AnalysisRow);
            Assert.Equal(detected.Beats, onStream.Beats);
            Assert.Equal(detected.Quality, onStream.Quality);
            Assert.Equal(detected.LeadRates, onStream.LeadRates);
            Assert.Equal(detected.FusedBeats, onStream.FusedBeats);
            Assert.Equal(detected.HeartRateBpm, onStream.HeartRateBpm);
        }
    }

    [Fact]
    public void On_the_stream_the_beats_are_the_streams_and_only_streamed_rows_are_measured()
    {
        var (mlII, v1) = Windows201(3).Last();
        var rows = new float[2 * W];
        mlII.CopyTo(rows, 0);
        v1.CopyTo(rows, W);
        float[] mask = [1, 1];
        int[] stream = [5, 90, 180, 270, 360, 450, 540, 630, 720, 810, 900, 990];
        // Row 0 is present but not streamed: the analysis lead is row 1 whatever row 0's quality, with the stream's beats
        // (a beat at sample 0 included: the stream found its peak with the signal before the window).
        var m = Measurer.Measure(rows, 2, W, mask, Fs, Streamed(0b10, [100, 200, 300], stream));
        Assert.Equal(1, m.AnalysisRow);
        Assert.Equal(stream, m.Beats);
        Assert.Equal(60.0 * Fs * (stream.Length - 1) / (stream[^1] - stream[0]), m.HeartRateBpm!.Value, 9);
        Assert.Single(m.LeadRates);
        // Beats outside the window (the stream's context before it) are not the window's.
        var outside = Measurer.Measure(rows, 2, W, mask, Fs, Streamed(0b10, [], [-40, .. stream, W]));
        Assert.Equal(stream, outside.Beats);
        // No streamed row present: nothing is measured.
        Assert.False(Measurer.Measure(rows, 2, W, [1, 0], Fs, Streamed(0b10, [], stream)).HasAnalysisLead);
        Assert.Contains("rows", Assert.Throws<ArgumentException>(() => Measurer.Measure(rows, 2, W, mask, Fs, Streamed(0b1, stream))).Message);
    }

    [Fact]
    public void Streamed_beats_refuse_row_starts_outside_their_beats()
    {
        var beats = new ClassifiedBeat[3];
        Assert.Throws<ArgumentException>(() => new StreamedBeats(1, [0], beats));
        Assert.Throws<ArgumentException>(() => new StreamedBeats(1, [0, 4], beats));
        Assert.Throws<ArgumentException>(() => new StreamedBeats(3, [2, 1, 3], beats));
        var ok = new StreamedBeats(0b01, [0, 2, 3], beats);
        Assert.Equal(2, ok.Row(0).Length);
        Assert.True(ok.Row(1).IsEmpty);   // present in the layout, not streamed
        Assert.False(ok.IsStreamed(1));
        Assert.True(ok.Row(7).IsEmpty);
    }

    [Fact]
    public void Without_a_usable_present_lead_the_measurement_is_None()
    {
        var rows = new float[2 * W];
        Assert.Equal(-1, Measurer.Measure(rows, 2, W, [0, 0], Fs).AnalysisRow);
        Assert.Equal(-1, Measurer.Measure(rows, 2, W, [0, 0], 10).AnalysisRow); // no present lead: the rate is never used
        var flat = Measurer.Measure(rows, 2, W, [1, 1], Fs); // present but flat
        Assert.False(flat.HasAnalysisLead);
        Assert.Empty(flat.Beats);
        Assert.Null(flat.HeartRateBpm);
        Assert.Null(flat.RrIrregularity);
        Assert.Equal(0, flat.SignalQuality);
        Assert.Equal(0, flat.BeatAgreement);
        Assert.Equal(LeadQuality.Unusable, BeatMeasurement.None.Quality);
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        var rows = new float[2 * W];
        Assert.Throws<ArgumentException>(() => Measurer.Measure(rows, 2, W, [1], Fs));
        Assert.Throws<ArgumentException>(() => Measurer.Measure(rows.AsSpan(0, 2 * W - 1), 2, W, [1, 1], Fs));
        Assert.Throws<ArgumentOutOfRangeException>(() => Measurer.Measure(rows, 2, -1, [1, 1], Fs));
        Assert.False(Measurer.Measure(rows, 2, 0, [1, 1], Fs).HasAnalysisLead); // leads without samples: nothing usable
        Assert.Throws<ArgumentOutOfRangeException>(() => Measurer.Measure(rows, -1, W, [], Fs));
        Assert.Throws<NotSupportedException>(() => Measurer.Measure(rows, 2, W, [0, 1], 40));
        Assert.Throws<ArgumentException>(() => new BeatMeasurer(new BeatMeasurementOptions { BeatMatchToleranceSeconds = 0 }));
        Assert.Empty(new BeatMeasurementOptions().Errors());
    }

    [Fact]
    public void Matched_pairs_beats_one_to_one_within_the_tolerance()
    {
        Assert.Equal(2, BeatMeasurer.Matched([10, 100, 200], [12, 95, 300], 5));
        Assert.Equal(1, BeatMeasurer.Matched([10, 12], [11], 5));
        Assert.Equal(0, BeatMeasurer.Matched([], [11], 5));
    }

    /// <summary>The span overloads give the list overloads' values to the bit.</summary>
    [Property(MaxTest = 200)]
    public bool Span_and_list_overloads_agree(PositiveInt[] rrs, NonNegativeInt start)
    {
        var beats = new List<int>();
        int b = start.Get % 1000;
        foreach (var rr in rrs) { beats.Add(b); b += 1 + rr.Get % 400; }
        var array = beats.ToArray();
        return Same(BeatMeasurer.RrIrregularity(array.AsSpan()), BeatMeasurer.RrIrregularity((IReadOnlyList<int>)beats))
               && Same(BeatMeasurer.HeartRateBpm(array.AsSpan(), Fs), BeatMeasurer.HeartRateBpm((IReadOnlyList<int>)beats, Fs));

        static bool Same(double? a, double? b) =>
            a is null ? b is null : b is not null && BitConverter.DoubleToInt64Bits(a.Value) == BitConverter.DoubleToInt64Bits(b.Value);
    }
}
