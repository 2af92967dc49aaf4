using CGDmer.Signal;
using CGDmer.Trainer.Data;
using CGDmer.Trainer.Evaluation;

namespace CGDmer.Trainer.Tests;

public class BedsideAlertTests
{
    private static readonly EcgLabel[] Af = [EcgLabels.AtrialFibrillation], None = [];

    [Fact]
    public void Counts_the_bedside_windows_at_or_above_the_alert_threshold_by_source()
    {
        var set = new WindowSet(10, EcgLabels.All, 16);
        var rows = new float[]?[Leads.Count];
        rows[(int)Lead.II] = new float[10];
        string[] labels = [EcgLabels.SinusRhythm.Key, EcgLabels.AtrialFibrillation.Key];
        var windows = new (EcgLabel[] Labels, EcgLabel[]? Annotated, string Source, float Af)[]
        {
            (Af, null, "aftdb", 0.9f), (Af, null, "aftdb", 0.75f), (Af, null, "aftdb", 0.2f), (Af, null, "aftdb", 0.74f),
            (Af, null, "mitbih", 0.95f), (Af, null, "mitbih", 0.1f),
            (None, null, "mitbih", 0.75f), (None, null, "mitbih", 0.3f), (None, null, "mitbih", 0.0f), (None, null, "mitbih", 0.1f),
            (None, [EcgLabels.SinusRhythm], "mitbih", 0.99f),   // AF not annotated: not counted
            (Af, null, "cinc2017", 0.99f), (None, null, "synthetic", 0.99f),   // not bedside
        };
        var probabilities = new float[windows.Length * labels.Length];
        for (int k = 0; k < windows.Length; k++)
        {
            var w = windows[k];
            set.Add(rows, w.Labels, w.Annotated, "", $"p{k}", w.Source, default);
            probabilities[k * labels.Length + 1] = w.Af;
        }
        var test = Enumerable.Range(0, windows.Length).ToArray();

        var score = RealPatientEvaluation.BedsideAlert(set, test, probabilities, labels, [0.5, 0.75])!;

        Assert.Equal(0.75, score.Threshold);
        Assert.Equal(4, score.AftdbAfWindows);
        Assert.Equal(0.5, score.AftdbSensitivity);            // 0.9 and 0.75 (at the threshold counts), not 0.74
        Assert.Equal(2, score.MitBihAfWindows);
        Assert.Equal(0.5, score.MitBihSensitivity);
        Assert.Equal(4, score.MitBihNonAfWindows);
        Assert.Equal(0.25, score.MitBihFalsePositiveRate);
    }

    [Fact]
    public void Without_bedside_windows_the_shares_are_absent_and_without_AF_there_is_no_score()
    {
        var set = new WindowSet(10, EcgLabels.All, 4);
        var rows = new float[]?[Leads.Count];
        rows[(int)Lead.II] = new float[10];
        set.Add(rows, Af, null, "", "c1", "cinc2017", default);
        var score = RealPatientEvaluation.BedsideAlert(set, [0], [0.9f], [EcgLabels.AtrialFibrillation.Key], [0.5])!;
        Assert.Null(score.AftdbSensitivity);
        Assert.Null(score.MitBihSensitivity);
        Assert.Null(score.MitBihFalsePositiveRate);
        Assert.Null(RealPatientEvaluation.BedsideAlert(set, [0], [0.9f], [EcgLabels.SinusRhythm.Key], [0.5]));
    }

