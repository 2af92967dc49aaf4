using CGDmer.Pipeline.Validation;
using FsCheck;
using FsCheck.Xunit;

namespace CGDmer.Pipeline.Tests.Validation;

public class AdcConversionTests
{
    private static readonly double[] Factors = [0.005, 1, 1e-3, 1.2765059055394226E-42 * 1e-6, 1e34, 1e300, double.Epsilon, 7.3e-5];

    /// <summary>The one-sample-at-a-time formula the vector path must match bit for bit.</summary>
    private static void Reference(int[] adc, double baseline, double factor, float[] expected)
    {
        for (int i = 0; i < adc.Length; i++) expected[i] = (float)((adc[i] - baseline) * factor);
    }

    [Property(MaxTest = 2000)]
    public bool Every_sample_equals_the_scalar_formula_bit_for_bit(int[] adc, int baseline, byte factorIndex, bool extremes)
    {
        adc ??= [];
        if (extremes && adc.Length > 0) { adc[0] = int.MinValue; adc[^1] = int.MaxValue; }
        double factor = Factors[factorIndex % Factors.Length];
        var expected = new float[adc.Length];
        var actual = new float[adc.Length];
        Reference(adc, baseline, factor, expected);
        AdcConversion.Convert(adc, baseline, factor, actual);
        for (int i = 0; i < adc.Length; i++)
            if (BitConverter.SingleToInt32Bits(actual[i]) != BitConverter.SingleToInt32Bits(expected[i])) return false;
        return true;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(6)]
    [InlineData(10)]
    public void A_sample_anywhere_converts_in_place(int position)
    {
        var adc = new int[11];
        adc[position] = 1_000_000;
        var mv = new float[11];
        AdcConversion.Convert(adc, 0, 1, mv);
        Assert.Equal(1e6f, mv[position]);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(9)]
    public void An_overflow_converts_to_infinity(int position)
    {
        var adc = new int[10];
        adc[position] = 100_000;   // 1e39: beyond float
        var mv = new float[10];
        AdcConversion.Convert(adc, 0, 1e34, mv);
        Assert.True(float.IsPositiveInfinity(mv[position]));
    }

    [Property(MaxTest = 2000)]
    public bool The_range_is_the_smallest_and_largest_sample(int[] adc, bool extremes, byte extremeAt)
    {
        if (adc is null || adc.Length == 0) return true;
        if (extremes) adc[extremeAt % adc.Length] = (extremeAt & 1) == 0 ? int.MinValue : int.MaxValue;
        var (min, max) = AdcConversion.Range(adc);
        return min == adc.Min() && max == adc.Max();
    }

    [Fact]
    public void The_one_sample_conversion_is_the_span_conversion()
    {
        int[] adc = [int.MinValue, -3, 0, 7, 1_000_001, int.MaxValue];
        var mv = new float[adc.Length];
        foreach (double factor in Factors)
        {
            AdcConversion.Convert(adc, 12.5, factor, mv);
            for (int i = 0; i < adc.Length; i++)
                Assert.Equal(BitConverter.SingleToInt32Bits(mv[i]), BitConverter.SingleToInt32Bits(AdcConversion.Convert(adc[i], 12.5, factor)));
        }
    }
}
