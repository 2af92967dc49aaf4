using CGDmer.Trainer.Data;
using CGDmer.Signal;
using CGDmer.Signal.Wfdb;

namespace CGDmer.Trainer.Tests;

public class MitBihWindowTests
{
    [Fact]
    public void Record_201_windows_carry_af_labels_inside_the_annotated_episodes_and_sinus_outside()
    {
        var path = TestData.MitBih("201");
        var rec = WfdbReader.Read(path);
        var ann = AnnotationReader.Read(path + ".atr");
        var episodes = AnnotationReader.RhythmEpisodes(ann, rec.Length);
        var set = new WindowSet(1000, EcgLabels.All);
        int n = MitBihWindows.AddRecord(set, rec, ann, 100, 10, 1);
        Assert.Equal((int)(rec.Length / 360.0 / 10), n);
        int af = set.Labels.ToList().IndexOf(EcgLabels.AtrialFibrillation), sinus = set.Labels.ToList().IndexOf(EcgLabels.SinusRhythm);
        for (int w = 0; w < n; w++)
        {
            long mid = (long)((w * 10 + 5) * 360.0);
            var rhythm = episodes.First(e => e.Start <= mid && mid < e.End).Rhythm;
            // Windows wholly inside an AF episode must be AF; wholly inside (N must be sinus and not AF.
            long s0 = w * 3600L, s1 = s0 + 3600;
            bool inside = episodes.Any(e => e.Start <= s0 && s1 <= e.End && e.Rhythm == rhythm);
            if (!inside) continue;
            if (rhythm == "(AFIB") Assert.True(set.HasLabel(w, af), $"window {w} in AF episode lacks the AF label");
            if (rhythm == "(N") { Assert.False(set.HasLabel(w, af)); Assert.True(set.HasLabel(w, sinus)); }
        }
        Assert.InRange(Enumerable.Range(0, n).Count(w => set.HasLabel(w, af)), 20, 120);
        // MLII and V1 land on II and V1; nothing else is present.
        var mask = set.LeadMask(0).ToArray();
        Assert.Equal(new[] { 1, 6 }, Enumerable.Range(0, 12).Where(l => mask[l] > 0).ToArray());
        Assert.All(set.Patients, p => Assert.Equal("mitbih-201", p));
        Assert.Contains(set.Reports, r => r.Contains("fib", StringComparison.OrdinalIgnoreCase) || r.Contains("AF", StringComparison.Ordinal));
    }

    [Fact]
    public void Annotate_derives_rate_pvc_and_pause_from_beats()
    {
        var fs = 360.0;
        var beats = new List<Annotation>();
        long t = 0;
        for (int i = 0; i < 12; i++) { beats.Add(new Annotation(t, i % 4 == 3 ? "V" : "N", 1, 0, 0, 0, null)); t += (long)(0.75 * fs); }
        var episodes = new List<RhythmEpisode> { new(0, 3600, "(N") };
        var a = MitBihWindows.Annotate(episodes, beats, 0, 3600, fs);
        Assert.Equal(80, a.HeartRateBpm!.Value, 1);
        Assert.Contains(EcgLabels.SinusRhythm, a.Labels);
        Assert.Contains(EcgLabels.PrematureVentricularContractions, a.Labels);
        Assert.DoesNotContain(EcgLabels.SinusPause, a.Labels);
        beats.Add(new Annotation(t + (long)(2.5 * fs), "N", 1, 0, 0, 0, null));
        Assert.Contains(EcgLabels.SinusPause, MitBihWindows.Annotate(episodes, beats, 0, 3600 * 2, fs).Labels);
    }
}
