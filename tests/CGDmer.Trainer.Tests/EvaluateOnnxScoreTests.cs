using CGDmer.Signal;
using CGDmer.Trainer.Data;

namespace CGDmer.Trainer.Tests;

public class EvaluateOnnxScoreTests
{
    [Fact]
    public void A_label_is_scored_only_on_the_windows_whose_reference_annotates_it()
    {
        var set = new WindowSet(10, EcgLabels.All);
        var leads = new float[]?[Leads.Count];
        leads[1] = new float[10];
        var labels = new[] { "atrial_fibrillation", "pvc" };
        var probs = new List<float>();
        // Four beat-annotated windows of patient a (PVC perfectly ranked), four rhythm-only windows of patient b whose PVC
        // probabilities would rank wrongly if they counted as PVC negatives.
        for (int i = 0; i < 4; i++)
        {
            bool af = i % 2 == 0, pvc = i < 2;
            set.Add(leads, Labels(af, pvc), MitBihWindows.Annotated, "", "a", WindowSources.MitBih, default);
            probs.AddRange([af ? 0.9f : 0.1f, pvc ? 0.8f : 0.2f]);
        }
        for (int i = 0; i < 4; i++)
        {
            bool af = i % 2 == 1;
            set.Add(leads, Labels(af, false), MitBihWindows.RhythmAnnotated, "", "b", WindowSources.MitBih, default);
            probs.AddRange([af ? 0.7f : 0.3f, 0.95f]);
        }
        var est = EvaluateOnnxCommand.Score(set, [.. probs], labels);
        Assert.Equal((4, 4, 2), (est[0].Positives, est[0].Negatives, est[0].Patients));
        Assert.Equal(1.0, est[0].Auroc, 9);
        Assert.Equal((2, 2, 1), (est[1].Positives, est[1].Negatives, est[1].Patients));   // b's windows are not PVC negatives
        Assert.Equal(1.0, est[1].Auroc, 9);

        static EcgLabel[] Labels(bool af, bool pvc) =>
            [.. (af ? [EcgLabels.AtrialFibrillation] : new[] { EcgLabels.SinusRhythm }), .. pvc ? [EcgLabels.PrematureVentricularContractions] : Array.Empty<EcgLabel>()];
    }
}
