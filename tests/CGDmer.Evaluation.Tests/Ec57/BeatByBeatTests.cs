using CGDmer.Evaluation.Ec57;
using CGDmer.Signal.Wfdb;
using Xunit.Abstractions;
using static CGDmer.Evaluation.Tests.Ec57.Ec57TestData;

namespace CGDmer.Evaluation.Tests.Ec57;

public class BeatByBeatTests(ITestOutputHelper output)
{
    private static readonly Lazy<IReadOnlyList<Annotation>> Atr201 = new(() => AnnotationReader.Read(Record201 + ".atr"));
    private const long RecordLength201 = 650_000;

    private static int BeatsFrom(IEnumerable<Annotation> annotations, double seconds) =>
        annotations.Count(a => a.IsBeat && a.Sample >= seconds * Fs);

    [Fact]
    public void Record_201_against_itself_is_100_percent_for_beats_and_vebs()
    {
        var atr = Atr201.Value;
        var r = BeatByBeat.Compare("201", atr, atr, Fs, RecordLength201);
        output.WriteLine(r.ToString());
        Assert.Equal(new DetectionCounts(BeatsFrom(atr, 300), 0, 0), r.Qrs);
        Assert.Equal(1.0, r.Qrs.Sensitivity);
        Assert.Equal(1.0, r.Qrs.PositivePredictivity);
        int ventricular = atr.Count(a => a.Sample >= 300 * Fs && a.Code is AnnotationCodes.Pvc or AnnotationCodes.VentricularEscape or AnnotationCodes.RonT);
        Assert.True(ventricular > 0);
        Assert.Equal(new DetectionCounts(ventricular, 0, 0), r.Veb);
    }

    [Theory]
    [InlineData(0.100)]
    [InlineData(-0.100)]
    [InlineData(0.150)]
    public void Beats_moved_within_the_match_window_all_match(double seconds)
    {
        var atr = Atr201.Value;
        var r = BeatByBeat.Compare("201", atr, Shifted(atr, (long)Math.Round(seconds * Fs)), Fs, RecordLength201);
        Assert.Equal(new DetectionCounts(BeatsFrom(atr, 300), 0, 0), r.Qrs);
    }

    [Fact]
    public void Beats_moved_by_200_ms_all_miss()
    {
        // Regular beats 0.8 s apart: 200 ms late is 72 samples from the beat it belongs to and 216 from the next one.
        var reference = Regular(1800);
        var test = Shifted(reference, 72);
        var r = BeatByBeat.Compare("regular", reference, test, Fs, (long)(1800 * Fs));
        Assert.Equal(new DetectionCounts(0, BeatsFrom(reference, 300), BeatsFrom(test, 300)), r.Qrs);
        Assert.Equal(0.0, r.Qrs.Sensitivity);
        Assert.Equal(0.0, r.Qrs.PositivePredictivity);
    }

    [Fact]
    public void Record_201_moved_by_200_ms_matches_only_where_the_next_beat_comes_within_350_ms()
    {
        // 72 samples late lies within 54 samples of the next beat only when the RR interval is at most 126 samples.
        var atr = Atr201.Value;
        var beats = AnnotationReader.Beats(atr).Select(a => a.Sample).ToArray();
        var r = BeatByBeat.Compare("201", atr, Shifted(atr, 72), Fs, RecordLength201);
        output.WriteLine($"201 moved 200 ms: {r.Qrs}, Se {r.Qrs.Sensitivity:P2}");
        int shortRr = beats.Skip(1).Where((b, k) => b >= 300 * Fs && b - beats[k] <= 126).Count();
        Assert.True(r.Qrs.TruePositives <= shortRr, $"{r.Qrs.TruePositives} matches, {shortRr} short RR intervals");
        Assert.Equal(BeatsFrom(atr, 300), r.ReferenceBeats);
    }

    [Fact]
    public void A_dropped_and_an_extra_beat_are_counted_exactly()
    {
        var reference = Regular(1800);
        var test = reference.ToList();
        int dropped = test.FindIndex(a => a.Sample > 600 * Fs);
        test.RemoveAt(dropped);
        test.Add(Beat(reference[dropped + 100].Sample + 144)); // midway between two beats
        test.Add(Beat(reference[dropped + 200].Sample + 20));  // a second detection of a matched beat
        test.Sort((a, b) => a.Sample.CompareTo(b.Sample));
        var r = BeatByBeat.Compare("regular", reference, test, Fs, (long)(1800 * Fs));
        int n = BeatsFrom(reference, 300);
        Assert.Equal(new DetectionCounts(n - 1, 1, 2), r.Qrs);
    }

