namespace CGDmer.Onnx;

// Composite helpers for a transformer encoder: Linear, LayerNorm, GELU, multi-head self-attention,
// a pre-norm encoder layer and masked mean pooling. All weights are PyTorch layouts, row-major float32.
public sealed partial class OnnxGraphBuilder
{
    /// <summary>
    /// y = x·Wᵀ + b, like <c>nn.Linear</c>. <paramref name="weight"/> is row-major [outFeatures, inFeatures]
    /// (PyTorch <c>.weight</c>); it is stored transposed, as an initializer "{name}.weight_t" of shape [in, out],
    /// and applied with MatMul, so x may have any rank ≥ 1 whose last dim is inFeatures (e.g. [B, in] or [B, T, in]).
    /// <paramref name="bias"/> is [outFeatures] or null (no Add).
    /// </summary>
    public string Linear(string x, float[] weight, float[]? bias, int outFeatures, int inFeatures, string? name = null)
    {
        if (weight.Length != (long)outFeatures * inFeatures)
            throw new ArgumentException($"Linear weight has {weight.Length} values, expected out·in = {outFeatures}·{inFeatures}.");
        if (bias is not null && bias.Length != outFeatures)
            throw new ArgumentException($"Linear bias has {bias.Length} values, expected {outFeatures}.");
        name ??= "linear";
        var wT = new float[weight.Length];
        for (int o = 0; o < outFeatures; o++)
            for (int i = 0; i < inFeatures; i++)
                wT[(long)i * outFeatures + o] = weight[(long)o * inFeatures + i];
        var w = AddInitializer(name + ".weight_t", wT, inFeatures, outFeatures);
        var y = MatMul(x, w, name + ".matmul");
        if (bias is null) return y;
        var b = AddInitializer(name + ".bias", bias, outFeatures);
        return Add(y, b, name + ".add");
    }

    /// <summary>
    /// 1-D convolution like <c>nn.Conv1d(inChannels, outChannels, kernelSize, stride, padding, dilation, groups)</c>
    /// (zero padding, same on both sides). x: [B, inChannels, L] → [B, outChannels, L_out] with
    /// L_out = ⌊(L + 2·padding − dilation·(kernelSize−1) − 1) / stride⌋ + 1. <paramref name="weight"/> is PyTorch
    /// <c>.weight</c>, row-major [outChannels, inChannels/groups, kernelSize]; <paramref name="bias"/> [outChannels] or null.
    /// </summary>
    public string Conv1d(string x, float[] weight, float[]? bias, int outChannels, int inChannels, int kernelSize,
        int stride = 1, int padding = 0, int dilation = 1, int groups = 1, string? name = null)
    {
        if (groups <= 0 || inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"Conv1d: {inChannels} in / {outChannels} out channels are not divisible by {groups} groups.");
        if (weight.Length != (long)outChannels * (inChannels / groups) * kernelSize)
            throw new ArgumentException($"Conv1d weight has {weight.Length} values, expected out·(in/groups)·k = {outChannels}·{inChannels / groups}·{kernelSize}.");
        if (bias is not null && bias.Length != outChannels)
            throw new ArgumentException($"Conv1d bias has {bias.Length} values, expected {outChannels}.");
        name ??= "conv1d";
        var inputs = new List<string> { x, AddInitializer(name + ".weight", weight, outChannels, inChannels / groups, kernelSize) };
        if (bias is not null) inputs.Add(AddInitializer(name + ".bias", bias, outChannels));
        return Node("Conv", inputs, name,
            OnnxAttr.Ints("kernel_shape", kernelSize), OnnxAttr.Ints("strides", stride),
            OnnxAttr.Ints("pads", padding, padding), OnnxAttr.Ints("dilations", dilation), OnnxAttr.Int("group", groups));
    }

    /// <summary>
    /// LayerNormalization over the last axis (opset 17 op): (x − mean) / sqrt(var + ε) · γ + β, biased variance,
    /// like <c>nn.LayerNorm(D)</c>. γ = <c>.weight</c> [D], β = <c>.bias</c> [D].
    /// </summary>
    public string LayerNorm(string x, float[] gamma, float[] beta, float epsilon = 1e-5f, string? name = null)
    {
        if (gamma.Length != beta.Length) throw new ArgumentException("LayerNorm gamma and beta must have the same length.");
        name ??= "layer_norm";
        var g = AddInitializer(name + ".weight", gamma, gamma.Length);
        var b = AddInitializer(name + ".bias", beta, beta.Length);
        return LayerNorm(x, g, b, epsilon, name);
    }

