using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CGDmer.Model.Layers;

/// <summary>
/// Multi-head self-attention written out by hand (rather than nn.MultiheadAttention) so that the ONNX exporter can
/// mirror it operation for operation: packed q/k/v projection [3D, D], scores + additive key mask, softmax, output projection.
/// </summary>
public sealed class SelfAttention : nn.Module<Tensor, Tensor?, Tensor>
{
    public readonly Linear qkv;
    public readonly Linear proj;
    public int Heads { get; }
    private readonly int _dim;
    /// <summary>double 1/√(head dim), held for the module's lifetime (see <see cref="Scalars"/>).</summary>
    private readonly Scalar _scale;

    public SelfAttention(string name, int dim, int heads) : base(name)
    {
        _dim = dim;
        Heads = heads;
        _scale = (1.0 / Math.Sqrt(dim / heads)).ToScalar();
        qkv = nn.Linear(dim, 3 * dim);
        proj = nn.Linear(dim, dim);
        RegisterComponents();
    }

    /// <param name="x">[B, T, D]</param>
    /// <param name="additiveKeyMask">[B, 1, 1, T]: 0 for keys to attend to, a large negative number for keys to ignore.</param>
    public override Tensor forward(Tensor x, Tensor? additiveKeyMask)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1];
        int hd = _dim / Heads;
        var qkvOut = qkv.forward(x).view(b, t, 3, Heads, hd).permute(2, 0, 3, 1, 4); // [3, B, H, T, hd]
        var q = qkvOut[0];
        var k = qkvOut[1];
        var v = qkvOut[2];
        var scores = matmul(q, k.transpose(-2, -1)).mul(_scale);
        if (additiveKeyMask is not null) scores = scores.Plus(additiveKeyMask);
        var attn = nn.functional.softmax(scores, -1);
        var ctx = matmul(attn, v).transpose(1, 2).reshape(b, t, _dim);
        return proj.forward(ctx).MoveToOuterDisposeScope();
    }
}

/// <summary>Pre-norm transformer encoder layer: x + MHA(LN(x)), then x + MLP(LN(x)) with exact (erf) GELU.</summary>
public sealed class TransformerLayer : nn.Module<Tensor, Tensor?, Tensor>
{
    public readonly LayerNorm norm1;
    public readonly SelfAttention attn;
    public readonly LayerNorm norm2;
    public readonly Linear fc1;
    public readonly Linear fc2;

    public TransformerLayer(string name, int dim, int heads, int mlpRatio) : base(name)
    {
        norm1 = nn.LayerNorm(dim, eps: 1e-5);
        attn = new SelfAttention("attn", dim, heads);
        norm2 = nn.LayerNorm(dim, eps: 1e-5);
        fc1 = nn.Linear(dim, dim * mlpRatio);
        fc2 = nn.Linear(dim * mlpRatio, dim);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor? additiveKeyMask)
    {
        using var scope = NewDisposeScope();
        var h = x.Plus(attn.forward(norm1.forward(x), additiveKeyMask));
        var y = h.Plus(fc2.forward(nn.functional.gelu(fc1.forward(norm2.forward(h)))));
        return y.MoveToOuterDisposeScope();
    }
}

public static class Masks
{
    /// <summary>Large but finite, so a row with every key masked still gives a defined (uniform) softmax, not NaN.</summary>
    public const float MaskedLogit = -1e9f;
    private static readonly Scalar MaskedLogitScalar = MaskedLogit.ToScalar();

    /// <summary>[B, T] keep mask (1 keep, 0 drop) → additive [B, 1, 1, T] attention mask.</summary>
    public static Tensor ToAdditiveKeyMask(Tensor keep) =>
        keep.to_type(ScalarType.Float32).negative().add(Scalars.OneF, Scalars.One).mul(MaskedLogitScalar).unsqueeze(1).unsqueeze(1);

    /// <summary>Mean over tokens where keep = 1; [B, T, D] x [B, T] → [B, D]. Count clamped to 1 so empty rows give 0.</summary>
    public static Tensor MaskedMean(Tensor x, Tensor keep)
    {
        var k = keep.to_type(ScalarType.Float32).unsqueeze(-1);
        return (x * k).sum(1) / k.sum(1).clamp_min(Scalars.OneF);
    }

    /// <summary>Mean over every entry where <paramref name="keep"/> = 1 (same shape, 0/1 floats) → a scalar; the count is
    /// clamped to 1, so nothing kept gives 0. The losses over masked patches and annotated labels.</summary>
    public static Tensor MeanOfKept(Tensor values, Tensor keep) => (values * keep).sum() / keep.sum().clamp_min(Scalars.OneF);
}
