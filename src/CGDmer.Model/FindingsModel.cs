using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CGDmer.Model;

/// <summary>
/// The inference model that is exported to ONNX: the pretrained ECG encoder and linear classification heads (one logit
/// per label, sigmoid: findings are not mutually exclusive), optionally a zero-shot head that scores the ECG's shared
/// projection against fixed text embeddings of label prompts.
/// </summary>
/// <remarks>
/// With <c>rhythmFeatures</c> &gt; 0 the heads also see the window's beat-interval features (the measure stage's beats,
/// <c>CGDmer.Signal.Beats.RhythmFeatures</c>) through a small GELU layer: the heads read
/// [pooled ECG embedding, rhythm embedding]. Without it the heads read the pooled embedding alone, as in contract v2.
/// With <c>headHidden</c> &gt; 0 the heads are one GELU layer of that width followed by the linear layer, so that a
/// finding can depend on the ECG embedding and the rhythm features together (irregular RR with or without P waves),
/// not only on their sum of logits. Heads listed in <c>ownLayerHeads</c> read the same input through a hidden layer of
/// their own (shared among them, <c>ownHiddenWidth</c> wide, by default <c>headHidden</c>), so that what they learn does not
/// shape the layer the other findings read; the shared heads may then be linear.
/// With <c>recordingContexts</c> &gt; 0 the rhythm layer also reads that many context columns after the features
/// (<see cref="BedsideContext"/>), set by the trainer from each window's source; the export fixes them at the bedside
/// values (<see cref="RhythmLayerAt"/>), so the exported graph and its contract do not change.
/// </remarks>
public sealed class FindingsModel : nn.Module
{
    /// <summary>Width of the rhythm branch's hidden layer.</summary>
    public const int RhythmHidden = 32;

    /// <summary>
    /// The recording context a bedside service runs in: context column 0 is 1 for a continuous bedside or Holter
    /// recording and 0 for any other (a handheld single-lead device, a synthetic resting 12-lead).
    /// </summary>
    public static ReadOnlySpan<float> BedsideContext => [1f];

    public readonly EcgEncoder encoder;
    /// <summary>The last layer: one logit per label.</summary>
    public readonly Linear head;
    /// <summary>The heads' shared hidden layer ahead of <see cref="head"/>; null when the heads are linear.</summary>
    public readonly Linear? headHidden;
    /// <summary>The hidden layer of the heads in <see cref="OwnLayerHeads"/>, and their last layer; null when there are none.</summary>
    public readonly Linear? ownHidden, ownHead;
    /// <summary>Beat-interval features → hidden layer; null in a model without rhythm input.</summary>
    public readonly Linear? rhythm;
    /// <summary>Optional: the ECG-shared projection and [L, E] normalised prompt embeddings for zero-shot scores.</summary>
    public readonly Projection? sharedProjection;
    /// <summary>Not a registered buffer: prompts are derived from the report encoder, not trained, and must not change
    /// the saved state of the heads.</summary>
    public Tensor? PromptEmbeddings { get; private set; }

