using CGDmer.Model;
using CGDmer.Signal;
using CGDmer.Trainer.Data;
using CGDmer.Trainer.Training;

namespace CGDmer.Trainer.Tests;

public class BedsideContextTests
{
    private static readonly int F = TinyProbe.RhythmFeatureCount;

    /// <summary>The same window (samples and features) once from each source, sinus rhythm, annotating sinus rhythm and AF.</summary>
    private static WindowSet OneWindowPerSource(params string[] sources)
    {
        var set = TinyProbe.WindowsWithRhythm(8);
        var rng = new Random(4);
        var lead = Enumerable.Range(0, TinyProbe.Config.WindowSamples).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var features = Enumerable.Range(0, F).Select(i => 0.1f * i).ToArray();
        foreach (var source in sources)
        {
            var rows = new float[]?[Leads.Count];
            rows[(int)Lead.II] = lead;
            set.Add(rows, [EcgLabels.SinusRhythm], [EcgLabels.SinusRhythm, EcgLabels.AtrialFibrillation], "", $"p-{source}", source, features);
        }
        return set;
    }

    [Fact]
    public void Each_row_is_the_window_s_features_then_1_for_a_bedside_source_and_0_for_any_other()
    {
        string[] sources = [WindowSources.MitBih, WindowSources.Cinc2017, WindowSources.Aftdb, WindowSources.Synthetic, WindowSources.PtbXl];
        var set = OneWindowPerSource(sources);
        int[] order = [4, 2, 0, 1, 3];
        var rows = Prober.RhythmMatrix(set, order, contexts: 1);
        Assert.Equal(order.Length * (F + 1), rows.Length);
        for (int b = 0; b < order.Length; b++)
        {
            Assert.Equal(set.Rhythm(order[b]).ToArray(), rows.AsSpan(b * (F + 1), F).ToArray());
            Assert.Equal(sources[order[b]] is WindowSources.MitBih or WindowSources.Aftdb ? 1f : 0f, rows[b * (F + 1) + F]);
        }
        Assert.Equal(Enumerable.Range(0, 5).SelectMany(i => set.Rhythm(order[i]).ToArray()), Prober.RhythmMatrix(set, order));
    }

    [Fact]
    public void A_model_fine_tuned_with_the_context_reads_it_and_one_without_does_not()
    {
        var set = OneWindowPerSource(WindowSources.MitBih, WindowSources.Cinc2017, WindowSources.Aftdb, WindowSources.Cinc2017);
        int[] all = [0, 1, 2, 3];
        var options = new ProbeOptions { Mode = "finetune", Epochs = 2, BatchSize = 2, LearningRate = 1e-2, HeadHidden = 8 };
        float[] SinusOfEach(bool context)
        {
            var model = Prober.Train(TinyProbe.Pretrained(), set, all, TinyProbe.Columns(set), options with { BedsideContext = context });
            Assert.Equal(context ? 1 : 0, model.RecordingContextCount);
            var p = Prober.Predict(model, set, all);
            return [p[0], p[2], p[4], p[6]];
        }

        var with = SinusOfEach(true);
        Assert.Equal(with[0], with[2]);          // both bedside: the same window, the same probability
        Assert.Equal(with[1], with[3]);          // both handheld
        Assert.NotEqual(with[0], with[1]);       // the same window read as bedside and as handheld
        var without = SinusOfEach(false);
        Assert.Equal(without[0], without[1]);
    }
}
