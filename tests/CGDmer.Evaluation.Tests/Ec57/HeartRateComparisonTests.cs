using CGDmer.Evaluation.Ec57;
using static CGDmer.Evaluation.Tests.Ec57.Ec57TestData;

namespace CGDmer.Evaluation.Tests.Ec57;

public class HeartRateComparisonTests
{
    private static long[] Samples(IEnumerable<CGDmer.Signal.Wfdb.Annotation> beats) => beats.Select(a => a.Sample).ToArray();

    [Fact]
    public void Identical_beats_agree_at_every_step_after_the_learning_period()
    {
        var beats = Samples(Regular(1800));
        var r = HeartRateComparison.Compare("regular", beats, beats, Fs, (long)(1800 * Fs));
        // Steps at 310 s, 311 s, ..., 1800 s.
        Assert.Equal(1491, r.Steps);
        Assert.Equal((0, 0), (r.StepsWithoutTestRate, r.StepsWithoutReferenceRate));
        Assert.Equal(0.0, r.MedianAbsoluteErrorPerMinute);
        Assert.Equal(0.0, r.RmsErrorPerMinute);
    }

    [Fact]
    public void Double_counted_beats_are_off_by_the_heart_rate()
    {
        var reference = Samples(Regular(1800));                  // 75 per minute
        var test = reference.SelectMany(s => new[] { s, s + 144 }).ToArray(); // 150 per minute
        var r = HeartRateComparison.Compare("regular", reference, test, Fs, (long)(1800 * Fs));
        Assert.Equal(75, r.MedianAbsoluteErrorPerMinute!.Value, 6);
        Assert.Equal(75, r.RmsErrorPerMinute!.Value, 6);
        Assert.All(r.Errors, e => Assert.Equal(75, e, 6));
    }

    [Fact]
    public void Steps_without_a_test_rate_are_counted_apart()
    {
        var reference = Samples(Regular(1800));
        var test = reference.Where(s => s < 900 * Fs).ToArray();
        var r = HeartRateComparison.Compare("regular", reference, test, Fs, (long)(1800 * Fs));
        // The last two test beats are at 898.9 s and 899.7 s, so windows ending up to 908 s still have a rate; 909..1800 s do not.
        Assert.Equal(1800 - 909 + 1, r.StepsWithoutTestRate);
        Assert.Equal(0, r.StepsWithoutReferenceRate);
        Assert.Equal(0.0, r.MedianAbsoluteErrorPerMinute);
        var none = HeartRateComparison.Compare("regular", reference, [], Fs, (long)(1800 * Fs));
        Assert.Equal(0, none.Steps);
        Assert.Null(none.RmsErrorPerMinute);
    }

    [Fact]
    public void Gross_pools_the_steps_of_all_records()
    {
        var reference = Samples(Regular(1800));
        var a = HeartRateComparison.Compare("a", reference, reference, Fs, (long)(1800 * Fs));
        var b = HeartRateComparison.Compare("b", reference, reference.SelectMany(s => new[] { s, s + 144 }), Fs, (long)(1800 * Fs));
        var summary = HeartRateSummary.Of([a, b]);
        Assert.Equal(a.Steps + b.Steps, summary.Gross.Steps);
        Assert.Equal(Math.Sqrt(75.0 * 75 / 2), summary.Gross.RmsErrorPerMinute!.Value, 6);
        Assert.Equal(75.0 / 2, summary.AverageRmsErrorPerMinute!.Value, 6);
    }
}