    public FindingsModel(EcgEncoder encoder, int labelCount, int dim, Projection? sharedProjection = null, Tensor? promptEmbeddings = null,
        int rhythmFeatures = 0, int headHidden = 0, IReadOnlyList<int>? ownLayerHeads = null, int recordingContexts = 0, int ownHiddenWidth = 0)
        : base("findings")
    {
        ArgumentOutOfRangeException.ThrowIfNegative(headHidden);
        ArgumentOutOfRangeException.ThrowIfNegative(ownHiddenWidth);
        if (recordingContexts is < 0 or > 1)
            throw new ArgumentOutOfRangeException(nameof(recordingContexts), recordingContexts, "The only recording context is bedside or not (0 or 1 column).");
        if (recordingContexts > 0 && rhythmFeatures == 0)
            throw new ArgumentException("The recording context enters through the rhythm layer; this model has none.", nameof(recordingContexts));
        OwnLayerHeads = ownLayerHeads is { Count: > 0 } own ? [.. own] : [];
        OwnHiddenWidth = OwnLayerHeads.Count == 0 ? 0 : ownHiddenWidth > 0 ? ownHiddenWidth : headHidden;
        if (OwnLayerHeads.Count > 0 && OwnHiddenWidth == 0)
            throw new ArgumentException("Heads with a layer of their own need a hidden width (ownHiddenWidth or headHidden > 0).", nameof(ownLayerHeads));
        if (OwnLayerHeads.Any(h => h < 0 || h >= labelCount) || OwnLayerHeads.Distinct().Count() != OwnLayerHeads.Count)
            throw new ArgumentException($"Own-layer heads must be distinct head indices below {labelCount}.", nameof(ownLayerHeads));
        this.encoder = encoder;
        RhythmFeatureCount = rhythmFeatures;
        RecordingContextCount = recordingContexts;
        HeadHiddenWidth = headHidden;
        if (rhythmFeatures > 0) rhythm = nn.Linear(rhythmFeatures + recordingContexts, RhythmHidden);
        int headInput = dim + (rhythmFeatures > 0 ? RhythmHidden : 0);
        if (headHidden > 0) this.headHidden = nn.Linear(headInput, headHidden);
        head = nn.Linear(headHidden > 0 ? headHidden : headInput, labelCount);
        if (OwnLayerHeads.Count > 0)
        {
            ownHidden = nn.Linear(headInput, OwnHiddenWidth);
            ownHead = nn.Linear(OwnHiddenWidth, OwnLayerHeads.Count);
        }
        this.sharedProjection = sharedProjection;
        RegisterComponents();
        PromptEmbeddings = promptEmbeddings;
    }

    /// <summary>Number of rhythm features the model takes (0: none).</summary>
    public int RhythmFeatureCount { get; }

    /// <summary>
    /// Context columns the rhythm layer reads after the <see cref="RhythmFeatureCount"/> features in training and in
    /// <see cref="Infer"/> (0: none); the exported graph takes the features alone.
    /// </summary>
    public int RecordingContextCount { get; }

    /// <summary>
    /// The rhythm layer over the features alone, with the context columns fixed at <paramref name="context"/>: weight
    /// [<see cref="RhythmHidden"/> × features] row-major and bias [<see cref="RhythmHidden"/>], the bias taking
    /// Σ weight · context. Without context columns it is the layer as it is.
    /// </summary>
    public (float[] Weight, float[] Bias) RhythmLayerAt(ReadOnlySpan<float> context)
    {
        if (rhythm is null) throw new InvalidOperationException("This model has no rhythm layer.");
        if (context.Length != RecordingContextCount)
            throw new ArgumentException($"The model reads {RecordingContextCount} context columns, not {context.Length}.", nameof(context));
        int f = RhythmFeatureCount, width = f + RecordingContextCount;
        var all = rhythm.weight!.detach().cpu().data<float>().ToArray();
        var bias = rhythm.bias!.detach().cpu().data<float>().ToArray();
        var weight = new float[RhythmHidden * f];
        for (int o = 0; o < RhythmHidden; o++)
        {
            all.AsSpan(o * width, f).CopyTo(weight.AsSpan(o * f, f));
            for (int c = 0; c < context.Length; c++) bias[o] += all[o * width + f + c] * context[c];
        }
        return (weight, bias);
    }

    /// <summary>Width of the heads' hidden layer (0: linear heads).</summary>
    public int HeadHiddenWidth { get; }

    /// <summary>Width of the own-layer heads' hidden layer (0: there are none).</summary>
    public int OwnHiddenWidth { get; }

    /// <summary>The heads (indices in label order) that read their own hidden layer instead of the shared one.</summary>
    public IReadOnlyList<int> OwnLayerHeads { get; }

