using CGDmer.Model;
using CGDmer.Model.Layers;
using CGDmer.Trainer.Data;
using CGDmer.Signal;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CGDmer.Trainer.Training;

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
    /// <summary>Width of the heads' shared GELU layer (<see cref="FindingsModel.HeadHiddenWidth"/>); 0: linear heads.</summary>
    public int HeadHidden { get; init; }
    /// <summary>
    /// How many times each training window of a source is seen per epoch (source name → count, at least 1; sources not
    /// named: once; the names are <see cref="Data.WindowSources"/>). Why: batches are lead-homogeneous
    /// (<see cref="Data.BatchPlan"/>), so a loss weight would cancel in each batch's mean; repeating a source's windows
    /// gives it more steps instead.
    /// </summary>
    public Dictionary<string, int>? SourceRepeats { get; init; }
    /// <summary>
    /// Fine-tuning only: the encoder's learning rate as a share of the heads' (0 &lt; scale ≤ 1). Below 1 the heads can
    /// train for more epochs while the pretrained encoder, which saw every source unlabelled, moves less towards the
    /// source with the most labelled windows.
    /// </summary>
    public double EncoderLearningRateScale { get; init; } = 1;
    /// <summary>
    /// Labels whose heads read a hidden layer of their own (of <see cref="HeadHidden"/>'s width) instead of the shared one,
    /// so that what they learn does not shape the layer the other findings read (<see cref="FindingsModel.OwnLayerHeads"/>).
    /// </summary>
    public List<string>? OwnLayerLabels { get; init; }
    /// <summary>Width of the own-layer heads' hidden layer (0: <see cref="HeadHidden"/>'s).</summary>
    public int OwnLayerWidth { get; init; }
    /// <summary>
    /// How the own-layer heads train: <see cref="OwnLayerWithEncoder"/> (together with the encoder and the other heads) or
    /// <see cref="OwnLayerOnFrozenModel"/> (afterwards, on the trained model held fixed: every other head's output stays
    /// exactly what the recipe without them gives, so a finding the service publishes cannot move with them).
    /// </summary>
    public string OwnLayerTraining { get; init; } = OwnLayerWithEncoder;
    /// <summary><see cref="OwnLayerOnFrozenModel"/> only: epochs over the training windows' head inputs.</summary>
    public int OwnLayerEpochs { get; init; } = 20;

    public const string OwnLayerWithEncoder = "withEncoder", OwnLayerOnFrozenModel = "onFrozenModel";
    /// <summary>
    /// Fine-tuning only: the model keeps the mean of its weights at the ends of the last this many epochs (0 or 1: the
    /// last weights). Averaging along the end of the trajectory is a cheap ensemble: the seeds of one recipe disagreed
    /// most on the patients none of them saw, and the mean weights cost nothing at inference.
    /// </summary>
    public int AverageLastEpochs { get; init; }
    /// <summary>
    /// The rhythm layer also reads whether a window is a bedside (Holter) recording (<see cref="FindingsModel.BedsideContext"/>).
    /// Handheld CinC windows dominate the labelled windows; with the context the heads can fit their label boundaries
    /// without moving the bedside windows' with them. The export runs the model as at the bedside.
    /// </summary>
    public bool BedsideContext { get; init; }

    /// <summary>
    /// Fine-tuning only: a handheld (CinC 2017) recording's label is scored on the recording, not on each of its windows.
    /// Its label says what the whole recording shows, and an "other rhythm" may be a few ectopic beats in one window, so
    /// every window of such a recording labelled "other" teaches the model that plain windows are abnormal. With this, the
    /// windows of a recording in a batch are pooled per label before the loss: sinus rhythm by a soft minimum (the
    /// recording is sinus only if every window is), every other label by a soft maximum (one window can show it). Bedside
    /// windows keep their own labels (annotated beat by beat). Batches keep each recording's windows together.
    /// </summary>
    public bool PoolHandheldRecordings { get; init; }

    /// <summary>The context columns the findings model reads (<see cref="FindingsModel.RecordingContextCount"/>).</summary>
    public int RecordingContexts => BedsideContext ? 1 : 0;

    /// <summary>The heads (indices into <paramref name="headKeys"/>) of <see cref="OwnLayerLabels"/> that are among them.</summary>
    public int[] OwnLayerHeads(IReadOnlyList<string> headKeys)
    {
        var keys = headKeys.ToList();
        return (OwnLayerLabels ?? []).Select(k => keys.IndexOf(k)).Where(i => i >= 0).ToArray();
    }

    /// <summary>The most repeats of one source's windows that a config may ask for.</summary>
    public const int MaxSourceRepeats = 20;
}

