using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CGDmer.Signal.Dsp;

/// <summary>float → double for loops whose speed depends on which registers the JIT picks.</summary>
internal static class Widening
{
    /// <summary>
    /// The exact double of <paramref name="x"/>. On x64 <c>(double)x</c> compiles to <c>cvtss2sd</c>, which merges into
    /// its destination register and so waits for that register's last writer: in a recurrence loop this can chain each
    /// sample's input to the previous sample's output. <c>cvtps2pd</c> writes the whole register and waits for nothing.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double ToDouble(float x) =>
        Sse2.IsSupported ? Sse2.ConvertToVector128Double(Vector128.CreateScalarUnsafe(x)).ToScalar() : x;
}