    /// <summary>
    /// [L] 0 at the own-layer heads, 1 elsewhere, and [k, L] one-hot from the own-layer heads to their labels: the
    /// logits are shared · keep + own · scatter (the exported graph computes the same).
    /// </summary>
    public (float[] Keep, float[] Scatter) OwnLayerPlacement()
    {
        int labels = (int)head.weight!.shape[0], k = OwnLayerHeads.Count;
        var keep = Enumerable.Repeat(1f, labels).ToArray();
        var scatter = new float[k * labels];
        for (int i = 0; i < k; i++) { keep[OwnLayerHeads[i]] = 0; scatter[i * labels + OwnLayerHeads[i]] = 1; }
        return (keep, scatter);
    }

    /// <summary>
    /// ecg [B, L, S] in mV (preprocessed), lead mask [B, L] → probabilities [B, labels], embedding [B, D]. L = 12 in standard
    /// order unless <paramref name="leadIds"/> ([L] int64) names the rows' leads (see <see cref="EcgEncoder.Encode"/>).
    /// <paramref name="rhythmFeatures"/> [B, F + context columns] is required exactly when the model has a rhythm branch.
    /// </summary>
    public (Tensor Probabilities, Tensor Embedding) Infer(Tensor ecg, Tensor leadMask, Tensor? leadIds = null, Tensor? rhythmFeatures = null)
    {
        using var scope = NewDisposeScope();
        var (_, pooled) = encoder.Encode(ecg, leadMask, null, leadIds);
        var probs = sigmoid(HeadLogits(pooled, rhythmFeatures));
        return (probs.MoveToOuterDisposeScope(), pooled.MoveToOuterDisposeScope());
    }

    /// <summary>Logits for training (BCE with logits is more stable than BCE on probabilities).</summary>
    public Tensor Logits(Tensor ecg, Tensor leadMask, Tensor? leadIds = null, Tensor? rhythmFeatures = null)
    {
        using var scope = NewDisposeScope();
        var (_, pooled) = encoder.Encode(ecg, leadMask, null, leadIds);
        return HeadLogits(pooled, rhythmFeatures).MoveToOuterDisposeScope();
    }

    /// <summary>Logits from already pooled embeddings [B, D] (linear probing on frozen features).</summary>
    public Tensor HeadLogits(Tensor pooled, Tensor? rhythmFeatures = null)
    {
        var input = HeadInput(pooled, rhythmFeatures);
        var logits = head.forward(headHidden is null ? input : nn.functional.gelu(headHidden.forward(input)));
        if (OwnLayerHeads.Count == 0) return logits;
        var (keep, scatter) = OwnLayerPlacement();
        return (logits * tensor(keep)).Plus(matmul(OwnHeadLogits(input), tensor(scatter, [OwnLayerHeads.Count, keep.Length])));
    }

    /// <summary>The own-layer heads' logits [B, own heads] from the heads' input (<see cref="HeadInput"/>).</summary>
    public Tensor OwnHeadLogits(Tensor headInput)
    {
        if (ownHidden is null || ownHead is null) throw new InvalidOperationException("This model has no own-layer heads.");
        return ownHead.forward(nn.functional.gelu(ownHidden.forward(headInput)));
    }

    /// <summary>What every head reads: [pooled, rhythm layer] with rhythm features, the pooled embedding alone without.</summary>
    public Tensor HeadInput(Tensor pooled, Tensor? rhythmFeatures)
    {
        if (rhythm is null) return pooled;
        if (rhythmFeatures is null) throw new ArgumentException("This model takes rhythm features; none were given.", nameof(rhythmFeatures));
        return cat([pooled, nn.functional.gelu(rhythm.forward(rhythmFeatures))], 1);
    }

    /// <summary>Cosine similarity of the ECG's shared representation with each label prompt, [B, L].</summary>
    public Tensor? ZeroShot(Tensor embedding)
    {
        if (sharedProjection is null || PromptEmbeddings is null) return null;
        using var scope = NewDisposeScope();
        var e = nn.functional.normalize(sharedProjection.forward(embedding), 2, -1);
        return matmul(e, PromptEmbeddings.t()).MoveToOuterDisposeScope();
    }
}
