using TorchSharp;
using static TorchSharp.torch;

namespace CGDmer.Model;

/// <summary>
/// Scalars held in static fields: an implicit Scalar can be finalized while libtorch reads it (TorchSharp #1434), so
/// per-step tensor code passes these (or a <c>using</c> Scalar) and never a bare number. Each keeps the number's type.
/// </summary>
public static class Scalars
{
    /// <summary>int 0: arange's default start.</summary>
    public static readonly Scalar Zero = 0.ToScalar();
    /// <summary>int 1: arange's default step, and the alpha that <c>tensor + tensor</c> passes implicitly (<see cref="Plus"/>).</summary>
    public static readonly Scalar One = 1.ToScalar();
    public static readonly Scalar Two = 2.ToScalar();
    public static readonly Scalar OneF = 1f.ToScalar();
    /// <summary>double 0.02: the standard deviation of the embeddings' initial values.</summary>
    public static readonly Scalar EmbeddingInitStd = 0.02.ToScalar();

    /// <summary><c>left + right</c> with a held alpha (TorchSharp's operator makes an implicit int 1).</summary>
    public static Tensor Plus(this Tensor left, Tensor right) => left.add(right, One);
}
