using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CGDmer.Model;

/// <summary>
/// The inference model that is exported to ONNX: the pretrained ECG encoder and linear classification heads (one logit
/// per label, sigmoid: findings are not mutually exclusive), optionally a zero-shot head that scores the ECG's shared
/// projection against fixed text embeddings of label prompts.
/// </summary>
public sealed class FindingsModel : nn.Module
{
    public readonly EcgEncoder encoder;
    public readonly Linear head;
    /// <summary>Optional: the ECG-shared projection and [L, E] normalised prompt embeddings for zero-shot scores.</summary>
    public readonly Projection? sharedProjection;
    /// <summary>Not a registered buffer: prompts are derived from the report encoder, not trained, and must not change
    /// the saved state of the heads.</summary>
    public Tensor? PromptEmbeddings { get; private set; }

    public FindingsModel(EcgEncoder encoder, int labelCount, int dim, Projection? sharedProjection = null, Tensor? promptEmbeddings = null)
        : base("findings")
    {
        this.encoder = encoder;
        head = nn.Linear(dim, labelCount);
        this.sharedProjection = sharedProjection;
        RegisterComponents();
        PromptEmbeddings = promptEmbeddings;
    }

    /// <summary>
    /// ecg [B, L, S] in mV (preprocessed), lead mask [B, L] → probabilities [B, labels], embedding [B, D]. L = 12 in standard
    /// order unless <paramref name="leadIds"/> ([L] int64) names the rows' leads (see <see cref="EcgEncoder.Encode"/>).
    /// </summary>
    public (Tensor Probabilities, Tensor Embedding) Infer(Tensor ecg, Tensor leadMask, Tensor? leadIds = null)
    {
        using var scope = NewDisposeScope();
        var (_, pooled) = encoder.Encode(ecg, leadMask, null, leadIds);
        var probs = sigmoid(head.forward(pooled));
        return (probs.MoveToOuterDisposeScope(), pooled.MoveToOuterDisposeScope());
    }

    /// <summary>Logits for training (BCE with logits is more stable than BCE on probabilities).</summary>
    public Tensor Logits(Tensor ecg, Tensor leadMask, Tensor? leadIds = null)
    {
        using var scope = NewDisposeScope();
        var (_, pooled) = encoder.Encode(ecg, leadMask, null, leadIds);
        return head.forward(pooled).MoveToOuterDisposeScope();
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
