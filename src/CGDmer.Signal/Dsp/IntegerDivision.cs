using System.Numerics;

namespace CGDmer.Signal.Dsp;

/// <summary>Integer division that rounds toward −∞, for sample grids that extend before their origin (C#'s / truncates toward 0).</summary>
public static class IntegerDivision
{
    /// <summary>⌊a / b⌋ for any signs (b ≠ 0).</summary>
    /// <exception cref="DivideByZeroException"><paramref name="b"/> is 0.</exception>
    public static T FloorDiv<T>(T a, T b) where T : IBinaryInteger<T>
    {
        var (quotient, remainder) = T.DivRem(a, b);
        return remainder != T.Zero && (remainder < T.Zero) != (b < T.Zero) ? quotient - T.One : quotient;
    }
}
