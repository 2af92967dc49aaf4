using CGDmer.Signal.Dsp;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CGDmer.Signal.Tests;

/// <summary>
/// The vectorised single-precision <see cref="Resampler"/> against the scalar, double-accumulating implementation it
/// replaced (kept here verbatim as the reference): same filter design, same edge holding, outputs within 1e-5 mV for
/// ECG-scale signals. Guards the optimisation, not the filter design (DspTests checks the latter).
/// </summary>
public class ResamplerReferenceTests
{
    private const double Tolerance = 1e-5;

    /// <summary>The resampler as it was before vectorisation: taps in filter order, a double accumulator, one tap at a time.</summary>
    private static float[] ReferenceResample(ReadOnlySpan<float> input, double inputRateHz, double outputRateHz)
    {
        var (up, down) = Resampler.RationalRatio(inputRateHz, outputRateHz);
        int max = Math.Max(up, down), half = 10 * max, len = 2 * half + 1;
        int T = (len + up - 1) / up;
        var poly = new float[up * T];
        double fc = 1.0 / max;
        const double beta = 5.0;
        double i0Beta = BesselI0(beta);
        for (int j = 0; j < len; j++)
        {
            double t = j - half;
            double sinc = t == 0 ? 1 : Math.Sin(Math.PI * fc * t) / (Math.PI * fc * t);
            double r = t / half;
            double w = BesselI0(beta * Math.Sqrt(Math.Max(0, 1 - r * r))) / i0Beta;
            poly[(j % up) * T + j / up] = (float)(fc * sinc * w * up);
        }
        for (int phase = 0; phase < up; phase++)
        {
            double sum = 0;
            for (int i = 0; i < T; i++) sum += poly[phase * T + i];
            for (int i = 0; i < T; i++) poly[phase * T + i] = (float)(poly[phase * T + i] / sum);
        }
        int n = input.Length;
        var output = new float[Resampler.OutputLength(n, up, down)];
        for (int k = 0; k < output.Length; k++)
        {
            long t = (long)k * down + half;
            int phase = (int)(t % up);
            long n0 = t / up;
            double acc = 0;
            for (int i = 0; i < T; i++)
            {
                long idx = n0 - i;
                float v = idx < 0 ? input[0] : idx >= n ? input[n - 1] : input[(int)idx];
                acc += poly[phase * T + i] * v;
            }
            output[k] = (float)acc;
        }
        return output;
    }

    private static double BesselI0(double x)
    {
        double sum = 1, term = 1, q = x * x / 4;
        for (int k = 1; k < 200; k++)
        {
            term *= q / ((double)k * k);
            sum += term;
            if (term < sum * 1e-17) break;
        }
        return sum;
    }

