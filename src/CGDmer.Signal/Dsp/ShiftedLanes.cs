using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CGDmer.Signal.Dsp;

/// <summary>
/// Segments of one signal at consecutive shifts, as the lanes of a vector: lane j of a group starting at shift g reads
/// <c>x[g + j + t]</c> at step t. Each lane sums in double in step order, as a loop over that one segment does, so a
/// per-lane result is the same to the bit; the shifts' chains only run side by side.
/// </summary>
internal static class ShiftedLanes
{
    /// <summary>Shifts per group: the lanes of one single-precision vector (each widened into two double vectors).</summary>
    public static int Group => Vector256<float>.Count;

    /// <summary>Σ over t in [0, <paramref name="length"/>) of x[g + j + t] in double, for the group's lanes j (low: 0–3, high: 4–7).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<double> Low, Vector256<double> High) Sums(ref float x, int g, int length)
    {
        var (low, high) = (Vector256<double>.Zero, Vector256<double>.Zero);
        for (int t = 0; t < length; t++)
        {
            var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref x, (nuint)(t + g)));
            low += lo;
            high += hi;
        }
        return (low, high);
    }
}
