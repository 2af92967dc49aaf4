using CGDmer.Signal;
using CGDmer.Signal.Synthesis;
using Xunit.Abstractions;

namespace CGDmer.Signal.Synthesis.Tests;

public class ReportAndSamplerTests(ITestOutputHelper output)
{
    /// <summary>Ways a report may mention each label (case-insensitive).</summary>
    private static readonly Dictionary<string, string[]> Mentions = new()
    {
        ["sinus_rhythm"] = ["sinus", "NSR", "SR"],
        ["sinus_bradycardia"] = ["brady", "SB"],
        ["sinus_tachycardia"] = ["sinus tach", "rapid sinus"],
        ["atrial_fibrillation"] = ["fib", "AF", "irregularly irregular"],
        ["atrial_flutter"] = ["flutter", "AFL"],
        ["ventricular_tachycardia"] = ["VT", "V-tach", "ventricular tachycardia"],
        ["pvc"] = ["PVC", "VPB", "ventricular premature", "premature ventricular", "ectopy", "VEs", "bigemin", "trigemin", "couplet", "ectopic"],
        ["pause"] = ["pause", "arrest"],
        ["lbbb"] = ["LBBB", "left bundle"],
        ["rbbb"] = ["RBBB", "right bundle"],
        ["st_elevation"] = ["ST elevation", "STE", "ST segment elevation", "injury"],
        ["st_depression"] = ["ST depression", "STD", "ST segment depression", "strain", "repolarization abnormality"],
        ["t_inversion"] = ["T wave inversion", "inverted T", "TWI", "T-wave inversion", "negative T", "strain", "repolarization abnormality"],
        ["lvh"] = ["LVH", "left ventricular hypertrophy"],
        ["low_voltage"] = ["low voltage", "low QRS voltage", "low-amplitude", "low limb-lead voltage"],
    };

    private static bool Mentioned(string report, EcgLabel l) =>
        Mentions[l.Key].Any(m => m.Length <= 3 && m.All(char.IsUpper)
            ? System.Text.RegularExpressions.Regex.IsMatch(report, $@"(?<![A-Za-z]){m}(?![a-rt-z])", System.Text.RegularExpressions.RegexOptions.IgnoreCase)
            : report.Contains(m, StringComparison.OrdinalIgnoreCase));

    [Fact]
    public void ReportsMentionEveryLabelAcrossManyRecords()
    {
        var sampler = new DatasetSampler(ConditionMix.Balanced);
        int records = 0;
        foreach (var e in sampler.Generate(300, 100))
        {
            foreach (var l in e.Labels) Assert.True(Mentioned(e.Report, l), $"'{l.Key}' not mentioned in: {e.Report}");
            records++;
            if (records <= 8) output.WriteLine($"[{string.Join(",", e.Labels)}] {e.Report}");
        }
    }

    [Fact]
    public void ReportsForOneLabelSetVaryAcrossSeeds()
    {
        EcgLabel[] labels = [EcgLabels.AtrialFibrillation, EcgLabels.PrematureVentricularContractions, EcgLabels.StDepression];
        var reports = Enumerable.Range(0, 100).Select(s => ReportWriter.Write(labels, s, 128)).ToArray();
        Assert.True(reports.Distinct().Count() >= 80, $"only {reports.Distinct().Count()} distinct");
        Assert.All(reports, r => Assert.All(labels, l => Assert.True(Mentioned(r, l), $"{l.Key} missing: {r}")));
        Assert.Equal(reports[5], ReportWriter.Write(labels, 5, 128));
        foreach (var r in reports.Take(6)) output.WriteLine(r);
        // rate-dependent phrasing shows up (RVR for a fast AF)
        Assert.Contains(reports, r => r.Contains("RVR", StringComparison.OrdinalIgnoreCase) || r.Contains("rapid ventricular", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void ReportWriterAcceptsLabelKeysAlone()
    {
        var r = ReportWriter.Write(["sinus_rhythm", "rbbb"], 3);
        Assert.True(Mentioned(r, EcgLabels.RightBundleBranchBlock));
        Assert.True(Mentioned(r, EcgLabels.SinusRhythm));
        Assert.False(string.IsNullOrWhiteSpace(ReportWriter.Write(Array.Empty<EcgLabel>(), 1)));
    }

    [Fact]
    public void SampledLabelsMatchTheRequestAndCoverTheVocabulary()
    {
        var sampler = new DatasetSampler(ConditionMix.Balanced, 10, 250);
        var seen = new Dictionary<string, int>();
        for (int seed = 0; seed < 400; seed++)
        {
            var req = sampler.Draw(seed);
            var e = EcgSynthesizer.Generate(req, seed);
            Assert.Equal(2500, e.Record.Length);
            foreach (var l in e.Labels) seen[l.Key] = seen.GetValueOrDefault(l.Key) + 1;
            bool conducted = e.Beats.Any(b => b.Class != BeatClass.Ventricular);
            if (req.BundleBranchBlock == BundleBranchBlock.Left && conducted) Assert.Contains(EcgLabels.LeftBundleBranchBlock, e.Labels);
            if (req.BundleBranchBlock == BundleBranchBlock.Right && conducted) Assert.Contains(EcgLabels.RightBundleBranchBlock, e.Labels);
            if (req.Lvh && conducted) Assert.Contains(EcgLabels.LeftVentricularHypertrophy, e.Labels);
            if (req.StElevation is not null && conducted) Assert.Contains(EcgLabels.StElevation, e.Labels);
            if (req.Pvc is not null && e.Measurements.PvcCount > 0) Assert.Contains(EcgLabels.PrematureVentricularContractions, e.Labels);
            if (e.Measurements.PvcCount == 0) Assert.DoesNotContain(EcgLabels.PrematureVentricularContractions, e.Labels);
            if (req.Rhythm == RhythmKind.AtrialFibrillation && req.Episodes is null) Assert.Contains(EcgLabels.AtrialFibrillation, e.Labels);
            Assert.True(req.BundleBranchBlock != BundleBranchBlock.Left || !req.Lvh);
        }
        output.WriteLine(string.Join(", ", seen.OrderByDescending(k => k.Value).Select(k => $"{k.Key}={k.Value}")));
        // "Other rhythm" is a class of real recordings (CinC 2017), defined by what it is not; the synthesizer draws named rhythms.
        Assert.All(EcgLabels.All.Where(l => l != EcgLabels.OtherRhythm), l => Assert.True(seen.GetValueOrDefault(l.Key) > 3, $"{l.Key} rarely sampled"));
        Assert.False(seen.ContainsKey(EcgLabels.OtherRhythm.Key));
    }

    [Fact]
    public void SamplerIsDeterministic()
    {
        var s = new DatasetSampler();
        var a = s.Generate(12345); var b = s.Generate(12345);
        Assert.Equal(a.Record.Channels[7].Samples, b.Record.Channels[7].Samples);
        Assert.Equal(a.Report, b.Report);
        Assert.Equal(a.Labels, b.Labels);
    }
}