    /// <summary>ECG-like mV: spikes to ±2.5 mV, baseline wander, a DC offset and noise.</summary>
    private static float[] EcgLike(int n, double fs, int seed)
    {
        var rng = new Random(seed);
        var x = new float[n];
        for (int i = 0; i < n; i++)
        {
            double t = i / fs, phase = t * 1.3 % 1.0;
            x[i] = (float)(2.5 * Math.Exp(-Math.Pow((phase - 0.3) / 0.015, 2)) - 0.4 * Math.Exp(-Math.Pow((phase - 0.33) / 0.01, 2))
                           + 0.5 * Math.Sin(2 * Math.PI * 0.25 * t) + 0.8 + 0.05 * (rng.NextDouble() - 0.5));
        }
        return x;
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = Math.Abs(expected[i] - actual[i]);
            if (!(d <= worst)) { worst = d; at = i; }
        }
        Assert.True(worst <= Tolerance, $"{what}: sample {at} differs by {worst:E2} ({actual[Math.Max(at, 0)]} vs {expected[Math.Max(at, 0)]})");
    }

    [Theory]
    [InlineData(360, 100)]
    [InlineData(500, 100)]
    [InlineData(250, 100)]
    [InlineData(128, 100)]
    [InlineData(1000, 100)]
    [InlineData(100, 360)]
    [InlineData(100, 500)]
    [InlineData(360, 500)]
    public void Matches_the_scalar_reference_on_an_ecg_like_signal(double fin, double fout)
    {
        var x = EcgLike((int)(fin * 12.3), fin, 7);
        AssertClose(ReferenceResample(x, fin, fout), Resampler.Resample(x, fin, fout), $"{fin} → {fout} Hz");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(40)]    // shorter than one phase's taps at 360 → 100 Hz: every output is on the edge path
    [InlineData(73)]
    [InlineData(150)]
    public void Matches_the_reference_on_short_inputs_where_the_edges_dominate(int n)
    {
        var x = EcgLike(n, 360, n);
        AssertClose(ReferenceResample(x, 360, 100), Resampler.Resample(x, 360, 100), $"n = {n}");
        AssertClose(ReferenceResample(x, 360, 500), Resampler.Resample(x, 360, 500), $"n = {n}, up");
    }

    private static readonly int[] Rates = [100, 125, 128, 200, 250, 256, 360, 400, 500, 1000];

    [Property(MaxTest = 60)]
    public void Matches_the_reference_for_any_rate_pair_length_and_amplitude(PositiveInt a, PositiveInt b, NonNegativeInt length, PositiveInt seed)
    {
        double fin = Rates[a.Get % Rates.Length], fout = Rates[b.Get % Rates.Length];
        int n = 1 + length.Get % 2500;
        var rng = new Random(seed.Get);
        // Arbitrary samples within ±5 mV (beyond any ECG), where single precision still holds 1e-5.
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float)(rng.NextDouble() * 10 - 5);
        AssertClose(ReferenceResample(x, fin, fout), Resampler.Resample(x, fin, fout), $"{fin} → {fout} Hz, n = {n}");
    }

    [Property(MaxTest = 100)]
    public void A_range_of_outputs_equals_the_same_outputs_of_the_whole(PositiveInt a, PositiveInt b, NonNegativeInt length, PositiveInt seed)
    {
        double fin = Rates[a.Get % Rates.Length], fout = Rates[b.Get % Rates.Length];
        int n = 1 + length.Get % 2000;
        var rng = new Random(seed.Get);
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float)(rng.NextDouble() * 4 - 2);
        var r = new Resampler(fin, fout);
        var whole = r.Resample(x);
        int first = rng.Next(0, whole.Length + 1), count = rng.Next(0, whole.Length - first + 1);
        var part = new float[count];
        r.Resample(x, part, first);
        Assert.Equal(whole.AsSpan(first, count).ToArray(), part);   // bit-identical, edges included
    }

    [Fact]
    public void A_range_beyond_the_outputs_is_rejected()
    {
        var r = new Resampler(360, 100);
        var x = new float[360];   // 100 outputs
        Assert.Throws<ArgumentException>(() => r.Resample(x, new float[10], 91));
        Assert.Throws<ArgumentOutOfRangeException>(() => r.Resample(x, new float[10], -1));
        r.Resample(x, new float[10], 90);   // the last ten: fine
    }

    [Property(MaxTest = 100)]
    public void Dot_is_the_inner_product_whatever_the_length(NonNegativeInt length, PositiveInt seed)
    {
        // Lengths around and below the 8-lane stride exercise the tail; the sum is compared in double.
        int n = length.Get % 100;
        var rng = new Random(seed.Get);
        var t = new float[n];
        var x = new float[n + 3];   // longer than the taps: only the first n samples count
        double expected = 0;
        for (int i = 0; i < n + 3; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        for (int i = 0; i < n; i++)
        {
            t[i] = (float)(rng.NextDouble() * 2 - 1);
            expected += (double)t[i] * x[i];
        }
        Assert.True(Math.Abs(Resampler.Dot(t, x) - expected) <= 1e-5, $"n = {n}");
    }

    [Fact]
    public void Dot_rejects_inputs_shorter_than_the_taps()
    {
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => Resampler.Dot(new float[9], new float[8]));
    }
}
