using CGDmer.Signal;
using CGDmer.Model.Text;
using CGDmer.Trainer.Data;
using CGDmer.Trainer.Training;
using TorchSharp;
using Xunit.Abstractions;

namespace CGDmer.Trainer.Tests;

public class PretrainingTests(ITestOutputHelper output)
{
    [Fact]
    public void Tiny_pretraining_lowers_every_loss_term()
    {
        torch.set_num_threads(2);
        var cfg = CgDmerConfig.Tiny;
        var set = TestData.Synthetic(96, cfg);
        var tok = ReportTokenizer.Build(set.Reports);
        var (_, state) = new Pretrainer(new PretrainOptions { Epochs = 20, BatchSize = 32, LearningRate = 3e-3, Seed = 3 })
            .Run(cfg, tok, set, set.AllIndices(), "test");
        var h = state.History;
        Assert.Equal(60, h.Count);
        double First(Func<StepRecord, double> f) => h.Take(6).Average(f);
        double Last(Func<StepRecord, double> f) => h.TakeLast(6).Average(f);
        foreach (var (name, f) in new (string, Func<StepRecord, double>)[]
                 { ("masked", r => r.Masked), ("contrastive", r => r.Contrastive), ("disentangle", r => r.Disentangle), ("total", r => r.Total) })
        {
            output.WriteLine($"{name}: {First(f):F4} → {Last(f):F4}");
            Assert.True(Last(f) < First(f), $"{name} did not decrease: {First(f)} → {Last(f)}");
        }
        // The contrastive term must beat chance (ln 32 for a batch of 32) by the end, i.e. ECG and report really align.
        Assert.True(Last(r => r.Contrastive) < Math.Log(32) - 0.3, $"contrastive {Last(r => r.Contrastive)} vs chance {Math.Log(32)}");
    }

    [Fact]
    public void Ablation_presets_train_only_their_arms()
    {
        var cfg = CgDmerConfig.Tiny;
        var set = TestData.Synthetic(32, cfg);
        var tok = ReportTokenizer.Build(set.Reports);
        var (_, masked) = new Pretrainer(new PretrainOptions { Epochs = 1, BatchSize = 16, Objective = "masked-only" }).Run(cfg, tok, set, set.AllIndices(), "t");
        Assert.All(masked.History, r => { Assert.Equal(0, r.Contrastive); Assert.True(r.Masked > 0); });
        var (_, contrastive) = new Pretrainer(new PretrainOptions { Epochs = 1, BatchSize = 16, Objective = "contrastive-only" }).Run(cfg, tok, set, set.AllIndices(), "t");
        Assert.All(contrastive.History, r => { Assert.Equal(0, r.Masked); Assert.True(r.Contrastive > 0); });
        Assert.Throws<ArgumentException>(() => ObjectiveWeights.ForAblation("bogus"));
    }

