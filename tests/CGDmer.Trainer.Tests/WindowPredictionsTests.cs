using CGDmer.Signal;
using CGDmer.Trainer.Data;
using CGDmer.Trainer.Evaluation;

namespace CGDmer.Trainer.Tests;

public class WindowPredictionsTests
{
    private static readonly int F = TinyProbe.RhythmFeatureCount;

    private static WindowSet TwoWindows()
    {
        var set = TinyProbe.WindowsWithRhythm(4);
        var rows = new float[]?[Leads.Count];
        rows[(int)Lead.II] = new float[TinyProbe.Config.WindowSamples];
        var features = new float[F];
        features[WindowRhythm.IrregularityFeature] = 0.25f;
        features[WindowRhythm.SignalQualityFeature] = 0.875f;
        features[WindowRhythm.BeatAgreementFeature] = 0.5f;
        set.Add(rows, [EcgLabels.AtrialFibrillation], [EcgLabels.SinusRhythm, EcgLabels.AtrialFibrillation], "", "mitbih-201", WindowSources.MitBih, features);
        features[WindowRhythm.IrregularityFeature] = 1.5f;
        features[WindowRhythm.SignalQualityFeature] = 0.125f;
        features[WindowRhythm.BeatAgreementFeature] = 1f;
        set.Add(rows, [EcgLabels.SinusRhythm], [EcgLabels.SinusRhythm], "", "cinc-A00001,b", WindowSources.Cinc2017, features);
        return set;
    }

    [Fact]
    public void Each_window_gets_its_probabilities_and_the_labels_its_source_annotates()
    {
        var set = TwoWindows();
        var writer = new StringWriter { NewLine = "\n" };
        WindowPredictions.Write(writer, set, [1, 0], [0.9f, 0.125f, 0.1f, 0.75f], ["sinus_rhythm", "atrial_fibrillation"]);
        Assert.Equal(
            "window,patient,source,rr_irregularity,signal_quality,beat_agreement,p_sinus_rhythm,y_sinus_rhythm,p_atrial_fibrillation,y_atrial_fibrillation\n" +
            "1,\"cinc-A00001,b\",cinc2017,1.5,0.125,1,0.900000,1,0.125000,\n" +
            "0,mitbih-201,mitbih,0.25,0.875,0.5,0.100000,0,0.750000,1\n",
            writer.ToString());
    }

    [Fact]
    public void Without_rhythm_features_their_three_columns_are_empty()
    {
        var set = TinyProbe.Windows();
        var writer = new StringWriter { NewLine = "\n" };
        WindowPredictions.Write(writer, set, [0], [0.5f], ["sinus_rhythm"]);
        Assert.Equal(
            "window,patient,source,rr_irregularity,signal_quality,beat_agreement,p_sinus_rhythm,y_sinus_rhythm\n" +
            "0,p0,mitbih,,,,0.500000,1\n",
            writer.ToString());
    }

    [Fact]
    public void A_probability_table_of_the_wrong_size_or_an_unknown_label_is_named()
    {
        var set = TwoWindows();
        var e = Assert.Throws<ArgumentException>(() => WindowPredictions.Write(TextWriter.Null, set, [0, 1], [0.5f], ["sinus_rhythm"]));
        Assert.Contains("needs 2 × 1 probabilities, has 1", e.Message);
        e = Assert.Throws<ArgumentException>(() => WindowPredictions.Write(TextWriter.Null, set, [0], [0.5f], ["no_such_label"]));
        Assert.Contains("'no_such_label'", e.Message);
    }
}
