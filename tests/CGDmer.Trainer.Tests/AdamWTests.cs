using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using HeldScalarAdamW = CGDmer.Trainer.Training.AdamW;

namespace CGDmer.Trainer.Tests;

/// <summary>
/// The trainer's AdamW steps as TorchSharp's does, to the bit, and their state files are interchangeable: the recorded
/// runs, and checkpoints written before the change, stay reproducible.
/// </summary>
public class AdamWTests
{
    private sealed class Net : nn.Module
    {
        public readonly Linear first = nn.Linear(5, 4), second = nn.Linear(4, 2), unused = nn.Linear(2, 2);

        public Net(int seed) : base(nameof(Net))
        {
            RegisterComponents();
            using var _ = no_grad();
            var generator = new Random(seed);
            foreach (var p in parameters())
                p.copy_(tensor(Enumerable.Range(0, (int)p.numel()).Select(_ => (float)(generator.NextDouble() - 0.5)).ToArray(), p.shape));
        }
    }

    private static TorchSharp.Modules.AdamW.ParamGroup[] Groups(Net net) =>
    [
        new TorchSharp.Modules.AdamW.ParamGroup(net.first.parameters(), lr: 3e-2, weight_decay: 0.05),
        new TorchSharp.Modules.AdamW.ParamGroup(net.second.parameters().Concat(net.unused.parameters()), lr: 1e-2, weight_decay: 0.2),
    ];

    /// <summary>
    /// Steps with a learning rate changed before each, as the schedules do. The loss is elementwise (Σ c·p², so each
    /// gradient is 2·c·p to the bit) rather than through the layers: with a forward pass through them, two runs of
    /// TorchSharp's own AdamW on identical nets in one process differed in the last bit (the first against the second),
    /// which would make the comparison say nothing. The unused layer gets no gradient.
    /// </summary>
    private static void Train(Net net, optim.Optimizer opt, int steps, int offset = 0)
    {
        for (int s = offset; s < offset + steps; s++)
        {
            using var scope = NewDisposeScope();
            int g = 0;
            foreach (var group in opt.ParamGroups) group.LearningRate = (g++ + 1) * 1e-2 * (1 + Math.Cos(s));
            opt.zero_grad();
            var loss = zeros(1);
            foreach (var p in net.first.parameters().Concat(net.second.parameters()))
            {
                var c = tensor(Enumerable.Range(0, (int)p.numel()).Select(i => (float)Math.Sin(i * 0.7 + s)).ToArray(), p.shape);
                loss = loss + (p.square() * c).sum();
            }
            loss.backward();
            opt.step();
        }
    }

    private static byte[] Bits(IEnumerable<Tensor> tensors) =>
        tensors.SelectMany(t => t.data<float>().ToArray().SelectMany(BitConverter.GetBytes)).ToArray();

    private static byte[] StateBits(optim.Optimizer opt) =>
        ((OptimizerHelper)opt).state_dict().State.Cast<TorchSharp.Modules.AdamW.State>()
            .SelectMany(s => BitConverter.GetBytes(s.step).Concat(Bits([s.exp_avg, s.exp_avg_sq]))).ToArray();

    [Fact]
    public void It_steps_parameter_groups_as_TorchSharp_s_AdamW_to_the_bit()
    {
        var ours = new Net(3);
        var theirs = new Net(3);
        var ourOpt = new HeldScalarAdamW(Groups(ours), 1e-3, 0.01);
        var theirOpt = optim.AdamW(Groups(theirs), 1e-3, weight_decay: 0.01);

        Train(ours, ourOpt, 7);
        Train(theirs, theirOpt, 7);

        Assert.Equal(Bits(theirs.parameters()), Bits(ours.parameters()));
        Assert.Equal(StateBits(theirOpt), StateBits(ourOpt));
        Assert.NotEqual(Bits(new Net(3).parameters()), Bits(ours.parameters()));
        Assert.Equal(Bits(new Net(3).unused.parameters()), Bits(ours.unused.parameters()));   // no gradient: untouched
    }

    [Fact]
    public void It_steps_one_group_with_the_defaults_as_TorchSharp_s_AdamW_to_the_bit()
    {
        var ours = new Net(4);
        var theirs = new Net(4);
        var ourOpt = new HeldScalarAdamW(ours.parameters(), 2e-2, 0.1);
        var theirOpt = optim.AdamW(theirs.parameters(), 2e-2, weight_decay: 0.1);

        Train(ours, ourOpt, 5);
        Train(theirs, theirOpt, 5);

        Assert.Equal(Bits(theirs.parameters()), Bits(ours.parameters()));
    }

    [Fact]
    public void Its_state_file_and_TorchSharp_s_load_into_each_other_and_resume_alike()
    {
        string dir = Directory.CreateTempSubdirectory("adamw-").FullName;
        try
        {
            var a = new Net(5);
            var aOpt = new HeldScalarAdamW(Groups(a), 1e-3, 0.01);
            Train(a, aOpt, 3);
            aOpt.save_state_dict(Path.Combine(dir, "ours.bin"));

            var b = new Net(5);
            var bOpt = optim.AdamW(Groups(b), 1e-3, weight_decay: 0.01);
            Train(b, bOpt, 3);
            bOpt.save_state_dict(Path.Combine(dir, "theirs.bin"));
            Assert.Equal(File.ReadAllBytes(Path.Combine(dir, "theirs.bin")), File.ReadAllBytes(Path.Combine(dir, "ours.bin")));

            // Each resumes from the other's file, on copies of the parameters.
            var c = new Net(6);
            var d = new Net(6);
            using (no_grad())
            {
                foreach (var (to, from) in c.parameters().Zip(a.parameters())) to.copy_(from);
                foreach (var (to, from) in d.parameters().Zip(a.parameters())) to.copy_(from);
            }
            var cOpt = new HeldScalarAdamW(Groups(c), 1e-3, 0.01);
            cOpt.load_state_dict(Path.Combine(dir, "theirs.bin"));
            var dOpt = optim.AdamW(Groups(d), 1e-3, weight_decay: 0.01);
            dOpt.load_state_dict(Path.Combine(dir, "ours.bin"));
            Train(c, cOpt, 4, offset: 3);
            Train(d, dOpt, 4, offset: 3);
            Train(a, aOpt, 4, offset: 3);

            Assert.Equal(Bits(a.parameters()), Bits(c.parameters()));
            Assert.Equal(Bits(a.parameters()), Bits(d.parameters()));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void A_group_asking_for_AMSGrad_is_refused_by_name()
    {
        var net = new Net(7);
        var opt = new HeldScalarAdamW([new TorchSharp.Modules.AdamW.ParamGroup(net.parameters(), amsgrad: true)], 1e-3, 0.01);
        var e = Assert.Throws<NotSupportedException>(() => Train(net, opt, 1));
        Assert.Contains("AMSGrad", e.Message);
    }
}
