using CGDmer.Model;
using System.Diagnostics;
using System.Runtime.InteropServices;
using CGDmer.Trainer.Data;
using CGDmer.Model.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace CGDmer.Trainer.Training;

public sealed record PretrainOptions
{
    public int Epochs { get; init; } = 10;
    public int BatchSize { get; init; } = 64;
    public double LearningRate { get; init; } = 1e-3;
    public double WeightDecay { get; init; } = 0.05;
    public double WarmupFraction { get; init; } = 0.05;
    public double GradientClip { get; init; } = 1.0;
    public double MaskRatio { get; init; } = 0.5;
    public int Seed { get; init; } = 1;
    public string Objective { get; init; } = "full";
    /// <summary>Checkpoint folder; saved at the end of each epoch. Null: no checkpoints.</summary>
    public string? CheckpointDir { get; init; }
    /// <summary>Resume from <see cref="CheckpointDir"/> if a checkpoint is there.</summary>
    public bool Resume { get; init; }
    public int? MaxSteps { get; init; }
    /// <summary>
    /// How many times per epoch each window with a report is seen (at least 1). Only those windows train the ECG–report
    /// arm, and they are few beside the real recordings; each repeat is a plan of its own, so no batch holds a window
    /// twice (a contrastive batch must not hold a pair twice, which would make it its own negative).
    /// </summary>
    public int ReportRepeats { get; init; } = 1;
}

/// <summary>Progress of one optimisation step, for progress bars and logs.</summary>
public readonly record struct PretrainProgress(int Step, int TotalSteps, int Epoch, LossTerms Loss, double WindowsPerSecond);

/// <summary>
/// Self-supervised CG-DMER pretraining over a <see cref="WindowSet"/>: AdamW, linear warm-up then cosine decay,
/// gradient clipping, a fresh spatial-temporal mask per window per step, checkpoint each epoch, exact resume.
/// </summary>
public sealed class Pretrainer
{
    private readonly PretrainOptions _options;
    public Pretrainer(PretrainOptions options) => _options = options;

