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
    private static readonly CgDmerConfig Tiny = TinyProbe.Config;

    private static CgDmerModel Pretrained() => TinyProbe.Pretrained();

    private static float[] Flat(IEnumerable<Parameter> ps) => TinyProbe.Flat(ps);

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

    [Fact]
    public void Fine_tuning_keeps_the_averaged_weights_and_one_epoch_s_average_is_the_last_weights()
    {
        var set = TinyProbe.Windows();
        int[] train = Enumerable.Range(0, set.Count).ToArray();
        int[] columns = TinyProbe.Columns(set);
        float[] Trained(int averageLastEpochs) => Flat(Prober.Train(Pretrained(), set, train, columns,
            new ProbeOptions { Mode = "finetune", Epochs = 3, BatchSize = 4, LearningRate = 1e-2, HeadHidden = 8, AverageLastEpochs = averageLastEpochs }).parameters());

        var last = Trained(0);
        Assert.Equal(last, Trained(1));   // the recorded runs (no averaging) stand, to the bit
        var averaged = Trained(3);
        Assert.Equal(last.Length, averaged.Length);
        Assert.NotEqual(last, averaged);
    }
}
