using CGDmer.Signal.Beats;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CGDmer.Signal.Tests.Beats;

public class VentricularRunsTests
{
    private const double Fs = 100;

    /// <summary>Beats from a pattern: 'N' or 'V' each, at the given RR interval (s) after the previous beat.</summary>
    private static List<ClassifiedBeat> Beats(params (char Type, double Rr)[] pattern)
    {
        var beats = new List<ClassifiedBeat>();
        double t = 1;
        foreach (var (type, rr) in pattern)
        {
            t += rr;
            beats.Add(new ClassifiedBeat((long)Math.Round(t * Fs), false, type == 'V' ? BeatType.Ventricular : BeatType.Normal));
        }
        return beats;
    }

    [Fact]
    public void Three_fast_ventricular_beats_make_a_run_confirmed_at_the_third()
    {
        var beats = Beats(('N', 0.8), ('V', 0.5), ('V', 0.45), ('V', 0.45), ('V', 0.45), ('N', 0.9));
        var run = Assert.Single(VentricularRuns.Find(beats, Fs));
        Assert.Equal(beats[1].Sample, run.FirstSample);
        Assert.Equal(beats[4].Sample, run.LastSample);
        Assert.Equal(4, run.Beats);
        Assert.Equal(beats[3].Sample, run.ConfirmedAtSample);
    }

    [Fact]
    public void A_couplet_a_slow_run_and_interrupted_runs_are_not_runs()
    {
        Assert.Empty(VentricularRuns.Find(Beats(('N', 0.8), ('V', 0.5), ('V', 0.5), ('N', 0.9)), Fs));         // couplet
        Assert.Empty(VentricularRuns.Find(Beats(('V', 0.8), ('V', 0.8), ('V', 0.8), ('V', 0.8)), Fs));         // 75 /min: idioventricular
        Assert.Empty(VentricularRuns.Find(Beats(('V', 0.5), ('V', 0.5), ('N', 0.5), ('V', 0.5), ('V', 0.5)), Fs));
    }

    [Fact]
    public void A_long_pause_splits_a_run_and_the_late_beat_can_start_the_next()
    {
        var beats = Beats(('V', 0.5), ('V', 0.5), ('V', 0.5), ('V', 1.5), ('V', 0.5), ('V', 0.5));
        var runs = VentricularRuns.Find(beats, Fs);
        Assert.Equal(2, runs.Count);
        Assert.Equal((beats[0].Sample, beats[2].Sample), (runs[0].FirstSample, runs[0].LastSample));
        Assert.Equal((beats[3].Sample, beats[5].Sample), (runs[1].FirstSample, runs[1].LastSample));
    }

    [Property(MaxTest = 200)]
    public Property Every_run_is_consecutive_fast_ventricular_beats_and_every_such_triplet_is_in_a_run()
    {
        var gen = Gen.Zip(Gen.Elements('N', 'V', 'V'), Gen.Choose(30, 120).Select(c => c / 100.0)).ListOf().Select(l => l.ToArray());
        return Prop.ForAll(gen.ToArbitrary(), pattern =>
        {
            var beats = Beats(pattern);
            var runs = VentricularRuns.Find(beats, Fs);
            long maxRr = (long)Math.Round(VentricularRuns.MaxRrSeconds * Fs);
            bool runsAreValid = runs.All(r =>
            {
                int first = beats.FindIndex(b => b.Sample == r.FirstSample), last = beats.FindIndex(b => b.Sample == r.LastSample);
                return last - first + 1 == r.Beats && r.Beats >= VentricularRuns.MinBeats
                       && Enumerable.Range(first, r.Beats).All(i => beats[i].Type == BeatType.Ventricular)
                       && Enumerable.Range(first + 1, r.Beats - 1).All(i => beats[i].Sample - beats[i - 1].Sample <= maxRr);
            });
            bool tripletsAreCovered = Enumerable.Range(0, Math.Max(0, beats.Count - 2)).All(i =>
                !(beats[i].Type == BeatType.Ventricular && beats[i + 1].Type == BeatType.Ventricular && beats[i + 2].Type == BeatType.Ventricular
                  && beats[i + 1].Sample - beats[i].Sample <= maxRr && beats[i + 2].Sample - beats[i + 1].Sample <= maxRr)
                || runs.Any(r => r.FirstSample <= beats[i].Sample && beats[i + 2].Sample <= r.LastSample));
            return runsAreValid && tripletsAreCovered;
        });
    }
}