    [Fact]
    public void The_closer_of_two_detections_is_the_match()
    {
        var reference = Regular(1800);
        var test = reference.ToList();
        int k = test.FindIndex(a => a.Sample > 600 * Fs);
        long t = test[k].Sample;
        test[k] = Beat(t + 10);
        test.Insert(k, Beat(t - 30));
        var r = BeatByBeat.Compare("regular", reference, test, Fs, (long)(1800 * Fs));
        Assert.Equal(new DetectionCounts(BeatsFrom(reference, 300), 0, 1), r.Qrs);
    }

    [Fact]
    public void The_learning_period_is_not_counted()
    {
        var reference = Regular(1800);
        var test = reference.Where(a => a.Sample >= 300 * Fs).ToList(); // nothing detected while learning
        test.Insert(0, Beat(5000));                                     // an extra beat while learning
        test.Sort((a, b) => a.Sample.CompareTo(b.Sample));
        var r = BeatByBeat.Compare("regular", reference, test, Fs, (long)(1800 * Fs));
        Assert.Equal(new DetectionCounts(BeatsFrom(reference, 300), 0, 0), r.Qrs);

        var all = BeatByBeat.Compare("regular", reference, test, Fs, (long)(1800 * Fs), new Ec57Options { LearningPeriodSeconds = 0 });
        int learning = reference.Count(a => a.Sample < 300 * Fs);
        Assert.Equal(new DetectionCounts(reference.Count - learning, learning, 1), all.Qrs);
    }

    [Fact]
    public void Beats_after_the_end_are_not_counted()
    {
        var reference = Regular(1800);
        var test = reference.Where(a => a.Sample < 900 * Fs).ToList(); // the detector stopped at 15 min
        var options = new Ec57Options { EndSeconds = 900 };
        var r = BeatByBeat.Compare("regular", reference, test, Fs, (long)(1800 * Fs), options);
        Assert.Equal(new DetectionCounts(BeatsFrom(reference, 300) - BeatsFrom(reference, 900), 0, 0), r.Qrs);
    }

    [Fact]
    public void Reference_vf_episodes_are_left_out_as_bxb_leaves_them_out()
    {
        // Reference: regular beats, but 600–660 s is VF ('[' ... ']'), with flutter waves and one stray beat label inside.
        var reference = Regular(1800).Where(a => a.Sample < 600 * Fs || a.Sample > 660 * Fs).ToList();
        reference.Add(Beat((long)(600 * Fs), AnnotationCodes.VfOn));
        reference.Add(Beat((long)(620 * Fs), AnnotationCodes.FlutterWave));
        reference.Add(Beat((long)(630 * Fs)));
        reference.Add(Beat((long)(660 * Fs), AnnotationCodes.VfOff));
        reference.Sort((a, b) => a.Sample.CompareTo(b.Sample));
        // The detector fires every 0.8 s throughout, VF included.
        var test = Regular(1800);
        var r = BeatByBeat.Compare("vf", reference, test, Fs, (long)(1800 * Fs));
        Assert.Equal(new DetectionCounts(BeatsFrom(reference, 300) - 1, 0, 0), r.Qrs);
        // Without the VF marks the stray label is a reference beat (one test beat matches it) and the other test beats
        // of 600–660 s are false positives.
        var unmarked = reference.Where(a => a.Code is not (AnnotationCodes.VfOn or AnnotationCodes.VfOff)).ToList();
        var u = BeatByBeat.Compare("vf", unmarked, test, Fs, (long)(1800 * Fs));
        int inVf = test.Count(a => a.Sample >= 600 * Fs && a.Sample <= 660 * Fs);
        Assert.Equal(new DetectionCounts(BeatsFrom(reference, 300), 0, inVf - 1), u.Qrs);
    }

