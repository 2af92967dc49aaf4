using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CGDmer.Pipeline.Validation;

/// <summary>
/// ADC integers to physical samples: (adc − baseline) · factor in double precision, rounded once to single. Four samples
/// per step where AVX runs (the same double operations per lane and the same rounding), one at a time elsewhere, so the
/// result does not depend on the machine.
/// </summary>
internal static class AdcConversion
{
    /// <summary>
    /// Writes <paramref name="converted"/>[i] = (float)((adc[i] − baseline) · factor). The range check is the validator's,
    /// on the lead's extremes (<see cref="Range"/>), so this hot path converts only.
    /// </summary>
    public static void Convert(ReadOnlySpan<int> adc, double baseline, double factor, Span<float> converted)
    {
        int n = adc.Length;
        if (converted.Length < n) throw new ArgumentException($"needs {n} samples, has {converted.Length}", nameof(converted));
        ref int src = ref MemoryMarshal.GetReference(adc);
        ref float dst = ref MemoryMarshal.GetReference(converted);
        int i = 0;
        if (Avx.IsSupported && n >= 4)
        {
            var b = Vector256.Create(baseline);
            var f = Vector256.Create(factor);
            for (; i <= n - 4; i += 4)
            {
                var raw = Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref src, (nuint)i));
                Avx.ConvertToVector128Single((raw - b) * f).StoreUnsafe(ref dst, (nuint)i);
            }
        }
        for (; i < n; i++) Unsafe.Add(ref dst, i) = Convert(Unsafe.Add(ref src, i), baseline, factor);
    }

    /// <summary>The conversion of one sample: <see cref="Convert"/>'s value for it, to the bit.</summary>
    public static float Convert(int adc, double baseline, double factor) => (float)((adc - baseline) * factor);

    /// <summary>The smallest and the largest of <paramref name="adc"/> (not empty).</summary>
    public static (int Min, int Max) Range(ReadOnlySpan<int> adc)
    {
        if (adc.IsEmpty) throw new ArgumentException("no samples", nameof(adc));
        ref int src = ref MemoryMarshal.GetReference(adc);
        int n = adc.Length, i = 0;
        int min = int.MaxValue, max = int.MinValue;
        if (Vector256.IsHardwareAccelerated && n >= Vector256<int>.Count)
        {
            var lo = Vector256.Create(int.MaxValue);
            var hi = Vector256.Create(int.MinValue);
            for (; i <= n - Vector256<int>.Count; i += Vector256<int>.Count)
            {
                var v = Vector256.LoadUnsafe(ref src, (nuint)i);
                lo = Vector256.Min(lo, v);
                hi = Vector256.Max(hi, v);
            }
            for (int k = 0; k < Vector256<int>.Count; k++)
            {
                min = Math.Min(min, lo.GetElement(k));
                max = Math.Max(max, hi.GetElement(k));
            }
        }
        for (; i < n; i++)
        {
            int v = Unsafe.Add(ref src, i);
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        return (min, max);
    }
}
