using CGDmer.Signal.Dsp;
using CGDmer.Signal.Wfdb;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CGDmer.Signal.Tests;

public class PropertyTests
{
    /// <summary>Floor division agrees with the exact floor of the quotient for every sign, in 64 and 128 bits.</summary>
    [Property]
    public bool Floor_division_rounds_toward_minus_infinity(long a, long b)
    {
        if (b == 0) return Assert.Throws<DivideByZeroException>(() => IntegerDivision.FloorDiv(a, b)) is not null;
        if (b == -1 && a == long.MinValue) return true;   // the quotient overflows 64 bits
        long q = IntegerDivision.FloorDiv(a, b);
        Int128 wide = IntegerDivision.FloorDiv((Int128)a * 1000 + 7, (Int128)b);
        // q·b ≤ a < (q + 1)·b for b > 0 (reversed for b < 0), checked in 128 bits.
        Int128 lo = (Int128)q * b, hi = ((Int128)q + 1) * b;
        bool floor64 = b > 0 ? lo <= a && a < hi : lo >= a && a > hi;
        Int128 loW = wide * b, hiW = (wide + 1) * b, aw = (Int128)a * 1000 + 7;
        bool floor128 = b > 0 ? loW <= aw && aw < hiW : loW >= aw && aw > hiW;
        return floor64 && floor128;
    }

    private static readonly string[] Tokens =
        ["r", "100", "360", "2", "1", "0", "-5", "212", "16", "80", "310", "16+24", "16x2", "212:1", "200(1024)/mV", "200/mV",
         "1000.0(0)/mV", "(", ")", "/", "#", "\n", "\r\n", " ", "\t", "x.dat", "12:00:00", "01/01/2000", "1e400", "NaN",
         "-", "+", ":", "MLII", "99999999999", "0.0", "200()", "/mV", "(3)"];

    /// <summary>Header-like noise: random sequences of header tokens plus arbitrary characters.</summary>
    public static Arbitrary<string> HeaderText() =>
        Gen.OneOf(
                Gen.Elements(Tokens).ListOf().Select(l => string.Join(" ", l)),
                Gen.Elements(Tokens).ListOf().Select(l => string.Concat(l)),
                ArbMap.Default.GeneratorFor<string>().Where(s => s is not null))
            .ToArbitrary();

    [Property(Arbitrary = [typeof(PropertyTests)], MaxTest = 500)]
    public void Header_parser_throws_only_WfdbFormatException(string text)
    {
        try
        {
            var h = WfdbHeaderParser.Parse(text, "fuzz.hea");
            Assert.Equal(h.SignalCount, h.Signals.Count);
        }
        catch (WfdbFormatException e)
        {
            Assert.StartsWith("fuzz.hea:", e.Message);
        }
    }

    [Property(MaxTest = 300)]
    public void Well_formed_headers_round_trip(PositiveInt seed)
    {
        var rng = new Random(seed.Get);
        int nsig = 1 + rng.Next(12);
        int fs = new[] { 100, 250, 360, 500, 1000 }[rng.Next(5)];
        long nsamp = rng.Next(1_000_000);
        var lines = new List<string> { $"rec{seed.Get} {nsig} {fs} {nsamp}" };
        var expected = new List<(int Fmt, double Gain, int Baseline, int AdcZero, int Init, int Sum, string Desc)>();
        for (int i = 0; i < nsig; i++)
        {
            int fmt = rng.Next(2) == 0 ? 16 : 212;
            double gain = Math.Round(rng.NextDouble() * 2000 + 1, 3);
            int adczero = rng.Next(-100, 2048);
            bool hasBaseline = rng.Next(2) == 0;
            int baseline = hasBaseline ? rng.Next(-2048, 2048) : adczero;
            int init = rng.Next(-2048, 2048), sum = rng.Next(-32768, 32768);
            string desc = rng.Next(3) == 0 ? "" : new[] { "MLII", "V1", "ECG lead I", "aVF" }[rng.Next(4)];
            string gainText = gain.ToString(System.Globalization.CultureInfo.InvariantCulture) + (hasBaseline ? $"({baseline})" : "") + "/mV";
            lines.Add($"rec.dat {fmt} {gainText} 12 {adczero} {init} {sum} 0 {desc}".TrimEnd());
            expected.Add((fmt, gain, baseline, adczero, init, sum, desc));
        }
        lines.Add("# comment");
        var h = WfdbHeaderParser.Parse(string.Join("\n", lines), "rt.hea");
        Assert.Equal(nsig, h.SignalCount);
        Assert.Equal(fs, h.SampleRateHz);
        Assert.Equal(nsamp, h.SampleCount);
        for (int i = 0; i < nsig; i++)
        {
            var e = expected[i];
            var sp = h.Signals[i];
            Assert.Equal((WfdbStorageFormat)e.Fmt, sp.Format);
            Assert.Equal(e.Gain, sp.Gain);
            Assert.Equal(e.Baseline, sp.Baseline);
            Assert.Equal(e.AdcZero, sp.AdcZero);
            Assert.Equal(e.Init, sp.InitialValue);
            Assert.Equal(e.Sum, sp.Checksum);
            Assert.Equal(e.Desc, sp.Description);
        }
    }