    [Fact]
    public void Veb_statistics_count_ventricular_beats_by_their_labels()
    {
        var reference = Regular(1800);
        var test = reference.ToList();
        var after = Enumerable.Range(0, reference.Count).Where(k => reference[k].Sample > 400 * Fs).ToArray();
        // Reference V beats at five places: two labelled V (TP), one labelled N (FN), one missed (FN), one E labelled V (TP).
        int[] v = [after[10], after[20], after[30], after[40], after[50]];
        foreach (int k in v) reference[k] = reference[k] with { Code = AnnotationCodes.Pvc, Symbol = "V" };
        reference[v[4]] = reference[v[4]] with { Code = AnnotationCodes.VentricularEscape, Symbol = "E" };
        test[v[0]] = test[v[0]] with { Code = AnnotationCodes.Pvc };
        test[v[1]] = test[v[1]] with { Code = AnnotationCodes.Pvc };
        test[v[4]] = test[v[4]] with { Code = AnnotationCodes.Pvc };
        // A normal beat labelled V (FP), a fusion beat labelled V (neither), an extra V beat (FP).
        test[after[60]] = test[after[60]] with { Code = AnnotationCodes.Pvc };
        reference[after[70]] = reference[after[70]] with { Code = AnnotationCodes.Fusion };
        test[after[70]] = test[after[70]] with { Code = AnnotationCodes.Pvc };
        test.Add(Beat(reference[after[80]].Sample + 144, AnnotationCodes.Pvc));
        test.RemoveAt(v[3]);
        test.Sort((a, b) => a.Sample.CompareTo(b.Sample));

        var r = BeatByBeat.Compare("regular", reference, test, Fs, (long)(1800 * Fs));
        Assert.Equal(new DetectionCounts(3, 2, 2), r.Veb);
        Assert.Equal(new DetectionCounts(BeatsFrom(reference, 300) - 1, 1, 1), r.Qrs);
        Assert.Null(BeatByBeat.CompareDetections("regular", reference, test.Select(a => a.Sample), Fs).Veb);
    }

    [Fact]
    public void Unordered_beats_are_refused_naming_the_beat()
    {
        var e = Assert.Throws<ArgumentException>(() => BeatByBeat.CompareDetections("x", Regular(600), [10, 500, 400], Fs));
        Assert.Contains("test beat 2 at sample 400", e.Message);
        var reference = Regular(600);
        (reference[3], reference[4]) = (reference[4], reference[3]);
        e = Assert.Throws<ArgumentException>(() => BeatByBeat.CompareDetections("x", reference, [], Fs));
        Assert.Contains("reference beat 4", e.Message);
    }

    [Fact]
    public void Invalid_options_are_refused_naming_the_option_and_value()
    {
        var e = Assert.Throws<ArgumentException>(() => new Ec57Options { MatchWindowSeconds = 0 }.Validate());
        Assert.Equal(nameof(Ec57Options.MatchWindowSeconds), e.ParamName);
        Assert.Contains("was 0", e.Message);
        e = Assert.Throws<ArgumentException>(() => new Ec57Options { LearningPeriodSeconds = double.NaN }.Validate());
        Assert.Equal(nameof(Ec57Options.LearningPeriodSeconds), e.ParamName);
        e = Assert.Throws<ArgumentException>(() => new Ec57Options { EndSeconds = 200 }.Validate());
        Assert.Equal(nameof(Ec57Options.EndSeconds), e.ParamName);
        Assert.Contains("was 200", e.Message);
        e = Assert.Throws<ArgumentException>(() => BeatByBeat.CompareDetections("x", [], [], Fs, options: new Ec57Options { HeartRateStepSeconds = -1 }));
        Assert.Equal(nameof(Ec57Options.HeartRateStepSeconds), e.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => BeatByBeat.CompareDetections("x", [], [], 0));
    }

    [Fact]
    public void Gross_sums_counts_and_average_skips_records_without_reference_beats()
    {
        var a = new BeatByBeatResult("a", new DetectionCounts(90, 10, 0), new DetectionCounts(5, 5, 0));
        var b = new BeatByBeatResult("b", new DetectionCounts(0, 0, 10), new DetectionCounts(0, 0, 2));
        var summary = BeatByBeatSummary.Of([a, b]);
        Assert.Equal(new DetectionCounts(90, 10, 10), summary.Gross.Qrs);
        Assert.Equal(new DetectionCounts(5, 5, 2), summary.Gross.Veb);
        Assert.Equal(0.9, summary.Average.QrsSensitivity);             // b has no reference beats
        Assert.Equal((1.0 + 0.0) / 2, summary.Average.QrsPositivePredictivity);
        Assert.Equal(0.5, summary.Average.VebSensitivity);
        Assert.Null(new DetectionCounts(0, 0, 0).Sensitivity);
    }
}