    /// <summary>LayerNormalization over the last axis with scale/bias given as value names (each [D]).</summary>
    public string LayerNorm(string x, string scale, string bias, float epsilon = 1e-5f, string? name = null)
    {
        if (Opset < 17) throw new NotSupportedException("LayerNormalization needs opset 17 or later.");
        return Node("LayerNormalization", [x, scale, bias], name ?? "layer_norm",
            OnnxAttr.Int("axis", -1), OnnxAttr.Float("epsilon", epsilon));
    }

    /// <summary>
    /// Exact (erf) GELU, like <c>nn.GELU()</c> / <c>F.gelu(approximate="none")</c>: 0.5·x·(1 + erf(x/√2)).
    /// Opsets below 20 have no Gelu op, so it is built from Mul, Erf and Add; from opset 20 the Gelu op is used.
    /// </summary>
    public string Gelu(string x, string? name = null)
    {
        name ??= "gelu";
        if (Opset >= 20) return Node("Gelu", [x], name, OnnxAttr.String("approximate", "none"));
        using var _ = Scope(name);
        var scaled = Mul(x, ConstFloat((float)(1.0 / Math.Sqrt(2.0))), "div_sqrt2");
        var erf = Erf(scaled);
        var onePlus = Add(erf, ConstFloat(1f), "one_plus");
        var half = Mul(x, ConstFloat(0.5f), "half_x");
        return Mul(half, onePlus, "out");
    }

    /// <summary>
    /// Turns a keep-mask [B, T] float (1 = real token, 0 = padding) into the additive key-padding mask
    /// [B, 1, 1, T] that <see cref="MultiHeadSelfAttention"/> takes: 0 for keep, <paramref name="negative"/> for padding.
    /// </summary>
    public string AdditiveKeyPaddingMask(string keepMask, float negative = -1e9f, string? name = null)
    {
        using var _ = Scope(name ?? "key_padding_mask");
        var drop = Sub(ConstFloat(1f), keepMask, "drop");
        var additive = Mul(drop, ConstFloat(negative), "additive");
        return Unsqueeze(additive, [1, 2], "unsqueeze");
    }

    /// <summary>
    /// Multi-head self-attention like <c>nn.MultiheadAttention(D, numHeads, batch_first=True)</c> called as
    /// <c>attn(x, x, x, key_padding_mask=...)</c> in eval mode (no dropout), returning only the output.
    /// x: [B, T, D] float. <paramref name="keyPaddingMask"/>: optional additive mask value of shape [B, 1, 1, T]
    /// (0 = keep, large negative such as −1e9 = masked key), added to the scores before softmax; see
    /// <see cref="AdditiveKeyPaddingMask"/>. Scores are scaled by 1/√(D/numHeads). Output [B, T, D].
    /// B and T stay dynamic (Reshape uses 0 to copy them).
    /// </summary>
    public string MultiHeadSelfAttention(string x, MultiHeadAttentionWeights weights, int numHeads, string? keyPaddingMask = null, string? name = null)
    {
        weights.Validate();
        int d = weights.EmbedDim;
        if (numHeads <= 0 || d % numHeads != 0)
            throw new ArgumentException($"Embedding dim {d} is not divisible by {numHeads} heads.");
        int headDim = d / numHeads;
        name ??= "self_attn";
        using var _ = Scope(name);

        // One packed projection: [B, T, 3D] -> [B, T, 3, H, hd] -> [3, B, H, T, hd]; then pick q, k, v.
        var qkv = Linear(x, weights.InProjWeight, weights.InProjBias, 3 * d, d, "in_proj");
        qkv = Reshape(qkv, [0, 0, 3, numHeads, headDim], "split_heads");
        qkv = Transpose(qkv, [2, 0, 3, 1, 4], "qkv_first");
        var q = Gather(qkv, 0, 0, "q");                               // [B, H, T, hd]
        var k = Gather(qkv, 1, 0, "k");
        var v = Gather(qkv, 2, 0, "v");

        q = Mul(q, ConstFloat((float)(1.0 / Math.Sqrt(headDim))), "q_scaled");
        var kT = Transpose(k, [0, 1, 3, 2], "k_t");                    // [B, H, hd, T]
        var scores = MatMul(q, kT, "scores");                          // [B, H, T, T]
        if (keyPaddingMask is not null) scores = Add(scores, keyPaddingMask, "masked_scores");
        var attn = Softmax(scores, -1, "attn");
        var ctx = MatMul(attn, v, "context");                          // [B, H, T, hd]
        ctx = Transpose(ctx, [0, 2, 1, 3], "merge_t");                 // [B, T, H, hd]
        ctx = Reshape(ctx, [0, 0, d], "merge_heads");                  // [B, T, D]
        return Linear(ctx, weights.OutProjWeight, weights.OutProjBias, d, d, "out_proj");
    }

