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
    public void A_record_with_rhythm_annotations_only_scores_the_rhythm_labels_and_places_unnamed_ECG_signals()
    {
        // As a MIT-BIH AF Database record: 201's samples under signals called "ECG1"/"ECG2", its .atr without beats.
        var dir = Directory.CreateTempSubdirectory("cgdmer-afdb-like-").FullName;
        try
        {
            var src = TestData.MitBih("201");
            File.Copy(src + ".dat", Path.Combine(dir, "rec.dat"));
            File.WriteAllText(Path.Combine(dir, "rec.hea"), File.ReadAllText(src + ".hea").Replace("201", "rec").Replace(" MLII", " ECG1").Replace(" V1", " ECG2"));
            var all = AnnotationReader.Read(src + ".atr");
            AnnotationWriter.Write(Path.Combine(dir, "rec.atr"), all.Where(x => x.Rhythm is not null));

            var full = new WindowSet(1000, EcgLabels.All);
            var rhythms = new WindowSet(1000, EcgLabels.All);
            int n = MitBihWindows.AddRecord(full, src, 100, 10, 1, maxSeconds: 600);
            Assert.Equal(n, MitBihWindows.AddRecord(rhythms, Path.Combine(dir, "rec"), 100, 10, 1, maxSeconds: 600));
            var labels = EcgLabels.All.ToList();
            for (int w = 0; w < n; w++)
            {
                Assert.Equal(full.LeadMask(w).ToArray(), rhythms.LeadMask(w).ToArray());   // ECG1 on II, ECG2 on V1, as MLII and V1
                foreach (var label in MitBihWindows.RhythmAnnotated)
                {
                    int k = labels.IndexOf(label);
                    Assert.True(rhythms.IsKnown(w, k));
                    Assert.Equal(full.HasLabel(w, k), rhythms.HasLabel(w, k));
                }
                // Beat labels are not decided without beats; a present one would have been learnt from nothing.
                foreach (var label in new[] { EcgLabels.PrematureVentricularContractions, EcgLabels.SinusBradycardia, EcgLabels.SinusPause })
                    Assert.False(rhythms.IsKnown(w, labels.IndexOf(label)), $"{label.Key} in window {w}");
            }
            Assert.Contains(Enumerable.Range(0, n), w => full.HasLabel(w, labels.IndexOf(EcgLabels.AtrialFibrillation)));
        }
        finally { Directory.Delete(dir, true); }
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
