using CGDmer.Signal.Dsp;
using FsCheck;
using FsCheck.Xunit;

namespace CGDmer.Signal.Tests;

/// <summary>Ratios of rates without small factors (measured monitor rates) are approximated within the documented error.</summary>
public class ResamplerRatioTests
{
    private static readonly int[] ModelRates = [100, 125, 250, 500];

    [Theory]
    [InlineData(499.87, 1, 5)]
    [InlineData(257.3, 363, 934)]
    [InlineData(500.5, 199, 996)]
    [InlineData(1999.999, 1, 20)]
    [InlineData(1999, 1, 20)]
    public void Rates_without_small_factors_get_the_nearest_bounded_ratio(double rate, int up, int down)
    {
        Assert.Equal((up, down), Resampler.RationalRatio(rate, 100));
        var r = new Resampler(rate, 100);
        Assert.Equal((up, down), (r.Up, r.Down));
        Assert.InRange(Math.Abs(r.EffectiveInputRateHz / rate - 1), 0, Resampler.MaxRatioError);
        Assert.Equal(rate, r.InputRateHz);
    }

    [Fact]
    public void Rates_with_small_factors_keep_their_exact_ratio()
    {
        foreach (double rate in new[] { 50, 128, 200, 250, 256, 300, 360, 400, 500, 1000, 2000, 257.5, 333.333 })
        foreach (int model in ModelRates)
        {
            long a = model * 1000L, b = (long)Math.Round(rate * 1000);
            long g = System.Numerics.BigInteger.GreatestCommonDivisor(a, b) is var big ? (long)big : 1;
            if (a / g > Resampler.MaxPhases || b / g > Resampler.MaxPhases) continue;
            Assert.Equal(((int)(a / g), (int)(b / g)), Resampler.RationalRatio(rate, model));
        }
    }

    [Property(MaxTest = 500)]
    public bool Every_rate_of_the_contract_has_a_ratio_within_the_error(PositiveInt seed)
    {
        var rng = new Random(seed.Get);
        // Whole Hz, mHz, µHz and arbitrary doubles across [50, 2000].
        double rate = (rng.Next(4)) switch
        {
            0 => rng.Next(50, 2001),
            1 => rng.Next(50_000, 2_000_001) / 1000.0,
            2 => rng.NextInt64(50_000_000, 2_000_000_001) / 1e6,
            _ => 50 + rng.NextDouble() * 1950,
        };
        int model = ModelRates[rng.Next(ModelRates.Length)];
        if (!Resampler.TryRationalRatio(rate, model, out int up, out int down)) return false;
        double x = (double)model / rate, approx = (double)up / down;
        return up is >= 1 and <= Resampler.MaxPhases && down is >= 1 and <= Resampler.MaxPhases
               && Math.Abs(approx / x - 1) <= Resampler.MaxRatioError
               && Resampler.RationalRatio(rate, model) == (up, down);   // deterministic
    }

    [Property(MaxTest = 300)]
    public bool Every_ratio_in_the_documented_range_is_processable(PositiveInt seed)
    {
        var rng = new Random(seed.Get);
        double x = Math.Exp((rng.NextDouble() * 2 - 1) * Math.Log(999.9));   // log-uniform in [1/999.9, 999.9]
        return Resampler.TryRationalRatio(100 / x, 100, out int up, out int down)
               && Math.Abs((double)up / down / x - 1) <= Resampler.MaxRatioError;
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-500.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(1e300)]
    [InlineData(1e-300)]
    [InlineData(0.05)]        // 100 / 0.05 = 2000: beyond 1000 phases
    [InlineData(200_000.0)]   // 100 / 200 kHz = 1/2000
    public void Rates_without_a_bounded_ratio_are_refused(double rate)
    {
        Assert.False(Resampler.TryRationalRatio(rate, 100, out _, out _));
        Assert.ThrowsAny<ArgumentException>(() => Resampler.RationalRatio(rate, 100));
        Assert.ThrowsAny<ArgumentException>(() => new Resampler(rate, 100));
    }

    [Fact]
    public void An_approximated_ratio_resamples_a_sine_to_the_right_frequency()
    {
        // 5 Hz sine at 499.87 Hz → 100 Hz: the output is the same sine up to the documented time-scale error.
        const double rate = 499.87;
        var x = new float[(int)(rate * 20)];
        for (int i = 0; i < x.Length; i++) x[i] = (float)Math.Sin(2 * Math.PI * 5 * i / rate);
        var r = new Resampler(rate, 100);
        var y = r.Resample(x);
        for (int k = 200; k < y.Length - 200; k++)
            Assert.InRange(y[k] - Math.Sin(2 * Math.PI * 5 * k / 100.0 * (r.EffectiveInputRateHz / rate)), -0.02, 0.02);
    }

    [Property(MaxTest = 60)]
    public bool Outputs_at_any_position_are_the_one_shot_outputs_of_the_span_from_there(PositiveInt seed)
    {
        var rng = new Random(seed.Get);
        double rate = new[] { 360, 500, 499.87, 257.3, 1999.999, 50.0001 }[rng.Next(6)];
        var r = new Resampler(rate, 100);
        var x = new float[(int)(rate * 20) + rng.Next(2000)];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        int start = rng.Next(1, 1000);   // input sample the outputs start at (position start·Up, any phase of Down)
        var whole = r.Resample(x.AsSpan(start));
        var at = new float[whole.Length - 400];
        r.ResampleAt(x, at, (long)start * r.Up);
        // Away from the span's start (where the one-shot holds its first sample) both read the same inputs with the same taps.
        return at.AsSpan(200).SequenceEqual(whole.AsSpan(200, at.Length - 200));
    }

    [Fact]
    public void Outputs_at_a_multiple_of_down_are_the_one_shot_outputs()
    {
        var r = new Resampler(360, 100);
        var x = Enumerable.Range(0, 3600).Select(i => (float)Math.Sin(i * 0.05)).ToArray();
        var whole = r.Resample(x);
        var at = new float[500];
        r.ResampleAt(x, at, 37L * r.Down);
        Assert.Equal(whole.AsSpan(37, 500).ToArray(), at);
        Assert.Throws<ArgumentException>(() => r.ResampleAt(x, new float[whole.Length], r.Down));   // one output past the end
    }
}