    [Fact]
    public void Resuming_from_a_checkpoint_gives_the_same_model_as_training_straight_through()
    {
        torch.set_num_threads(1);
        var cfg = CgDmerConfig.Tiny;
        var set = TestData.Synthetic(64, cfg);
        var tok = ReportTokenizer.Build(set.Reports);
        string dir = Path.Combine(Path.GetTempPath(), "cgdmer-resume-" + Guid.NewGuid().ToString("N"));
        try
        {
            var o = new PretrainOptions { Epochs = 2, BatchSize = 16, Seed = 5 };
            var (straight, s1) = new Pretrainer(o).Run(cfg, tok, set, set.AllIndices(), "t");
            // Interrupt the same run just after its first epoch's checkpoint.
            using var cts = new CancellationTokenSource();
            Assert.Throws<OperationCanceledException>(() => new Pretrainer(o with { CheckpointDir = dir })
                .Run(cfg, tok, set, set.AllIndices(), "t", p => { if (p.Step == 4) cts.Cancel(); }, cts.Token));
            var (resumed, s2) = new Pretrainer(o with { CheckpointDir = dir, Resume = true }).Run(cfg, tok, set, set.AllIndices(), "t");
            Assert.Equal(s1.Step, s2.Step);
            Assert.Equal(s1.History.Select(h => h.Total), s2.History.Select(h => h.Total));
            var a = straight.parameters().Select(p => p.data<float>().ToArray()).ToList();
            var b = resumed.parameters().Select(p => p.data<float>().ToArray()).ToList();
            for (int i = 0; i < a.Count; i++) Assert.Equal(a[i], b[i]);
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    /// <summary>32 synthetic windows with reports and 32 one-lead recordings without, and the reports' tokenizer.</summary>
    private static (WindowSet Set, ReportTokenizer Tokenizer) WithAndWithoutReports(CgDmerConfig cfg)
    {
        var set = TestData.Synthetic(32, cfg);
        var rng = new Random(11);
        for (int k = 0; k < 32; k++)
        {
            var rows = new float[]?[Leads.Count];
            rows[(int)Lead.II] = Enumerable.Range(0, cfg.WindowSamples).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
            set.Add(rows, [EcgLabels.SinusRhythm], "", $"recording-{k}", "mitbih");
        }
        return (set, ReportTokenizer.Build(set.Reports.Where(r => r.Length > 0).ToList()));
    }

    [Fact]
    public void Report_repeats_add_contrastive_steps_and_resume_exactly()
    {
        torch.set_num_threads(1);
        var cfg = CgDmerConfig.Tiny;
        var (set, tok) = WithAndWithoutReports(cfg);
        var o = new PretrainOptions { Epochs = 2, BatchSize = 8, Seed = 3 };
        var (_, once) = new Pretrainer(o).Run(cfg, tok, set, set.AllIndices(), "t");
        var (thrice, s1) = new Pretrainer(o with { ReportRepeats = 3 }).Run(cfg, tok, set, set.AllIndices(), "t");
        int ContrastiveSteps(TrainingState s) => s.History.Count(h => h.Contrastive > 0);
        int MaskedOnlySteps(TrainingState s) => s.History.Count(h => h.Contrastive == 0);
        // The report windows' batches come twice more per epoch; the others as often as before.
        Assert.Equal(3 * ContrastiveSteps(once), ContrastiveSteps(s1));
        Assert.Equal(MaskedOnlySteps(once), MaskedOnlySteps(s1));
        Assert.Equal(s1.TotalSteps, s1.History.Count);

        string dir = Path.Combine(Path.GetTempPath(), "cgdmer-resume-repeats-" + Guid.NewGuid().ToString("N"));
        try
        {
            int perEpoch = s1.History.Count / 2;
            using var cts = new CancellationTokenSource();
            Assert.Throws<OperationCanceledException>(() => new Pretrainer(o with { ReportRepeats = 3, CheckpointDir = dir })
                .Run(cfg, tok, set, set.AllIndices(), "t", p => { if (p.Step == perEpoch) cts.Cancel(); }, cts.Token));
            var (resumed, s2) = new Pretrainer(o with { ReportRepeats = 3, CheckpointDir = dir, Resume = true }).Run(cfg, tok, set, set.AllIndices(), "t");
            Assert.Equal(s1.History.Select(h => h.Total), s2.History.Select(h => h.Total));
            var a = thrice.parameters().Select(p => p.data<float>().ToArray()).ToList();
            var b = resumed.parameters().Select(p => p.data<float>().ToArray()).ToList();
            for (int i = 0; i < a.Count; i++) Assert.Equal(a[i], b[i]);
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    /// <summary>
    /// As the real recipe mixes them: windows with a report (every arm trains) and recordings without (the masked arm
    /// only, so the report arm's parameters get no gradient in those steps). A resumed run must still be the same run.
    /// </summary>
    [Fact]
    public void Resuming_with_steps_that_train_the_masked_arm_only_gives_the_same_model()
    {
        torch.set_num_threads(1);
        var cfg = CgDmerConfig.Tiny;
        var (set, tok) = WithAndWithoutReports(cfg);
        string dir = Path.Combine(Path.GetTempPath(), "cgdmer-resume-mixed-" + Guid.NewGuid().ToString("N"));
        try
        {
            var o = new PretrainOptions { Epochs = 3, BatchSize = 8, Seed = 3 };
            var (straight, s1) = new Pretrainer(o).Run(cfg, tok, set, set.AllIndices(), "t");
            // Epoch 0 (steps 1-8) trained both arms; with this seed epoch 1 opens with a masked-only step, the case in
            // which the report arm's parameters hold a zero gradient straight through but none after a reload.
            Assert.Contains(s1.History.Take(8), h => h.Contrastive > 0);
            Assert.Equal(0, s1.History[8].Contrastive);
            using var cts = new CancellationTokenSource();
            Assert.Throws<OperationCanceledException>(() => new Pretrainer(o with { CheckpointDir = dir })
                .Run(cfg, tok, set, set.AllIndices(), "t", p => { if (p.Step == 8) cts.Cancel(); }, cts.Token));
            var (resumed, s2) = new Pretrainer(o with { CheckpointDir = dir, Resume = true }).Run(cfg, tok, set, set.AllIndices(), "t");
            Assert.Equal(s1.History.Select(h => h.Total), s2.History.Select(h => h.Total));
            var a = straight.parameters().Select(p => p.data<float>().ToArray()).ToList();
            var b = resumed.parameters().Select(p => p.data<float>().ToArray()).ToList();
            for (int i = 0; i < a.Count; i++) Assert.Equal(a[i], b[i]);
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }
}
