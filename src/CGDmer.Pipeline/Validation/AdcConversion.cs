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
    /// Writes <paramref name="converted"/>[i] = (float)((adc[i] − baseline) · factor) and returns whether every value lies
    /// within ±<paramref name="limit"/>; a NaN or an infinity does not.
    /// </summary>
    public static bool Convert(ReadOnlySpan<int> adc, double baseline, double factor, Span<float> converted, float limit)
    {
        int n = adc.Length;
        if (converted.Length < n) throw new ArgumentException($"needs {n} samples, has {converted.Length}", nameof(converted));
        ref int src = ref MemoryMarshal.GetReference(adc);
        ref float dst = ref MemoryMarshal.GetReference(converted);
        int i = 0;
        bool within = true;
        if (Avx.IsSupported && n >= 4)
        {
            var b = Vector256.Create(baseline);
            var f = Vector256.Create(factor);
            var lim = Vector128.Create(limit);
            var all = Vector128<float>.AllBitsSet;
            for (; i <= n - 4; i += 4)
            {
                var raw = Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref src, (nuint)i));
                var v = Avx.ConvertToVector128Single((raw - b) * f);
                v.StoreUnsafe(ref dst, (nuint)i);
                all &= Vector128.LessThanOrEqual(Vector128.Abs(v), lim);   // false for NaN
            }
            within = all.ExtractMostSignificantBits() == 0b1111;
        }
        for (; i < n; i++)
        {
            float v = (float)((Unsafe.Add(ref src, i) - baseline) * factor);
            Unsafe.Add(ref dst, i) = v;
            within &= Math.Abs(v) <= limit;
        }
        return within;
    }
}