public readonly record struct ProbeProgress(int Step, int TotalSteps, double Loss);

/// <summary>
/// Trains the classification heads of a <see cref="FindingsModel"/> on labelled windows. The loss covers only the labels a
/// window's source annotates (<see cref="WindowSet.KnownVector"/>), so sources that label different things train one
/// model. When the set carries rhythm features the heads get them too (<see cref="FindingsModel"/>).
/// </summary>
public static class Prober
{
    /// <param name="labelColumns">Which columns of the set's label vector the heads predict, in head order.</param>
    public static FindingsModel Train(CgDmerModel pretrained, WindowSet data, int[] train, int[] labelColumns, ProbeOptions o,
        Action<ProbeProgress>? progress = null)
    {
        torch.manual_seed(o.Seed);
        train = WithSourceRepeats(data, train, o.SourceRepeats);
        var cfg = pretrained.Config;
        int f = data.RhythmFeatureCount, c = labelColumns.Length, ctx = f > 0 ? o.RecordingContexts : 0, fc = f + ctx;
        var ownHeads = o.OwnLayerHeads(labelColumns.Select(col => data.Labels[col].Key).ToList());
        bool ownLayerAfterwards = o.OwnLayerTraining == ProbeOptions.OwnLayerOnFrozenModel && ownHeads.Length > 0;
        var model = new FindingsModel(pretrained.ecgEncoder, c, cfg.Dim, pretrained.ecgShared, rhythmFeatures: f, headHidden: o.HeadHidden,
            ownLayerHeads: ownLayerAfterwards ? null : ownHeads, recordingContexts: ctx, ownHiddenWidth: o.OwnLayerWidth);
        var (targets, known) = LabelMatrix(data, train, labelColumns);
        using var pw = tensor(PositiveWeights(targets, known, train.Length, c));
        if (o.Mode == "linear")
        {
            var emb = Embedder.Embed(pretrained.ecgEncoder, data, train, cfg.Dim);
            using var x = tensor(emb, [train.Length, cfg.Dim]);
            using var r = f > 0 ? tensor(RhythmMatrix(data, train, ctx), [train.Length, fc]) : null;
            using var y = tensor(targets, [train.Length, c]);
            using var k = tensor(known, [train.Length, c]);
            var opt = new AdamW(SplitParameters(model).Heads, 1e-2, o.WeightDecay);
            for (int it = 0; it < o.LinearIterations; it++)
            {
                using var scope = NewDisposeScope();
                opt.zero_grad();
                var loss = MaskedLoss(model.HeadLogits(x, r), y, k, pw);
                loss.backward();
                opt.step();
                if (it % 50 == 0 || it == o.LinearIterations - 1) progress?.Invoke(new ProbeProgress(it + 1, o.LinearIterations, loss.item<float>()));
            }
        }
        else if (o.Mode == "finetune")
        {
            model.train();
            var (opt, groupScales) = FineTuneOptimizer(model, o);
            var ecg = new float[o.BatchSize * data.WindowStride];
            var mask = new float[o.BatchSize * Leads.Count];
            var lab = new float[o.BatchSize * data.Labels.Count];
            var kn = new float[o.BatchSize * data.Labels.Count];
            var rhythm = new float[o.BatchSize * fc];
            var y = new float[o.BatchSize * c];
            var yk = new float[o.BatchSize * c];
            int total = o.Epochs * Math.Max(1, train.Length / o.BatchSize), step = 0;
            int sinusHead = Array.FindIndex(labelColumns, col => data.Labels[col].Key == EcgLabels.SinusRhythm.Key);
            using var average = o.AverageLastEpochs > 1 ? new WeightAverage(model) : null;
            for (int epoch = 0; epoch < o.Epochs; epoch++)
            {
                var rng = new Random(o.Seed * 31 + epoch);
                foreach (var batchIdx in BatchPlan.Make(data, train, o.BatchSize, rng, o.PoolHandheldRecordings))
                {
                    data.CopyBatch(batchIdx, ecg, mask, lab);
                    data.CopyAnnotation(batchIdx, kn);
                    data.CopyRhythm(batchIdx, rhythm, ctx);
                    FlipHandheldPolarity(data, batchIdx, ecg, rng);
                    for (int b = 0; b < o.BatchSize; b++)
                        for (int j = 0; j < c; j++)
                        {
                            y[b * c + j] = lab[b * data.Labels.Count + labelColumns[j]];
                            yk[b * c + j] = kn[b * data.Labels.Count + labelColumns[j]];
                        }
                    using var scope = NewDisposeScope();
                    var (e, m, ids) = LeadSubset.Compact(tensor(ecg, [o.BatchSize, Leads.Count, data.WindowSamples]),
                        tensor(mask, [o.BatchSize, Leads.Count]), mask);
                    // Lr: linear warm-up over the first epoch's first 5 %, then cosine to 5 %.
                    double lr = Pretrainer.LearningRateAt(step, total, new PretrainOptions { LearningRate = o.LearningRate });
                    int group = 0;
                    foreach (var g in opt.ParamGroups) g.LearningRate = lr * groupScales[group++];
                    opt.zero_grad();
                    var logits = model.Logits(e, m, ids, f > 0 ? tensor(rhythm, [o.BatchSize, fc]) : null);
                    var loss = o.PoolHandheldRecordings
                        ? RecordingLoss(logits, data, batchIdx, y, yk, c, sinusHead, pw)
                        : MaskedLoss(logits, tensor(y, [o.BatchSize, c]), tensor(yk, [o.BatchSize, c]), pw);
                    loss.backward();
                    nn.utils.clip_grad_norm_(model.parameters(), 1.0);
                    opt.step();
                    progress?.Invoke(new ProbeProgress(++step, total, loss.item<float>()));
                }
                if (average is not null && epoch >= o.Epochs - o.AverageLastEpochs) average.Add(model);
            }
            average?.CopyTo(model);
        }
        else throw new ArgumentException($"Unknown probe mode '{o.Mode}'. Use linear or finetune.");
        model.eval();
        return ownLayerAfterwards ? TrainOwnLayerOnFrozenModel(model, data, train, labelColumns, ownHeads, o, progress) : model;
    }