    [Fact]
    public void Each_operating_point_lets_at_most_its_share_of_non_AF_windows_reach_it_and_counts_the_AF_windows_that_do()
    {
        var set = new WindowSet(10, EcgLabels.All, 32);
        var rows = new float[]?[Leads.Count];
        rows[(int)Lead.II] = new float[10];
        string[] labels = [EcgLabels.AtrialFibrillation.Key];
        var probabilities = new List<float>();
        void Add(EcgLabel[] l, string source, float p) { set.Add(rows, l, null, "", $"w{probabilities.Count}", source, default); probabilities.Add(p); }
        // 200 MIT-BIH windows without AF: 0.000..0.995; the top two tie at 0.999.
        for (int n = 0; n < 198; n++) Add(None, "mitbih", n / 200f);
        Add(None, "mitbih", 0.999f); Add(None, "mitbih", 0.999f);
        foreach (float p in new[] { 0.9995f, 0.999f, 0.995f, 0.98f, 0.95f, 0.5f }) Add(Af, "mitbih", p);
        Add(Af, "aftdb", 0.0f);            // not MIT-BIH: not counted
        Add(None, "cinc2017", 1.0f);

        var points = RealPatientEvaluation.BedsideOperatingPoints(set, Enumerable.Range(0, probabilities.Count).ToArray(), probabilities.ToArray(), labels);

        Assert.Equal(RealPatientEvaluation.OperatingFalsePositiveRates, points.Select(p => p.FalsePositiveRate));
        Assert.All(points, p => { Assert.Equal(6, p.AfWindows); Assert.Equal(200, p.NonAfWindows); Assert.Null(p.RrThreshold); });
        // 0.5 % of 200 = 1 window may reach it, but the top two tie at 0.999: neither may, so only 0.9995 does.
        Assert.Equal(1 / 6.0, points[0].ModelSensitivity, 9);
        Assert.True(points[0].ModelThreshold > 0.999f);
        // 1 % = 2: the threshold sits just above the third highest (0.985), so 0.999 and 0.995 reach it as well;
        // 2 % = 4: just above 0.975, so 0.98 too; 5 % = 10: just above 0.945, so 0.95 too.
        Assert.Equal(3 / 6.0, points[1].ModelSensitivity, 9);
        Assert.Equal(4 / 6.0, points[2].ModelSensitivity, 9);
        Assert.Equal(5 / 6.0, points[3].ModelSensitivity, 9);
    }

    [Fact]
    public void The_RR_baseline_is_scored_on_the_same_windows_from_their_RR_irregularity()
    {
        int features = CGDmer.Signal.Beats.RhythmFeatures.CountOf(CGDmer.Signal.Beats.RhythmFeatures.Identifier);
        var set = new WindowSet(10, EcgLabels.All, 32, rhythmFeatureCount: features);
        var rows = new float[]?[Leads.Count];
        rows[(int)Lead.II] = new float[10];
        var probabilities = new List<float>();
        void Add(EcgLabel[] l, string source, float rr)
        {
            // Every other feature equals the irregularity's opposite: a wrong column gives the reverse ranking.
            var rhythm = Enumerable.Repeat(1 - rr, features).ToArray();
            rhythm[WindowRhythm.IrregularityFeature] = rr;
            set.Add(rows, l, null, "", $"w{probabilities.Count}", source, rhythm);
            probabilities.Add(0.5f);
        }
        for (int n = 0; n < 100; n++) Add(None, "mitbih", n / 1000f);   // 0.000..0.099
        foreach (float rr in new[] { 0.5f, 0.2f, 0.098f, 0.05f }) Add(Af, "mitbih", rr);
        Add(None, "aftdb", 0.9f);                                            // not MIT-BIH: not counted

        var points = RealPatientEvaluation.BedsideOperatingPoints(set, Enumerable.Range(0, probabilities.Count).ToArray(),
            probabilities.ToArray(), [EcgLabels.AtrialFibrillation.Key]);

        // 1 % of 100 = 1 window may reach it: just above 0.098, so 0.5 and 0.2 do; 5 % = 5: just above 0.094, so 0.098 too.
        Assert.Equal(2 / 4.0, points[1].RrSensitivity!.Value, 9);
        Assert.InRange(points[1].RrThreshold!.Value, 0.0979, 0.0981);
        Assert.Equal(3 / 4.0, points[3].RrSensitivity!.Value, 9);
        // The model's equal scores: no threshold lets only some of them through, so none of its AF windows reaches it.
        Assert.All(points, p => Assert.Equal(0, p.ModelSensitivity));
    }
}
