using CGDmer.Model.Data;
using CGDmer.Signal;
using TorchSharp;
using static TorchSharp.torch;

namespace CGDmer.Model.Training;

public sealed record ProbeOptions
{
    /// <summary>"linear": heads on the frozen encoder's embeddings. "finetune": encoder and heads trained together.</summary>
    public string Mode { get; init; } = "linear";
    /// <summary>Fine-tuning only: epochs, batch size and learning rate of the encoder + heads.</summary>
    public int Epochs { get; init; } = 5;
    public int BatchSize { get; init; } = 64;
    public double LearningRate { get; init; } = 1e-3;
    public double WeightDecay { get; init; } = 1e-4;
    /// <summary>Linear probe only: full-batch AdamW steps (at lr 1e-2) on the frozen embeddings.</summary>
    public int LinearIterations { get; init; } = 500;
    public int Seed { get; init; } = 1;
}

public readonly record struct ProbeProgress(int Step, int TotalSteps, double Loss);

/// <summary>Trains the classification heads of a <see cref="FindingsModel"/> on labelled windows.</summary>
public static class Prober
{
    /// <param name="labelColumns">Which columns of the set's label vector the heads predict, in head order.</param>
    public static FindingsModel Train(CgDmerModel pretrained, WindowSet data, int[] train, int[] labelColumns, ProbeOptions o,
        Action<ProbeProgress>? progress = null)
    {
        torch.manual_seed(o.Seed);
        var cfg = pretrained.Config;
        var model = new FindingsModel(pretrained.ecgEncoder, labelColumns.Length, cfg.Dim, pretrained.ecgShared);
        var targets = LabelMatrix(data, train, labelColumns);
        var posWeight = PositiveWeights(targets, train.Length, labelColumns.Length);
        if (o.Mode == "linear")
        {
            var emb = Embedder.Embed(pretrained.ecgEncoder, data, train, cfg.Dim);
            using var x = tensor(emb, [train.Length, cfg.Dim]);
            using var y = tensor(targets, [train.Length, labelColumns.Length]);
            using var pw = tensor(posWeight);
            var opt = optim.AdamW(model.head.parameters(), 1e-2, weight_decay: o.WeightDecay);
            for (int it = 0; it < o.LinearIterations; it++)
            {
                using var scope = NewDisposeScope();
                opt.zero_grad();
                var loss = nn.functional.binary_cross_entropy_with_logits(model.head.forward(x), y, pos_weights: pw);
                loss.backward();
                opt.step();
                if (it % 50 == 0 || it == o.LinearIterations - 1) progress?.Invoke(new ProbeProgress(it + 1, o.LinearIterations, loss.item<float>()));
            }
        }
        else if (o.Mode == "finetune")
        {
            model.train();
            var opt = optim.AdamW(model.parameters(), o.LearningRate, weight_decay: o.WeightDecay);
            var ecg = new float[o.BatchSize * data.WindowStride];
            var mask = new float[o.BatchSize * Leads.Count];
            var lab = new float[o.BatchSize * data.Labels.Count];
            var y = new float[o.BatchSize * labelColumns.Length];
            using var pw = tensor(posWeight);
            int total = o.Epochs * Math.Max(1, train.Length / o.BatchSize), step = 0;
            for (int epoch = 0; epoch < o.Epochs; epoch++)
            {
                var rng = new Random(o.Seed * 31 + epoch);
                foreach (var batchIdx in BatchPlan.Make(data, train, o.BatchSize, rng))
                {
                    data.CopyBatch(batchIdx, ecg, mask, lab);
                    for (int b = 0; b < o.BatchSize; b++)
                        for (int c = 0; c < labelColumns.Length; c++)
                            y[b * labelColumns.Length + c] = lab[b * data.Labels.Count + labelColumns[c]];
                    using var scope = NewDisposeScope();
                    var (e, m, ids) = LeadSubset.Compact(tensor(ecg, [o.BatchSize, Leads.Count, data.WindowSamples]),
                        tensor(mask, [o.BatchSize, Leads.Count]), mask);
                    opt.zero_grad();
                    var logits = model.Logits(e, m, ids);
                    var loss = nn.functional.binary_cross_entropy_with_logits(logits, tensor(y, [o.BatchSize, labelColumns.Length]), pos_weights: pw);
                    loss.backward();
                    nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                    opt.step();
                    progress?.Invoke(new ProbeProgress(++step, total, loss.item<float>()));
                }
            }
        }
        else throw new ArgumentException($"Unknown probe mode '{o.Mode}'. Use linear or finetune.");
        model.eval();
        return model;
    }

    /// <summary>Probabilities [indices.Length × L] from the findings model.</summary>
    public static float[] Predict(FindingsModel model, WindowSet data, int[] indices)
    {
        int dim = (int)model.head.weight!.shape[1], labels = (int)model.head.weight!.shape[0];
        var emb = Embedder.Embed(model.encoder, data, indices, dim);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var probs = sigmoid(model.head.forward(tensor(emb, [indices.Length, dim])));
        return probs.data<float>().ToArray();
    }

    public static float[] LabelMatrix(WindowSet data, int[] indices, int[] labelColumns)
    {
        var y = new float[indices.Length * labelColumns.Length];
        for (int k = 0; k < indices.Length; k++)
        {
            var v = data.LabelVector(indices[k]);
            for (int c = 0; c < labelColumns.Length; c++) y[k * labelColumns.Length + c] = v[labelColumns[c]];
        }
        return y;
    }

    /// <summary>neg/pos per label (capped), so rare findings such as VT are not drowned by sinus windows.</summary>
    private static float[] PositiveWeights(float[] y, int n, int labels)
    {
        var w = new float[labels];
        for (int c = 0; c < labels; c++)
        {
            double pos = 0;
            for (int k = 0; k < n; k++) pos += y[k * labels + c];
            w[c] = (float)Math.Clamp((n - pos) / Math.Max(1, pos), 1, 50);
        }
        return w;
    }
}