    /// <summary>
    /// The trained model with the own-layer heads added and trained on it held fixed
    /// (<see cref="ProbeOptions.OwnLayerOnFrozenModel"/>): the heads' inputs are computed once, without augmentation, and
    /// only the own layer and its heads learn, so every other output equals <paramref name="trained"/>'s.
    /// </summary>
    internal static FindingsModel TrainOwnLayerOnFrozenModel(FindingsModel trained, WindowSet data, int[] train, int[] labelColumns,
        int[] ownHeads, ProbeOptions o, Action<ProbeProgress>? progress = null)
    {
        const int BatchSize = 256;
        torch.manual_seed(o.Seed);
        int dim = trained.encoder.Config.Dim, f = trained.RhythmFeatureCount, ctx = trained.RecordingContextCount;
        var model = new FindingsModel(trained.encoder, labelColumns.Length, dim, trained.sharedProjection, rhythmFeatures: f,
            headHidden: o.HeadHidden, ownLayerHeads: ownHeads, recordingContexts: ctx, ownHiddenWidth: o.OwnLayerWidth);
        var (missing, unexpected) = model.load_state_dict(trained.state_dict(), strict: false);
        if (unexpected.Count > 0 || missing.Any(k => !k.StartsWith("ownHidden.", StringComparison.Ordinal) && !k.StartsWith("ownHead.", StringComparison.Ordinal)))
            throw new InvalidOperationException($"The trained model's weights do not fit the model with own-layer heads (missing: {string.Join(", ", missing)}; unexpected: {string.Join(", ", unexpected)}).");
        model.eval();

        int n = train.Length, k = ownHeads.Length;
        using var input = HeadInputs(model, data, train);
        var (targets, known) = LabelMatrix(data, train, ownHeads.Select(h => labelColumns[h]).ToArray());
        using var y = tensor(targets, [n, k]);
        using var yk = tensor(known, [n, k]);
        using var pw = tensor(PositiveWeights(targets, known, n, k));
        var parameters = model.ownHidden!.parameters().Concat(model.ownHead!.parameters()).ToList();
        var opt = new AdamW(parameters, o.LearningRate, o.WeightDecay);
        var order = Enumerable.Range(0, n).ToArray();
        int perEpoch = (n + BatchSize - 1) / BatchSize, total = o.OwnLayerEpochs * perEpoch, step = 0;
        for (int epoch = 0; epoch < o.OwnLayerEpochs; epoch++)
        {
            new Random(o.Seed * 31 + 1000 + epoch).Shuffle(order);
            for (int start = 0; start < n; start += BatchSize)
            {
                using var scope = NewDisposeScope();
                var rows = tensor(order.AsSpan(start, Math.Min(BatchSize, n - start)).ToArray().Select(i => (long)i).ToArray());
                double lr = Pretrainer.LearningRateAt(step, total, new PretrainOptions { LearningRate = o.LearningRate });
                foreach (var g in opt.ParamGroups) g.LearningRate = lr;
                opt.zero_grad();
                var loss = MaskedLoss(model.OwnHeadLogits(input.index_select(0, rows)), y.index_select(0, rows), yk.index_select(0, rows), pw);
                loss.backward();
                opt.step();
                progress?.Invoke(new ProbeProgress(++step, total, loss.item<float>()));
            }
        }
        model.eval();
        return model;
    }

