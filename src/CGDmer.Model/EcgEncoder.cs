using CGDmer.Model.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CGDmer.Model;

/// <summary>
/// Lead-aware spatial-temporal ECG encoder. Each lead is cut into patches; a token is
/// patch projection + lead embedding + temporal position embedding, and one transformer runs over the tokens of all
/// leads together, so attention can relate a P wave in II to the same instant in V1. Absent leads (lead mask = 0) are
/// removed from attention and pooling, which is what lets the same weights read 12-lead and 2-lead input.
/// </summary>
public sealed class EcgEncoder : nn.Module
{
    public CgDmerConfig Config => _config;
    public readonly Linear patchProjection;
    public readonly Parameter leadEmbedding;     // [12, D]
    public readonly Parameter positionEmbedding; // [T, D]
    public readonly Parameter maskToken;         // [D]: stands in for the projection of a hidden patch
    public readonly ModuleList<TransformerLayer> layers;
    public readonly LayerNorm norm;
    private readonly CgDmerConfig _config;

    public EcgEncoder(string name, CgDmerConfig config) : base(name)
    {
        _config = config;
        int d = config.Dim;
        patchProjection = nn.Linear(config.PatchSize, d);
        leadEmbedding = nn.Parameter(randn(Signal.Leads.Count, d).mul(Scalars.EmbeddingInitStd));
        positionEmbedding = nn.Parameter(randn(config.PatchesPerLead, d).mul(Scalars.EmbeddingInitStd));
        maskToken = nn.Parameter(zeros(d));
        layers = new ModuleList<TransformerLayer>();
        for (int i = 0; i < config.Depth; i++) layers.Add(new TransformerLayer($"layer{i}", d, config.Heads, config.MlpRatio));
        norm = nn.LayerNorm(d, eps: 1e-5);
        RegisterComponents();
    }

    /// <summary>[B, L, S] → [B, L, T, P] (a view; no copy).</summary>
    public Tensor Patchify(Tensor ecg) =>
        ecg.view(ecg.shape[0], ecg.shape[1], _config.PatchesPerLead, _config.PatchSize);

    /// <summary>[B, L] lead mask → [B, L·T] token keep mask (1 = token of a present lead).</summary>
    public Tensor TokenKeepMask(Tensor leadMask) =>
        leadMask.to_type(ScalarType.Float32).unsqueeze(-1).expand(-1, -1, _config.PatchesPerLead).reshape(leadMask.shape[0], -1);

    /// <summary>
    /// Encodes a batch. <paramref name="hiddenPatches"/> ([B, 12, T] bool, optional) marks patches replaced by the
    /// mask token for masked modelling; at inference it is null.
    /// Returns tokens [B, 12·T, D] and the pooled embedding [B, D] (mean over tokens of present leads).
    /// <para><paramref name="leadIds"/> ([L] int64, optional) says which standard leads the L rows of
    /// <paramref name="ecg"/> are; null means all 12 in standard order. Training passes only the leads present somewhere
    /// in the batch: tokens of absent leads are masked out of attention and pooling anyway, so dropping them gives the
    /// same result for a fraction of the cost (a 2-lead Holter batch is 6× cheaper than its 12-lead layout).</para>
    /// </summary>
    public (Tensor Tokens, Tensor Pooled) Encode(Tensor ecg, Tensor leadMask, Tensor? hiddenPatches = null, Tensor? leadIds = null)
    {
        using var scope = NewDisposeScope();
        long b = ecg.shape[0], leads = ecg.shape[1];
        int d = _config.Dim;
        var x = patchProjection.forward(Patchify(ecg)); // [B, L, T, D]
        if (hiddenPatches is not null)
            x = where(hiddenPatches.unsqueeze(-1), maskToken.view(1, 1, 1, d), x);
        var leadEmb = leadIds is null ? leadEmbedding : leadEmbedding.index_select(0, leadIds);
        x = x.Plus(leadEmb.view(1, leads, 1, d)).Plus(positionEmbedding.view(1, 1, _config.PatchesPerLead, d));
        x = x.reshape(b, -1, d);
        var keep = TokenKeepMask(leadMask);
        var additive = Masks.ToAdditiveKeyMask(keep);
        foreach (var layer in layers) x = layer.forward(x, additive);
        x = norm.forward(x);
        var pooled = Masks.MaskedMean(x, keep);
        return (x.MoveToOuterDisposeScope(), pooled.MoveToOuterDisposeScope());
    }
}

/// <summary>
/// Light decoder for spatial-temporal masked modelling: narrow transformer over the encoder's tokens (with its own lead
/// and position embeddings, so it knows which patch it is filling in) and a linear map back to patch samples.
/// Kept deliberately weak so the encoder, not the decoder, has to model the signal.
/// </summary>
public sealed class MaskedPatchDecoder : nn.Module
{
    public readonly Linear embed;
    public readonly Parameter leadEmbedding;
    public readonly Parameter positionEmbedding;
    public readonly ModuleList<TransformerLayer> layers;
    public readonly LayerNorm norm;
    public readonly Linear toPatch;
    private readonly CgDmerConfig _config;

    public MaskedPatchDecoder(string name, CgDmerConfig config) : base(name)
    {
        _config = config;
        int dd = config.DecoderDim;
        embed = nn.Linear(config.Dim, dd);
        leadEmbedding = nn.Parameter(randn(Signal.Leads.Count, dd).mul(Scalars.EmbeddingInitStd));
        positionEmbedding = nn.Parameter(randn(config.PatchesPerLead, dd).mul(Scalars.EmbeddingInitStd));
        layers = new ModuleList<TransformerLayer>();
        for (int i = 0; i < config.DecoderDepth; i++) layers.Add(new TransformerLayer($"layer{i}", dd, Math.Max(1, config.Heads / 2), config.MlpRatio));
        norm = nn.LayerNorm(dd, eps: 1e-5);
        toPatch = nn.Linear(dd, config.PatchSize);
        RegisterComponents();
    }

    /// <summary>tokens [B, L·T, D], token keep mask [B, L·T] → reconstructed patches [B, L, T, P]; see
    /// <see cref="EcgEncoder.Encode"/> for <paramref name="leadIds"/>.</summary>
    public Tensor Reconstruct(Tensor tokens, Tensor tokenKeep, Tensor? leadIds = null)
    {
        using var scope = NewDisposeScope();
        long b = tokens.shape[0];
        int dd = _config.DecoderDim, t = _config.PatchesPerLead;
        long leads = tokens.shape[1] / t;
        var x = embed.forward(tokens).view(b, leads, t, dd);
        var leadEmb = leadIds is null ? leadEmbedding : leadEmbedding.index_select(0, leadIds);
        x = x.Plus(leadEmb.view(1, leads, 1, dd)).Plus(positionEmbedding.view(1, 1, t, dd)).reshape(b, -1, dd);
        var additive = Masks.ToAdditiveKeyMask(tokenKeep);
        foreach (var layer in layers) x = layer.forward(x, additive);
        var patches = toPatch.forward(norm.forward(x)).view(b, leads, t, _config.PatchSize);
        return patches.MoveToOuterDisposeScope();
    }
}
