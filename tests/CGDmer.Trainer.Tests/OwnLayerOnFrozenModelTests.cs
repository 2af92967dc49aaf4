using CGDmer.Trainer.Training;
using static CGDmer.Trainer.Tests.TinyProbe;

namespace CGDmer.Trainer.Tests;

public class OwnLayerOnFrozenModelTests
{
    private static readonly ProbeOptions Recipe = new() { Mode = "finetune", Epochs = 2, BatchSize = 4, LearningRate = 1e-2 };
    private static readonly ProbeOptions WithOwnLayerAfterwards = Recipe with
    {
        OwnLayerLabels = ["atrial_fibrillation"], OwnLayerWidth = 8, OwnLayerTraining = ProbeOptions.OwnLayerOnFrozenModel, OwnLayerEpochs = 30,
    };

    /// <remarks>Two trainings agree to rounding, not to the bit: libtorch may split a reduction differently from one run
    /// to the next on a loaded machine. Training the own layer jointly moves the other heads by far more.</remarks>
    [Fact]
    public void The_other_heads_give_what_the_recipe_without_the_own_layer_gives()
    {
        var set = Windows();
        var all = Enumerable.Range(0, set.Count).ToArray();
        var without = Prober.Train(Pretrained(), set, all, Columns(set), Recipe);
        var with = Prober.Train(Pretrained(), set, all, Columns(set), WithOwnLayerAfterwards);

        Assert.Equal([1], with.OwnLayerHeads);
        Assert.Null(with.headHidden);
        Assert.Equal(8, with.OwnHiddenWidth);
        var p0 = Prober.Predict(without, set, all);
        var p1 = Prober.Predict(with, set, all);
        for (int w = 0; w < all.Length; w++) Assert.Equal(p0[w * 2], p1[w * 2], 1e-5f);    // sinus rhythm
        Assert.Contains(all, w => Math.Abs(p0[w * 2 + 1] - p1[w * 2 + 1]) > 1e-3);           // AF comes from the own layer
    }

    [Fact]
    public void Only_the_own_layer_learns_and_its_loss_falls()
    {
        var set = Windows();
        var all = Enumerable.Range(0, set.Count).ToArray();
        var losses = new List<double>();
        var trained = Prober.Train(Pretrained(), set, all, Columns(set), Recipe);
        var before = Flat(trained.parameters());
        var with = Prober.TrainOwnLayerOnFrozenModel(trained, set, all, Columns(set), [1], WithOwnLayerAfterwards, p => losses.Add(p.Loss));

        Assert.Equal(before, Flat(trained.parameters()));
        var shared = with.named_parameters().Where(p => !p.name.StartsWith("own", StringComparison.Ordinal)).Select(p => p.parameter);
        Assert.Equal(before, Flat(shared));
        // On the same inputs the other heads' logits are the trained model's, to the bit.
        using (TorchSharp.torch.no_grad())
        {
            TorchSharp.torch.manual_seed(5);
            using var pooled = TorchSharp.torch.randn(6, Config.Dim);
            var before0 = trained.HeadLogits(pooled).data<float>().ToArray();
            var after0 = with.HeadLogits(pooled).data<float>().ToArray();
            for (int r = 0; r < 6; r++) Assert.Equal(before0[r * 2], after0[r * 2]);
        }
        Assert.Equal(30, losses.Count);                                  // 16 windows: one batch per epoch
        Assert.True(losses.TakeLast(5).Average() < 0.8 * losses.Take(5).Average(), $"loss {losses[0]:F3} → {losses[^1]:F3}");
    }
}