    [Property(MaxTest = 300)]
    public void Annotation_parser_throws_only_WfdbFormatException(byte[] data)
    {
        try { AnnotationReader.Parse(data ?? [], "fuzz.atr"); }
        catch (WfdbFormatException e) { Assert.Contains("fuzz.atr", e.Message); }
    }

    private static readonly int[] Rates = [100, 125, 128, 200, 250, 256, 360, 400, 500, 1000];

    [Property(MaxTest = 100)]
    public void Resampler_output_length_is_ceil_n_L_over_M(NonNegativeInt len, PositiveInt a, PositiveInt b)
    {
        double fin = Rates[a.Get % Rates.Length], fout = Rates[b.Get % Rates.Length];
        int n = len.Get % 3000;
        var r = new Resampler(fin, fout);
        int expected = (int)Math.Ceiling(n * fout / fin - 1e-9);
        Assert.Equal(expected, r.OutputLength(n));
        Assert.Equal(expected, r.Resample(new float[n]).Length);
    }

    [Property(MaxTest = 40)]
    public void Streaming_resampler_equals_one_shot(PositiveInt seed, PositiveInt chunk, bool up)
    {
        var rng = new Random(seed.Get);
        var x = new float[500 + rng.Next(2000)];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        var r = up ? new Resampler(100, 360) : new Resampler(360, 100);
        var expected = r.Resample(x);
        var got = new List<float>();
        int c = 1 + chunk.Get % 400;
        for (int i = 0; i < x.Length; i += c)
        {
            int len = Math.Min(c, x.Length - i);
            var buf = new float[r.MaxOutputForChunk(len)];
            got.AddRange(buf.AsSpan(0, r.Process(x.AsSpan(i, len), buf)).ToArray());
        }
        var tail = new float[r.OutputLength(x.Length)];
        got.AddRange(tail.AsSpan(0, r.Flush(tail)).ToArray());
        Assert.Equal(expected, got.ToArray());
    }

    [Property(MaxTest = 50)]
    public void FiltFilt_is_linear(PositiveInt seed)
    {
        // Reflection padding and steady-state initial conditions are both linear in the data, so filtfilt must be.
        var rng = new Random(seed.Get);
        int n = 20 + rng.Next(1000);
        var x = new float[n];
        var y = new float[n];
        for (int i = 0; i < n; i++) { x[i] = (float)(rng.NextDouble() * 2 - 1); y[i] = (float)(rng.NextDouble() * 2 - 1); }
        var bp = Butterworth.BandPass(2, 0.5, 40, 250);
        var sum = new float[n];
        for (int i = 0; i < n; i++) sum[i] = 2 * x[i] - 3 * y[i];
        bp.FiltFilt(x);
        bp.FiltFilt(y);
        bp.FiltFilt(sum);
        for (int i = 0; i < n; i++) Assert.InRange(sum[i] - (2 * x[i] - 3 * y[i]), -1e-3f, 1e-3f);
    }

    [Property(MaxTest = 50)]
    public void FiltFilt_commutes_with_time_reversal_away_from_edges(PositiveInt seed)
    {
        // Zero phase: filtering the reversed signal gives the reversed result (exactly so once edge effects have decayed).
        var rng = new Random(seed.Get);
        var x = new float[200 + rng.Next(800)];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        var lp = Butterworth.LowPass(4, 40, 250);
        var a = (float[])x.Clone();
        lp.FiltFilt(a);
        var b = x.Reverse().ToArray();
        lp.FiltFilt(b);
        Array.Reverse(b);
        for (int i = 60; i < a.Length - 60; i++) Assert.InRange(a[i] - b[i], -1e-4f, 1e-4f);
    }
}
