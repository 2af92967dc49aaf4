using CGDmer.Evaluation.Ec57;
using CGDmer.Signal.Wfdb;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static CGDmer.Evaluation.Tests.Ec57.Ec57TestData;

namespace CGDmer.Evaluation.Tests.Ec57;

public class BeatByBeatPropertyTests
{
    /// <summary>A reference beat list, a test list made from it (jittered, dropped and extra beats), and a learning period.</summary>
    public static Arbitrary<(long[] Reference, long[] Test, double Learning)> Inputs() =>
        (from gaps in Gen.Choose(1, 800).ArrayOf()
         from jitter in Gen.Choose(-80, 80).ArrayOf()
         from drops in Gen.Choose(0, 9).ArrayOf()
         from extras in Gen.Choose(0, 20_000).ArrayOf()
         from learning in Gen.Elements(0.0, 1.0, 5.0, 20.0, 300.0)
         select Build(gaps, jitter, drops, extras, learning)).ToArbitrary();

    private static (long[], long[], double) Build(int[] gaps, int[] jitter, int[] drops, int[] extras, double learning)
    {
        var reference = new List<long>();
        long t = 0;
        foreach (int g in gaps) reference.Add(t += g);
        var test = new List<long>();
        for (int k = 0; k < reference.Count; k++)
        {
            if (drops.Length > 0 && drops[k % drops.Length] == 0) continue;
            test.Add(Math.Max(0, reference[k] + (jitter.Length > 0 ? jitter[k % jitter.Length] : 0)));
        }
        test.AddRange(extras.Select(x => (long)x));
        test.Sort();
        return (reference.ToArray(), test.ToArray(), learning);
    }

    [Property(Arbitrary = [typeof(BeatByBeatPropertyTests)], MaxTest = 500)]
    public bool Statistics_are_fractions_and_every_reference_beat_after_learning_is_counted_once(
        (long[] Reference, long[] Test, double Learning) x)
    {
        var options = new Ec57Options { LearningPeriodSeconds = x.Learning };
        long length = Math.Max(x.Reference.LastOrDefault(), x.Test.LastOrDefault()) + 1;
        var r = BeatByBeat.CompareDetections("p", x.Reference.Select(s => Beat(s)), x.Test, Fs, length, options);
        long start = (long)Math.Round(x.Learning * Fs);
        bool InUnit(double? v) => v is null || v is >= 0 and <= 1;
        return InUnit(r.Qrs.Sensitivity) && InUnit(r.Qrs.PositivePredictivity)
               && r.Qrs.TruePositives + r.Qrs.FalseNegatives == x.Reference.Count(s => s >= start)
               && r.Qrs.TruePositives + r.Qrs.FalsePositives <= x.Test.Length
               && r.Qrs.Sensitivity is null == (r.ReferenceBeats == 0);
    }
}
