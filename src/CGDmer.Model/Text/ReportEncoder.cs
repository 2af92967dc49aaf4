using CGDmer.Model.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CGDmer.Model.Text;

/// <summary>Small transformer over report tokens, mean-pooled over non-padding tokens.</summary>
public sealed class ReportEncoder : nn.Module
{
    public readonly Embedding tokenEmbedding;
    public readonly Parameter positionEmbedding;
    public readonly ModuleList<TransformerLayer> layers;
    public readonly LayerNorm norm;
    private static readonly Scalar PadId = ReportTokenizer.Pad.ToScalar();

    public ReportEncoder(string name, int vocabularySize, CgDmerConfig config) : base(name)
    {
        tokenEmbedding = nn.Embedding(vocabularySize, config.TextDim);
        positionEmbedding = nn.Parameter(randn(config.TextMaxTokens, config.TextDim).mul(Scalars.EmbeddingInitStd));
        layers = new ModuleList<TransformerLayer>();
        for (int i = 0; i < config.TextDepth; i++) layers.Add(new TransformerLayer($"layer{i}", config.TextDim, config.TextHeads, config.MlpRatio));
        norm = nn.LayerNorm(config.TextDim, eps: 1e-5);
        RegisterComponents();
    }

    /// <summary>token ids [B, L] (PAD = 0) → pooled [B, TextDim].</summary>
    public Tensor Encode(Tensor tokenIds)
    {
        using var scope = NewDisposeScope();
        long l = tokenIds.shape[1];
        var keep = tokenIds.ne(PadId).to_type(ScalarType.Float32);
        var x = tokenEmbedding.forward(tokenIds).Plus(positionEmbedding.narrow(0, 0, l).unsqueeze(0));
        var additive = Masks.ToAdditiveKeyMask(keep);
        foreach (var layer in layers) x = layer.forward(x, additive);
        return Masks.MaskedMean(norm.forward(x), keep).MoveToOuterDisposeScope();
    }
}
