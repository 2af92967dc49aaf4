using CGDmer.Model;
using CGDmer.Signal;
using CGDmer.Trainer.Data;
using CGDmer.Trainer.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CGDmer.Trainer.Tests;

public class EncoderLearningRateTests
{
    private static readonly CgDmerConfig Tiny = TinyProbe.Config;

    private static CgDmerModel Pretrained(int seed = 7) => TinyProbe.Pretrained(seed);

    private static WindowSet Windows() => TinyProbe.Windows();

    private static int[] Columns(WindowSet set) => TinyProbe.Columns(set);

    private static float[] Flat(IEnumerable<Parameter> ps) => TinyProbe.Flat(ps);

    private static double Distance(float[] a, float[] b) => Math.Sqrt(a.Zip(b, (x, y) => (double)(x - y) * (x - y)).Sum());

    [Fact]
    public void The_encoder_is_the_first_group_and_the_heads_the_second()
    {
        var model = new FindingsModel(Pretrained().ecgEncoder, 3, Tiny.Dim, rhythmFeatures: 4, headHidden: 8);
        var (opt, scales) = Prober.FineTuneOptimizer(model, new ProbeOptions { EncoderLearningRateScale = 0.25 });

        var groups = opt.ParamGroups.Cast<ParamGroup>().ToList();
        Assert.Equal(2, groups.Count);
        Assert.Equal([0.25, 1.0], scales);
        Assert.Equal(model.encoder.parameters().Count(), groups[0].Parameters.Count());
        Assert.True(groups[0].Parameters.Any());
        int heads = model.head.parameters().Count() + model.headHidden!.parameters().Count() + model.rhythm!.parameters().Count();
        Assert.Equal(heads, groups[1].Parameters.Count());
    }

    [Fact]
    public void A_lower_scale_moves_the_encoder_less_while_the_heads_still_train()
    {
        var set = Windows();
        int[] train = Enumerable.Range(0, set.Count).ToArray();
        (double Encoder, double Heads) Moved(double scale)
        {
            var pre = Pretrained();
            var before = Flat(pre.ecgEncoder.parameters());
            var o = new ProbeOptions { Mode = "finetune", Epochs = 3, BatchSize = 4, LearningRate = 1e-2, EncoderLearningRateScale = scale };
            torch.manual_seed(11);
            var untrainedHeads = Flat(new FindingsModel(Pretrained().ecgEncoder, 2, Tiny.Dim).head.parameters());
            var model = Prober.Train(pre, set, train, Columns(set), o);
            return (Distance(before, Flat(model.encoder.parameters())), Distance(untrainedHeads, Flat(model.head.parameters())));
        }

        var full = Moved(1);
        var tenth = Moved(0.1);

        Assert.True(tenth.Encoder < 0.3 * full.Encoder, $"encoder moved {tenth.Encoder} at 0.1 against {full.Encoder} at 1");
        Assert.True(tenth.Heads > 0.3 * full.Heads, $"heads moved {tenth.Heads} at 0.1 against {full.Heads} at 1");
    }

    [Theory]
    [InlineData("finetune")]
    [InlineData("linear")]
    public void The_zero_shot_projection_which_the_loss_does_not_reach_is_left_as_it_is(string mode)
    {
        var set = Windows();
        var pre = Pretrained();
        var before = Flat(pre.ecgShared.parameters());
        var o = new ProbeOptions { Mode = mode, Epochs = 2, BatchSize = 4, LearningRate = 1e-2, WeightDecay = 0.1, LinearIterations = 20 };

        var model = Prober.Train(pre, set, Enumerable.Range(0, set.Count).ToArray(), Columns(set), o);

        Assert.Same(pre.ecgShared, model.sharedProjection);
        Assert.Equal(0, Distance(before, Flat(model.sharedProjection!.parameters())));
    }

    [Fact]
    public void At_scale_one_the_two_groups_step_as_the_single_optimiser_over_all_parameters_did()
    {
        // The recorded baseline runs fine-tuned with one AdamW over model.parameters(); the groups must not change them.
        var grouped = new FindingsModel(Pretrained().ecgEncoder, 2, Tiny.Dim);
        var single = new FindingsModel(Pretrained().ecgEncoder, 2, Tiny.Dim);
        var o = new ProbeOptions { LearningRate = 1e-2, WeightDecay = 1e-2 };
        var (groupedOpt, scales) = Prober.FineTuneOptimizer(grouped, o);
        var singleOpt = optim.AdamW(single.parameters(), o.LearningRate, weight_decay: o.WeightDecay);
        torch.manual_seed(5);
        using var ecg = randn(4, 1, Tiny.WindowSamples);
        using var mask = ones(4, 1);
        using var ids = tensor(new long[] { (long)Lead.II });
        using var target = tensor(new float[] { 1, 0, 0, 1, 1, 0, 0, 1 }, [4, 2]);
        for (int step = 0; step < 3; step++)
            foreach (var (model, opt) in new (FindingsModel, optim.Optimizer)[] { (grouped, groupedOpt), (single, singleOpt) })
            {
                using var scope = NewDisposeScope();
                int g = 0;
                foreach (var group in opt.ParamGroups) group.LearningRate = 1e-2 * (opt == groupedOpt ? scales[g++] : 1);
                opt.zero_grad();
                nn.functional.binary_cross_entropy_with_logits(model.Logits(ecg, mask, ids), target).backward();
                opt.step();
            }

        Assert.Equal(0, Distance(Flat(single.parameters()), Flat(grouped.parameters())));
        Assert.NotEqual(0, Distance(Flat(Pretrained().ecgEncoder.parameters()), Flat(grouped.encoder.parameters())));
    }
}
