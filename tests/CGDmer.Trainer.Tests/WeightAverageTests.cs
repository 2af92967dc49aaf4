using CGDmer.Model;
using CGDmer.Signal;
using CGDmer.Trainer.Data;
using CGDmer.Trainer.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CGDmer.Trainer.Tests;

public class WeightAverageTests
{
    private static readonly CgDmerConfig Tiny = new()
    {
        WindowSamples = 100, PatchSize = 50, Dim = 16, Depth = 1, Heads = 2, DecoderDim = 8, TextDim = 16, TextHeads = 2,
        TextDepth = 1, ProjectionDim = 8,
    };

    private static CgDmerModel Pretrained()
    {
        torch.manual_seed(7);
        return new CgDmerModel(Tiny, vocabularySize: 40);
    }

    private static float[] Flat(IEnumerable<Parameter> ps) => ps.SelectMany(p => p.detach().cpu().data<float>().ToArray()).ToArray();

    [Fact]
    public void The_average_is_the_mean_of_the_snapshots_parameter_by_parameter()
    {
        var model = new FindingsModel(Pretrained().ecgEncoder, 2, Tiny.Dim, headHidden: 8);
        using var average = new Prober.WeightAverage(model);
        var first = Flat(model.parameters());
        average.Add(model);
        using (no_grad())
            foreach (var p in model.parameters()) p.mul_(3).add_(1);   // a second snapshot: 3w + 1
        average.Add(model);
        average.CopyTo(model);

        var mean = Flat(model.parameters());
        Assert.Equal(2, average.Count);
        Assert.Equal(first.Length, mean.Length);
        for (int i = 0; i < first.Length; i++) Assert.Equal(2 * first[i] + 0.5f, mean[i], 5);   // (w + 3w + 1) / 2
    }

    [Fact]
    public void An_average_of_nothing_is_refused()
    {
        var model = new FindingsModel(Pretrained().ecgEncoder, 2, Tiny.Dim);
        using var average = new Prober.WeightAverage(model);
        Assert.Throws<InvalidOperationException>(() => average.CopyTo(model));
    }

    /// <summary>16 one-lead windows of noise, half of them AF, all annotating sinus rhythm and AF.</summary>
    private static WindowSet Windows()
    {
        var set = new WindowSet(Tiny.WindowSamples, EcgLabels.All, 16);
        var rng = new Random(3);
        for (int k = 0; k < 16; k++)
        {
            var rows = new float[]?[Leads.Count];
            rows[(int)Lead.II] = Enumerable.Range(0, Tiny.WindowSamples).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
            var label = k % 2 == 0 ? EcgLabels.SinusRhythm : EcgLabels.AtrialFibrillation;
            set.Add(rows, [label], [EcgLabels.SinusRhythm, EcgLabels.AtrialFibrillation], "", $"p{k}", "mitbih", default);
        }
        return set;
    }

    [Fact]
    public void Fine_tuning_keeps_the_averaged_weights_and_one_epoch_s_average_is_the_last_weights()
    {
        var set = Windows();
        int[] train = Enumerable.Range(0, set.Count).ToArray();
        int[] columns = [set.Labels.ToList().IndexOf(EcgLabels.SinusRhythm), set.Labels.ToList().IndexOf(EcgLabels.AtrialFibrillation)];
        float[] Trained(int averageLastEpochs) => Flat(Prober.Train(Pretrained(), set, train, columns,
            new ProbeOptions { Mode = "finetune", Epochs = 3, BatchSize = 4, LearningRate = 1e-2, HeadHidden = 8, AverageLastEpochs = averageLastEpochs }).parameters());

        var last = Trained(0);
        Assert.Equal(last, Trained(1));   // the recorded runs (no averaging) stand, to the bit
        var averaged = Trained(3);
        Assert.Equal(last.Length, averaged.Length);
        Assert.NotEqual(last, averaged);
    }
}
