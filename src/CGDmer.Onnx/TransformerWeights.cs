namespace CGDmer.Onnx;

/// <summary>
/// Weights of a PyTorch <c>nn.MultiheadAttention</c> (batch_first or not: the weights are the same), row-major float32.
/// With model width D:
/// <list type="bullet">
/// <item><c>InProjWeight</c> = <c>in_proj_weight</c>, shape [3D, D]: rows 0..D-1 are W_q, D..2D-1 W_k, 2D..3D-1 W_v; q = x·W_qᵀ + b_q.</item>
/// <item><c>InProjBias</c> = <c>in_proj_bias</c>, shape [3D] (b_q, b_k, b_v stacked).</item>
/// <item><c>OutProjWeight</c> = <c>out_proj.weight</c>, shape [D, D] ([out, in]).</item>
/// <item><c>OutProjBias</c> = <c>out_proj.bias</c>, shape [D].</item>
/// </list>
/// </summary>
public sealed record MultiHeadAttentionWeights(float[] InProjWeight, float[] InProjBias, float[] OutProjWeight, float[] OutProjBias)
{
    /// <summary>Model width D (from the out-projection bias).</summary>
    public int EmbedDim => OutProjBias.Length;

    public void Validate()
    {
        int d = EmbedDim;
        Check(InProjWeight.Length == 3 * d * d, $"in_proj_weight has {InProjWeight.Length} values, expected 3D·D = {3 * d * d}");
        Check(InProjBias.Length == 3 * d, $"in_proj_bias has {InProjBias.Length} values, expected 3D = {3 * d}");
        Check(OutProjWeight.Length == d * d, $"out_proj.weight has {OutProjWeight.Length} values, expected D·D = {d * d}");
    }

    internal static void Check(bool ok, string message)
    {
        if (!ok) throw new ArgumentException(message);
    }
}

/// <summary>
/// Weights of one pre-norm transformer encoder layer, named after PyTorch <c>nn.TransformerEncoderLayer</c>
/// (<c>norm_first=True, activation="gelu"</c>), row-major float32. With width D and feed-forward width F:
/// <c>Norm1Weight/Norm1Bias</c> = <c>norm1.weight/bias</c> [D]; <c>SelfAttention</c> = <c>self_attn.*</c>;
/// <c>Norm2Weight/Norm2Bias</c> = <c>norm2.weight/bias</c> [D];
/// <c>Linear1Weight</c> = <c>linear1.weight</c> [F, D], <c>Linear1Bias</c> [F];
/// <c>Linear2Weight</c> = <c>linear2.weight</c> [D, F], <c>Linear2Bias</c> [D].
/// </summary>
public sealed record TransformerEncoderLayerWeights(
    float[] Norm1Weight, float[] Norm1Bias,
    MultiHeadAttentionWeights SelfAttention,
    float[] Norm2Weight, float[] Norm2Bias,
    float[] Linear1Weight, float[] Linear1Bias,
    float[] Linear2Weight, float[] Linear2Bias)
{
    public int EmbedDim => SelfAttention.EmbedDim;
    public int FeedForwardDim => Linear1Bias.Length;

    public void Validate()
    {
        SelfAttention.Validate();
        int d = EmbedDim, f = FeedForwardDim;
        MultiHeadAttentionWeights.Check(Norm1Weight.Length == d && Norm1Bias.Length == d, "norm1 weight/bias must have D values");
        MultiHeadAttentionWeights.Check(Norm2Weight.Length == d && Norm2Bias.Length == d, "norm2 weight/bias must have D values");
        MultiHeadAttentionWeights.Check(Linear1Weight.Length == f * d, $"linear1.weight has {Linear1Weight.Length} values, expected F·D = {f * d}");
        MultiHeadAttentionWeights.Check(Linear2Weight.Length == d * f, $"linear2.weight has {Linear2Weight.Length} values, expected D·F = {d * f}");
        MultiHeadAttentionWeights.Check(Linear2Bias.Length == d, "linear2.bias must have D values");
    }
}

/// <summary>Feed-forward activation of an encoder layer (PyTorch's default is ReLU; the CGDmer encoder uses GELU).</summary>
public enum FeedForwardActivation
{
    /// <summary>Exact GELU, 0.5·x·(1 + erf(x/√2)).</summary>
    Gelu,
    Relu,
}
