using CGDmer.Model.Layers;
using CGDmer.Model.Text;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CGDmer.Model;

/// <summary>Two-layer projection used for the modality-specific and modality-shared encoders.</summary>
public sealed class Projection : nn.Module<Tensor, Tensor>
{
    public readonly Linear fc1;
    public readonly Linear fc2;

    public Projection(string name, int input, int output) : base(name)
    {
        fc1 = nn.Linear(input, input);
        fc2 = nn.Linear(input, output);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return fc2.forward(nn.functional.gelu(fc1.forward(x))).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// CG-DMER: a contrastive-generative model with disentangled multimodal representations.
/// Generative arm: the lead-aware ECG encoder and a light decoder trained by spatial-temporal masked modelling.
/// Contrastive arm: each modality's pooled representation is split by two projections into a modality-specific part
/// and a modality-shared part; only the shared parts of ECG and report are aligned (InfoNCE), and a disentanglement
/// loss keeps specific and shared parts apart, so that what the report cannot say (noise, exact morphology) is not forced
/// into the shared space and what it does say is not duplicated in the specific one.
/// </summary>
public sealed class CgDmerModel : nn.Module
{
    public readonly EcgEncoder ecgEncoder;
    public readonly MaskedPatchDecoder decoder;
    public readonly ReportEncoder reportEncoder;
    public readonly Projection ecgShared;
    public readonly Projection ecgSpecific;
    public readonly Projection reportShared;
    public readonly Projection reportSpecific;
    /// <summary>log of the InfoNCE inverse temperature (CLIP-style, learned).</summary>
    public readonly Parameter logitScale;

    public CgDmerModel(CgDmerConfig config, int vocabularySize) : base("cgdmer")
    {
        config.Validate();
        Config = config;
        VocabularySize = vocabularySize;
        ecgEncoder = new EcgEncoder("ecg", config);
        decoder = new MaskedPatchDecoder("decoder", config);
        reportEncoder = new ReportEncoder("report", vocabularySize, config);
        ecgShared = new Projection("ecg_shared", config.Dim, config.ProjectionDim);
        ecgSpecific = new Projection("ecg_specific", config.Dim, config.ProjectionDim);
        reportShared = new Projection("report_shared", config.TextDim, config.ProjectionDim);
        reportSpecific = new Projection("report_specific", config.TextDim, config.ProjectionDim);
        logitScale = nn.Parameter(tensor((float)Math.Log(1 / 0.07)));
        RegisterComponents();
    }

    public CgDmerConfig Config { get; }
    public int VocabularySize { get; }
}

/// <summary>Loss weights; the ablations are presets of these.</summary>
public sealed record ObjectiveWeights(double Masked, double Contrastive, double Disentangle)
{
    public static ObjectiveWeights Full { get; } = new(1.0, 1.0, 0.5);
    public static ObjectiveWeights MaskedOnly { get; } = new(1.0, 0.0, 0.0);
    public static ObjectiveWeights ContrastiveOnly { get; } = new(0.0, 1.0, 0.5);

    public static ObjectiveWeights ForAblation(string name) => name.ToLowerInvariant() switch
    {
        "full" => Full,
        "masked" or "masked-only" => MaskedOnly,
        "contrastive" or "contrastive-only" => ContrastiveOnly,
        _ => throw new ArgumentException($"Unknown objective '{name}'. Use full, masked-only or contrastive-only."),
    };
}

/// <summary>The value of each loss term for one batch (total is the weighted sum that is back-propagated).</summary>
public sealed record LossTerms(double Total, double Masked, double Contrastive, double Disentangle);

/// <summary>
/// A batch as the objective needs it. Tensors are owned by the caller. Ecg [B, L, S], LeadMask [B, L] and
/// HiddenPatches [B, L, T] hold the L leads listed by LeadIds (null: all 12 in standard order).
/// </summary>
public sealed record PretrainBatch(Tensor Ecg, Tensor LeadMask, Tensor HiddenPatches, Tensor ReportTokens, Tensor? LeadIds = null);

public static class CgDmerObjective
{
    /// <summary>float log 100: the InfoNCE inverse temperature is clamped at 100.</summary>
    private static readonly Scalar MaxLogLogitScale = ((float)Math.Log(100)).ToScalar();

    /// <summary>
    /// Computes the weighted CG-DMER loss. A term whose weight is zero is skipped (reported as 0), so an ablation run
    /// pays only for the arms it trains.
    /// </summary>
    public static (Tensor Total, LossTerms Terms) Compute(CgDmerModel model, PretrainBatch batch, ObjectiveWeights w)
    {
        using var scope = NewDisposeScope();
        var (tokens, pooled) = model.ecgEncoder.Encode(batch.Ecg, batch.LeadMask, batch.HiddenPatches, batch.LeadIds);

        // Generative: reconstruct hidden patches of present leads.
        var keep = model.ecgEncoder.TokenKeepMask(batch.LeadMask);
        Tensor masked;
        if (w.Masked > 0)
        {
            var recon = model.decoder.Reconstruct(tokens, keep, batch.LeadIds);
            var target = model.ecgEncoder.Patchify(batch.Ecg);
            var hidden = batch.HiddenPatches.to_type(ScalarType.Float32) * batch.LeadMask.to_type(ScalarType.Float32).unsqueeze(-1);
            var perPatch = (recon - target).pow(Scalars.Two).mean([-1]);
            masked = Masks.MeanOfKept(perPatch, hidden);
        }
        else masked = zeros(1).squeeze();

        // Contrastive + disentanglement.
        Tensor contrastive, disentangle;
        if (w.Contrastive > 0 || w.Disentangle > 0)
        {
            var text = model.reportEncoder.Encode(batch.ReportTokens);
            var eSh = nn.functional.normalize(model.ecgShared.forward(pooled), 2, -1);
            var eSp = nn.functional.normalize(model.ecgSpecific.forward(pooled), 2, -1);
            var tSh = nn.functional.normalize(model.reportShared.forward(text), 2, -1);
            var tSp = nn.functional.normalize(model.reportSpecific.forward(text), 2, -1);
            contrastive = InfoNce(eSh, tSh, model.logitScale);
            // Orthogonality of specific vs shared within each modality, and of each specific part vs the other
            // modality's shared part (the specific parts must not carry what the pair agrees on).
            disentangle = MeanSquaredDot(eSp, eSh).Plus(MeanSquaredDot(tSp, tSh))
                          .Plus(MeanSquaredDot(eSp, tSh)).Plus(MeanSquaredDot(tSp, eSh));
        }
        else
        {
            contrastive = zeros(1).squeeze();
            disentangle = zeros(1).squeeze();
        }

        using var wMasked = w.Masked.ToScalar();
        using var wContrastive = w.Contrastive.ToScalar();
        using var wDisentangle = w.Disentangle.ToScalar();
        var total = masked.mul(wMasked).Plus(contrastive.mul(wContrastive)).Plus(disentangle.mul(wDisentangle));
        var terms = new LossTerms(total.item<float>(), masked.item<float>(), contrastive.item<float>(), disentangle.item<float>());
        return (total.MoveToOuterDisposeScope(), terms);
    }

    /// <summary>Mean over the batch of the squared row-wise dot product of two [B, D] parts.</summary>
    private static Tensor MeanSquaredDot(Tensor a, Tensor b) => (a * b).sum(-1).pow(Scalars.Two).mean();

    /// <summary>Symmetric InfoNCE over a batch of L2-normalised pairs: row i of a matches row i of b.</summary>
    public static Tensor InfoNce(Tensor a, Tensor b, Tensor logitScale)
    {
        var scale = logitScale.clamp_max(MaxLogLogitScale).exp();
        var logits = matmul(a, b.t()) * scale;
        using var rows = a.shape[0].ToScalar();
        var targets = arange(Scalars.Zero, rows, Scalars.One, dtype: ScalarType.Int64, device: a.device);
        return nn.functional.cross_entropy(logits, targets).Plus(nn.functional.cross_entropy(logits.t(), targets)).div(Scalars.Two);
    }
}