    /// <summary>What the heads read for each window [indices.Length × head input], from the model held fixed.</summary>
    private static Tensor HeadInputs(FindingsModel model, WindowSet data, int[] indices)
    {
        int dim = model.encoder.Config.Dim, f = model.RhythmFeatureCount, ctx = model.RecordingContextCount;
        var emb = Embedder.Embed(model.encoder, data, indices, dim);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var r = f > 0 ? tensor(RhythmMatrix(data, indices, ctx), [indices.Length, f + ctx]) : null;
        return model.HeadInput(tensor(emb, [indices.Length, dim]), r).detach().MoveToOuterDisposeScope();
    }

    /// <summary>The running mean of a model's parameters over the snapshots added (<see cref="ProbeOptions.AverageLastEpochs"/>).</summary>
    internal sealed class WeightAverage : IDisposable
    {
        private readonly List<Tensor> _sums;
        private int _count;

        public WeightAverage(nn.Module model)
        {
            using var _ = no_grad();
            _sums = model.parameters().Select(p => zeros_like(p, dtype: float64).DetachFromDisposeScope()).ToList();
        }

        public int Count => _count;

        public void Add(nn.Module model)
        {
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            int i = 0;
            foreach (var p in model.parameters()) _sums[i++].add_(p.to(float64), Scalars.One);
            _count++;
        }

        /// <summary>Sets the model's parameters to the mean of the snapshots (in double, then cast to their type).</summary>
        public void CopyTo(nn.Module model)
        {
            if (_count == 0) throw new InvalidOperationException("no weights were added to the average");
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            using var count = _count.ToScalar();
            int i = 0;
            foreach (var p in model.parameters()) p.copy_(_sums[i++].div(count).to(p.dtype));
        }

        public void Dispose()
        {
            foreach (var t in _sums) t.Dispose();
        }
    }