    /// <summary>
    /// Encoder layer like <c>nn.TransformerEncoderLayer(D, H, F, activation, batch_first=True, norm_first)</c> in eval
    /// mode (no dropout). Pre-norm (default, <paramref name="normFirst"/> = true):
    /// h = x + MHA(LN1(x)); y = h + Linear2(act(Linear1(LN2(h)))).
    /// Post-norm (false): h = LN1(x + MHA(x)); y = LN2(h + Linear2(act(Linear1(h)))).
    /// act is exact GELU by default. x: [B, T, D]; <paramref name="keyPaddingMask"/> as in
    /// <see cref="MultiHeadSelfAttention"/>. Output [B, T, D].
    /// </summary>
    public string TransformerEncoderLayer(string x, TransformerEncoderLayerWeights weights, int numHeads, string? keyPaddingMask = null,
        float layerNormEpsilon = 1e-5f, string? name = null, bool normFirst = true, FeedForwardActivation activation = FeedForwardActivation.Gelu)
    {
        weights.Validate();
        int d = weights.EmbedDim, f = weights.FeedForwardDim;
        using var _ = Scope(name ?? "encoder_layer");

        string FeedForward(string input)
        {
            var ff = Linear(input, weights.Linear1Weight, weights.Linear1Bias, f, d, "linear1");
            ff = activation == FeedForwardActivation.Gelu ? Gelu(ff, "gelu") : Relu(ff, "relu");
            return Linear(ff, weights.Linear2Weight, weights.Linear2Bias, d, f, "linear2");
        }

        if (normFirst)
        {
            var n1 = LayerNorm(x, weights.Norm1Weight, weights.Norm1Bias, layerNormEpsilon, "norm1");
            var h = Add(x, MultiHeadSelfAttention(n1, weights.SelfAttention, numHeads, keyPaddingMask, "self_attn"), "residual1");
            var n2 = LayerNorm(h, weights.Norm2Weight, weights.Norm2Bias, layerNormEpsilon, "norm2");
            return Add(h, FeedForward(n2), "residual2");
        }
        else
        {
            var a = Add(x, MultiHeadSelfAttention(x, weights.SelfAttention, numHeads, keyPaddingMask, "self_attn"), "residual1");
            var h = LayerNorm(a, weights.Norm1Weight, weights.Norm1Bias, layerNormEpsilon, "norm1");
            var r = Add(h, FeedForward(h), "residual2");
            return LayerNorm(r, weights.Norm2Weight, weights.Norm2Bias, layerNormEpsilon, "norm2");
        }
    }

    /// <summary>
    /// Masked mean over tokens: x [B, T, D] float, mask [B, T] float (1 = keep, 0 = drop) → [B, D] =
    /// Σ_t x·mask / max(Σ_t mask, 1). A row with no kept token gives zeros (no division by zero).
    /// </summary>
    public string MaskedMeanPool(string x, string mask, string? name = null)
    {
        using var _ = Scope(name ?? "masked_mean");
        var m = Unsqueeze(mask, [-1], "mask3");                        // [B, T, 1]
        var sum = ReduceSum(Mul(x, m, "masked"), [1], keepDims: false, "sum");      // [B, D]
        var count = ReduceSum(m, [1], keepDims: false, "count");      // [B, 1]
        var safe = Max(count, ConstFloat(1f), "count_safe");
        return Div(sum, safe, "mean");
    }
}
