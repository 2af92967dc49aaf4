using TorchSharp;
using static TorchSharp.torch;

namespace CGDmer.Model.Tests;

public class OwnLayerHeadsTests
{
    private static (FindingsModel Model, Tensor Pooled, Tensor Rhythm) Make()
    {
        var cfg = CgDmerConfig.Tiny;
        torch.manual_seed(3);
        var model = new FindingsModel(new CgDmerModel(cfg, 40).ecgEncoder, 3, cfg.Dim, rhythmFeatures: 4, headHidden: 8, ownLayerHeads: [1]);
        model.eval();
        return (model, randn(5, cfg.Dim), randn(5, 4));
    }

    private static float[] Logits(FindingsModel m, Tensor pooled, Tensor rhythm)
    {
        using var _ = no_grad();
        return m.HeadLogits(pooled, rhythm).data<float>().ToArray();
    }

    private static void Perturb(nn.Module layer)
    {
        using var _ = no_grad();
        foreach (var p in layer.parameters()) p.add_(ones_like(p));
    }

    private static IEnumerable<(int Row, int Label, float Before, float After)> Cells(float[] before, float[] after) =>
        before.Select((b, i) => (i / 3, i % 3, b, after[i]));

    [Fact]
    public void The_own_layer_head_reads_its_own_layer_and_the_others_the_shared_one()
    {
        var (model, pooled, rhythm) = Make();
        var before = Logits(model, pooled, rhythm);

        Perturb(model.headHidden!);
        var sharedMoved = Logits(model, pooled, rhythm);
        Assert.All(Cells(before, sharedMoved), c => Assert.Equal(c.Label == 1, c.Before == c.After));

        Perturb(model.ownHidden!);
        var ownMoved = Logits(model, pooled, rhythm);
        Assert.All(Cells(sharedMoved, ownMoved), c => Assert.Equal(c.Label != 1, c.Before == c.After));
    }

    [Fact]
    public void Own_layer_heads_need_a_hidden_width_and_valid_indices()
    {
        var cfg = CgDmerConfig.Tiny;
        var enc = new CgDmerModel(cfg, 40).ecgEncoder;
        Assert.Throws<ArgumentException>(() => new FindingsModel(enc, 3, cfg.Dim, headHidden: 0, ownLayerHeads: [1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FindingsModel(enc, 3, cfg.Dim, headHidden: 8, ownLayerHeads: [1], ownHiddenWidth: -1));
        Assert.Throws<ArgumentException>(() => new FindingsModel(enc, 3, cfg.Dim, headHidden: 8, ownLayerHeads: [3]));
        Assert.Throws<ArgumentException>(() => new FindingsModel(enc, 3, cfg.Dim, headHidden: 8, ownLayerHeads: [1, 1]));
    }

    [Fact]
    public void Own_layer_heads_beside_linear_heads_take_their_own_width()
    {
        var cfg = CgDmerConfig.Tiny;
        var model = new FindingsModel(new CgDmerModel(cfg, 40).ecgEncoder, 3, cfg.Dim, rhythmFeatures: 4, ownLayerHeads: [2], ownHiddenWidth: 6);
        Assert.Null(model.headHidden);
        Assert.Equal(6, model.OwnHiddenWidth);
        Assert.Equal(new long[] { 6, cfg.Dim + FindingsModel.RhythmHidden }, model.ownHidden!.weight!.shape);
        var widthOfShared = new FindingsModel(new CgDmerModel(cfg, 40).ecgEncoder, 3, cfg.Dim, headHidden: 8, ownLayerHeads: [2]);
        Assert.Equal(8, widthOfShared.OwnHiddenWidth);
    }
}
