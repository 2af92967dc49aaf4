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
}