    public (CgDmerModel Model, TrainingState State) Run(CgDmerConfig config, ReportTokenizer tokenizer, WindowSet data, int[] trainIndices,
        string dataSummary, Action<PretrainProgress>? progress = null, CancellationToken cancellation = default)
    {
        var o = _options;
        var weights = ObjectiveWeights.ForAblation(o.Objective);
        torch.manual_seed(o.Seed);
        CgDmerModel model;
        TrainingState state;
        int[] reportIndices = o.ReportRepeats > 1 ? trainIndices.Where(data.HasReport).ToArray() : [];
        // A plan's batch count depends on the groups' sizes only, not on the shuffle.
        int stepsPerEpoch = Math.Max(1, trainIndices.Length / o.BatchSize)
                            + (o.ReportRepeats - 1) * (reportIndices.Length > 0 ? BatchPlan.Make(data, reportIndices, o.BatchSize, new Random(0)).Count : 0);
        int totalSteps = Math.Min(o.MaxSteps ?? int.MaxValue, stepsPerEpoch * o.Epochs);

        bool resuming = o.Resume && o.CheckpointDir is not null && Checkpoint.Exists(o.CheckpointDir);
        if (resuming)
        {
            (model, tokenizer, state) = Checkpoint.Load(o.CheckpointDir!);
            if (state.Objective != o.Objective)
                throw new InvalidOperationException($"Checkpoint in '{o.CheckpointDir}' was trained with objective '{state.Objective}', not '{o.Objective}'.");
        }
        else
        {
            model = new CgDmerModel(config, tokenizer.VocabularySize);
            state = new TrainingState { Config = config, Objective = o.Objective, Seed = o.Seed, TotalSteps = totalSteps, DataSummary = dataSummary };
        }
        model.train();
        var optimizer = new AdamW(model.parameters(), o.LearningRate, o.WeightDecay);
        if (resuming)
        {
            Checkpoint.LoadOptimizer(o.CheckpointDir!, optimizer);
            if (state.ParametersWithGradient is null && state.Step > 0)
                Console.Error.WriteLine($"warning: the checkpoint in '{o.CheckpointDir}' predates the list of parameters with a gradient; " +
                                        "the resumed run may differ from an uninterrupted one.");
            Checkpoint.RestoreGradients(model, state);
        }

        var masker = new SpatialTemporalMasker(Signal.Leads.Count, config.PatchesPerLead, o.MaskRatio);
        int b = o.BatchSize, s = config.WindowSamples, leads = Signal.Leads.Count, t = config.PatchesPerLead, l = config.TextMaxTokens;
        var ecgBuf = new float[b * leads * s];
        var maskBuf = new float[b * leads];
        var labelBuf = new float[b * data.Labels.Count];
        var hiddenBuf = new bool[b * leads * t];
        var tokenBuf = new long[b * l];
        var present = new bool[leads];

        // Reports are tokenized once; the same ids are reused every epoch.
        var reportIds = new long[data.Count * l];
        for (int i = 0; i < data.Count; i++) tokenizer.Encode(data.Reports[i], reportIds.AsSpan(i * l, l));

        int step = state.Step;
        var history = state.History;
        var sw = Stopwatch.StartNew();
        int windowsSinceTick = 0;
        for (int epoch = state.Epoch; epoch < o.Epochs && step < totalSteps; epoch++)
        {
            // Shuffle and masks depend on (seed, epoch) only, so a resumed run sees the same data order it would have.
            var rng = new Random(o.Seed * 7919 + epoch);
            var plan = BatchPlan.Make(data, trainIndices, b, rng);
            if (o.ReportRepeats > 1)
            {
                for (int r = 1; r < o.ReportRepeats; r++) plan.AddRange(BatchPlan.Make(data, reportIndices, b, rng));
                rng.Shuffle(CollectionsMarshal.AsSpan(plan));
            }
            int stepInEpoch = step - epoch * stepsPerEpoch;
            for (int k = Math.Max(0, stepInEpoch); k < Math.Min(stepsPerEpoch, plan.Count) && step < totalSteps; k++)
            {
                // An interrupted run resumes from the last end-of-epoch checkpoint.
                cancellation.ThrowIfCancellationRequested();
                var idx = plan[k].AsSpan();
                data.CopyBatch(idx, ecgBuf, maskBuf, labelBuf);
                for (int j = 0; j < b; j++)
                {
                    for (int q = 0; q < leads; q++) present[q] = maskBuf[j * leads + q] > 0.5f;
                    masker.Sample(present, hiddenBuf.AsSpan(j * leads * t, leads * t), rng);
                    reportIds.AsSpan(idx[j] * l, l).CopyTo(tokenBuf.AsSpan(j * l, l));
                }
                double lr = LearningRateAt(step, totalSteps, o);
                foreach (var g in optimizer.ParamGroups) g.LearningRate = lr;

                LossTerms terms;
                using (var scope = NewDisposeScope())
                {
                    var batch = LeadSubset.Compact(new PretrainBatch(
                        torch.tensor(ecgBuf, [b, leads, s]),
                        torch.tensor(maskBuf, [b, leads]),
                        torch.tensor(hiddenBuf, [b, leads, t]),
                        torch.tensor(tokenBuf, [b, l])), maskBuf);
                    optimizer.zero_grad();
                    // Windows without a report (real recordings) train the masked-modelling arm only.
                    var w = data.HasReport(idx[0]) ? weights : weights with { Contrastive = 0, Disentangle = 0 };
                    if (w.Masked == 0 && w.Contrastive == 0 && w.Disentangle == 0) { step++; continue; } // nothing this objective trains on
                    var (loss, t2) = CgDmerObjective.Compute(model, batch, w);
                    terms = t2;
                    loss.backward();
                    nn.utils.clip_grad_norm_(model.parameters(), o.GradientClip);
                    optimizer.step();
                }
                step++;
                windowsSinceTick += b;
                history.Add(new StepRecord(step, epoch, lr, terms.Total, terms.Masked, terms.Contrastive, terms.Disentangle));
                double wps = windowsSinceTick / Math.Max(1e-9, sw.Elapsed.TotalSeconds);
                progress?.Invoke(new PretrainProgress(step, totalSteps, epoch, terms, wps));
            }
            state = state with { Step = step, Epoch = epoch + 1, History = history, TotalSteps = totalSteps };
            if (o.CheckpointDir is not null) Checkpoint.Save(o.CheckpointDir, model, tokenizer, state, optimizer);
        }
        // Zero epochs is the "no pretraining" baseline: keep its (random) weights as a checkpoint for the probe.
        if (o.CheckpointDir is not null && !Checkpoint.Exists(o.CheckpointDir))
            Checkpoint.Save(o.CheckpointDir, model, tokenizer, state with { TotalSteps = totalSteps }, optimizer);
        model.eval();
        return (model, state with { Step = step, History = history });
    }

    internal static double LearningRateAt(int step, int totalSteps, PretrainOptions o)
    {
        int warm = Math.Max(1, (int)(o.WarmupFraction * totalSteps));
        if (step < warm) return o.LearningRate * (step + 1) / warm;
        double progress = (double)(step - warm) / Math.Max(1, totalSteps - warm);
        return o.LearningRate * (0.05 + 0.95 * 0.5 * (1 + Math.Cos(Math.PI * progress)));
    }
}