    /// <summary>
    /// The fine-tuning optimiser: the encoder's parameters in the first group, everything else (heads, rhythm branch) in
    /// the second; each group's learning rate is the schedule's times its scale (<see cref="ProbeOptions.EncoderLearningRateScale"/>, 1).
    /// </summary>
    internal static (AdamW Optimizer, double[] Scales) FineTuneOptimizer(FindingsModel model, ProbeOptions o)
    {
        var (encoder, heads) = SplitParameters(model);
        var groups = new[]
        {
            new AdamW.ParamGroup(encoder, lr: o.LearningRate * o.EncoderLearningRateScale, weight_decay: o.WeightDecay),
            new AdamW.ParamGroup(heads, lr: o.LearningRate, weight_decay: o.WeightDecay),
        };
        return (new AdamW(groups, o.LearningRate, o.WeightDecay), [o.EncoderLearningRateScale, 1]);
    }

    /// <summary>
    /// The encoder's parameters and everything else (the heads, their hidden layers, the rhythm branch; the zero-shot
    /// projection, which the loss does not reach, so the optimiser leaves it as it is).
    /// </summary>
    private static (List<Parameter> Encoder, List<Parameter> Heads) SplitParameters(FindingsModel model)
    {
        var encoder = new List<Parameter>();
        var heads = new List<Parameter>();
        foreach (var (name, p) in model.named_parameters())
            (name.StartsWith("encoder.", StringComparison.Ordinal) ? encoder : heads).Add(p);
        return (encoder, heads);
    }

    /// <summary>
    /// <paramref name="train"/> with each window of a source named in <paramref name="repeats"/> that many times, in the
    /// order given (each repeat right after its window); the same array when nothing is repeated.
    /// </summary>
    internal static int[] WithSourceRepeats(WindowSet data, int[] train, IReadOnlyDictionary<string, int>? repeats)
    {
        if (repeats is null || repeats.Values.All(n => n == 1)) return train;
        var expanded = new List<int>(train.Length);
        foreach (int i in train)
        {
            int n = repeats.TryGetValue(data.Sources[i], out int k) ? k : 1;
            for (int r = 0; r < n; r++) expanded.Add(i);
        }
        return expanded.ToArray();
    }

    /// <summary>
    /// Inverts each handheld (CinC 2017) window with probability ½: the device is held either way round, so its single lead
    /// comes in both polarities, and the model must not read rhythm from polarity. Monitor and Holter leads keep theirs,
    /// which carries morphology (bundle branch blocks, ectopy).
    /// </summary>
    private static void FlipHandheldPolarity(WindowSet data, int[] batch, float[] ecg, Random rng)
    {
        for (int b = 0; b < batch.Length; b++)
        {
            if (data.Sources[batch[b]] != WindowSources.Cinc2017 || rng.NextDouble() >= 0.5) continue;
            foreach (ref float v in ecg.AsSpan(b * data.WindowStride, data.WindowStride)) v = -v;
        }
    }

    /// <summary>
    /// <see cref="MaskedLoss"/> over recordings (<see cref="ProbeOptions.PoolHandheldRecordings"/>): consecutive rows of
    /// <paramref name="batch"/> from one handheld recording form one bag, every other row a bag of its own. A bag's logit
    /// per label is the log of the mean of its windows' exp(logit) (a soft maximum), and for the sinus head
    /// (<paramref name="sinusHead"/>, −1: none) minus that of the negated logits (a soft minimum); a bag of one window
    /// keeps its logit. Targets and the annotated mask are the bag's first window's (a recording's are all the same).
    /// </summary>
    internal static Tensor RecordingLoss(Tensor logits, WindowSet data, int[] batch, float[] y, float[] known, int labels, int sinusHead, Tensor posWeight)
    {
        int n = batch.Length;
        var bagOf = new long[n];
        var firstRows = new List<int>();
        for (int b = 0; b < n; b++)
        {
            bool continues = b > 0 && WindowSources.HandheldRecordingOf(data, batch[b]) is { } recording
                             && recording == WindowSources.HandheldRecordingOf(data, batch[b - 1]);
            if (!continues) firstRows.Add(b);
            bagOf[b] = firstRows.Count - 1;
        }
        int bags = firstRows.Count;
        var membership = new float[bags * n];
        for (int b = 0; b < n; b++) membership[bagOf[b] * n + b] = 1;
        var by = new float[bags * labels];
        var bk = new float[bags * labels];
        for (int g = 0; g < bags; g++)
        {
            Array.Copy(y, firstRows[g] * labels, by, g * labels, labels);
            Array.Copy(known, firstRows[g] * labels, bk, g * labels, labels);
        }
        using var scope = NewDisposeScope();
        var member = tensor(membership, [bags, n]);
        var logCount = member.sum(1, keepdim: true).log();                                   // [bags, 1]
        var logMember = member.log().unsqueeze(-1);                                           // [bags, n, 1]: 0 or −∞
        var softMax = logits.unsqueeze(0).Plus(logMember).logsumexp(1) - logCount;           // [bags, labels]
        var pooled = softMax;
        if (sinusHead >= 0)
        {
            var softMin = (-(-logits).unsqueeze(0).Plus(logMember).logsumexp(1)).Plus(logCount);
            var isSinus = zeros(labels, dtype: ScalarType.Bool);
            isSinus[sinusHead] = tensor(true);
            pooled = where(isSinus, softMin, softMax);
        }
        return MaskedLoss(pooled, tensor(by, [bags, labels]), tensor(bk, [bags, labels]), posWeight).MoveToOuterDisposeScope();
    }

    /// <summary>Weighted BCE over the annotated entries only (mean over them).</summary>
    private static Tensor MaskedLoss(Tensor logits, Tensor y, Tensor known, Tensor posWeight)
    {
        var perEntry = nn.functional.binary_cross_entropy_with_logits(logits, y, pos_weights: posWeight, reduction: nn.Reduction.None);
        return Masks.MeanOfKept(perEntry, known);
    }

    /// <summary>Probabilities [indices.Length × L] from the findings model.</summary>
    public static float[] Predict(FindingsModel model, WindowSet data, int[] indices)
    {
        int labels = (int)model.head.weight!.shape[0], dim = model.encoder.Config.Dim, f = model.RhythmFeatureCount, ctx = model.RecordingContextCount;
        var emb = Embedder.Embed(model.encoder, data, indices, dim);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var r = f > 0 ? tensor(RhythmMatrix(data, indices, ctx), [indices.Length, f + ctx]) : null;
        var probs = sigmoid(model.HeadLogits(tensor(emb, [indices.Length, dim]), r));
        return probs.data<float>().ToArray();
    }

    /// <summary>Targets and annotated-mask [indices.Length × labelColumns.Length].</summary>
    public static (float[] Targets, float[] Known) LabelMatrix(WindowSet data, int[] indices, int[] labelColumns)
    {
        var y = new float[indices.Length * labelColumns.Length];
        var k = new float[indices.Length * labelColumns.Length];
        for (int n = 0; n < indices.Length; n++)
        {
            var v = data.LabelVector(indices[n]);
            var kv = data.KnownVector(indices[n]);
            for (int c = 0; c < labelColumns.Length; c++)
            {
                y[n * labelColumns.Length + c] = v[labelColumns[c]];
                k[n * labelColumns.Length + c] = kv[labelColumns[c]];
            }
        }
        return (y, k);
    }

    /// <summary>The windows' rhythm features, each row followed by <paramref name="contexts"/> context columns (<see cref="WindowSet.CopyRhythm"/>).</summary>
    public static float[] RhythmMatrix(WindowSet data, int[] indices, int contexts = 0)
    {
        var r = new float[indices.Length * (data.RhythmFeatureCount + contexts)];
        data.CopyRhythm(indices, r, contexts);
        return r;
    }

    /// <summary>neg/pos per label among annotated windows (capped), so rare findings such as VT are not drowned by sinus windows.</summary>
    private static float[] PositiveWeights(float[] y, float[] known, int n, int labels)
    {
        var w = new float[labels];
        for (int c = 0; c < labels; c++)
        {
            double pos = 0, annotated = 0;
            for (int k = 0; k < n; k++) { pos += y[k * labels + c]; annotated += known[k * labels + c]; }
            w[c] = (float)Math.Clamp((annotated - pos) / Math.Max(1, pos), 1, 50);
        }
        return w;
    }
}
