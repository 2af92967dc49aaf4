using CGDmer.Signal.Dsp;

namespace CGDmer.Signal.Tests;

public class DspTests
{
    private static float[] Sine(double f, double fs, int n, double amp = 1, double phase = 0)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float)(amp * Math.Sin(2 * Math.PI * f * i / fs + phase));
        return x;
    }

    /// <summary>Least-squares amplitude and phase of a known-frequency sinusoid over x[from..to).</summary>
    private static (double Amp, double Phase) Fit(ReadOnlySpan<float> x, double f, double fs, int from, int to)
    {
        double s = 0, c = 0;
        for (int i = from; i < to; i++)
        {
            double w = 2 * Math.PI * f * i / fs;
            s += x[i] * Math.Sin(w);
            c += x[i] * Math.Cos(w);
        }
        int n = to - from;
        return (2 * Math.Sqrt(s * s + c * c) / n, Math.Atan2(c, s));
    }

    [Theory]
    [InlineData(360, 100, 5)]
    [InlineData(500, 100, 7)]
    [InlineData(250, 100, 10)]
    [InlineData(100, 500, 3)]
    [InlineData(100, 360, 12)]
    public void Resampler_preserves_in_band_sinusoid(double fin, double fout, double f)
    {
        var x = Sine(f, fin, (int)(fin * 10), amp: 1.5, phase: 0.3);
        var y = Resampler.Resample(x, fin, fout);
        Assert.Equal((int)(fout * 10), y.Length);
        // Away from the edges, amplitude and phase (i.e. timing) must match the ideal resampled sinusoid.
        var (amp, ph) = Fit(y, f, fout, (int)fout, y.Length - (int)fout);
        Assert.InRange(amp, 1.5 * 0.99, 1.5 * 1.01);
        Assert.InRange(Math.Abs(ph - 0.3), 0, 0.02);
        for (int i = (int)fout; i < y.Length - fout; i++)
            Assert.InRange(y[i] - 1.5 * Math.Sin(2 * Math.PI * f * i / fout + 0.3), -0.02, 0.02);
    }

    [Theory]
    [InlineData(360, 100, 70)] // would alias to 30 Hz
    [InlineData(500, 100, 80)]
    [InlineData(250, 100, 60)]
    public void Resampler_attenuates_above_new_nyquist(double fin, double fout, double f)
    {
        var x = Sine(f, fin, (int)(fin * 10));
        var y = Resampler.Resample(x, fin, fout);
        double alias = fout - f;
        var (amp, _) = Fit(y, alias, fout, (int)fout, y.Length - (int)fout);
        Assert.True(amp < 0.01, $"aliased component {20 * Math.Log10(amp):F1} dB");
    }

    [Fact]
    public void Upsampling_suppresses_images()
    {
        // 30 Hz at 100 Hz upsampled to 500 Hz: zero-stuffing images at 70, 130, 170 Hz must be filtered out.
        var y = Resampler.Resample(Sine(30, 100, 1000), 100, 500);
        var (amp, _) = Fit(y, 30, 500, 500, y.Length - 500);
        Assert.InRange(amp, 0.99, 1.01);
        foreach (double image in new[] { 70.0, 130.0, 170.0 })
            Assert.True(Fit(y, image, 500, 500, y.Length - 500).Amp < 0.005, $"image at {image} Hz");
    }

    [Fact]
    public void Resampler_constant_in_constant_out()
    {
        var x = Enumerable.Repeat(2.5f, 3600).ToArray();
        var y = Resampler.Resample(x, 360, 100);
        Assert.All(y, v => Assert.InRange(v, 2.5f - 1e-5f, 2.5f + 1e-5f));
    }

    [Fact]
    public void Resampler_ratios_reduce()
    {
        Assert.Equal((5, 18), Resampler.RationalRatio(360, 100));
        Assert.Equal((1, 5), Resampler.RationalRatio(500, 100));
        Assert.Equal((2, 5), Resampler.RationalRatio(250, 100));
        Assert.Equal((5, 1), Resampler.RationalRatio(100, 500));
        Assert.Equal(278, new Resampler(360, 100).OutputLength(1000)); // ceil(1000·5/18)
    }

    [Fact]
    public void Butterworth_lowpass_and_highpass_hit_minus_3db_at_cutoff()
    {
        foreach (int order in new[] { 1, 2, 3, 4, 5 })
        {
            var lp = Butterworth.LowPass(order, 40, 360);
            Assert.Equal(1.0, lp.Magnitude(0, 360), 9);
            Assert.Equal(1 / Math.Sqrt(2), lp.Magnitude(40, 360), 9);
            Assert.True(lp.Magnitude(180, 360) < 1e-9); // bilinear: zero at Nyquist
            Assert.True(lp.Magnitude(20, 360) > lp.Magnitude(30, 360));

            var hp = Butterworth.HighPass(order, 0.5, 500);
            Assert.True(hp.Magnitude(0, 500) < 1e-9);
            Assert.Equal(1 / Math.Sqrt(2), hp.Magnitude(0.5, 500), 9);
            Assert.Equal(1.0, hp.Magnitude(250, 500), 9);
        }
        // Roll-off: an order-4 low-pass is ~ -24 dB per octave well above cutoff (analog prototype: 1/sqrt(1+(f/fc)^8)).
        var lp4 = Butterworth.LowPass(4, 10, 1000);
        Assert.InRange(lp4.MagnitudeDb(40, 1000), -48.5, -47.5);
    }

    [Fact]
    public void Bandpass_and_notch_responses()
    {
        var bp = Butterworth.BandPass(2, 0.5, 40, 500);
        Assert.InRange(bp.Magnitude(10, 500), 0.995, 1.0001);
        Assert.InRange(bp.Magnitude(0.5, 500), 0.70, 0.71);
        Assert.InRange(bp.Magnitude(40, 500), 0.70, 0.71);
        Assert.True(bp.Magnitude(0.05, 500) < 0.02);
        Assert.True(bp.Magnitude(150, 500) < 0.1);

        foreach (double mains in new[] { 50.0, 60.0 })
        {
            var notch = Butterworth.Notch(mains, 500, q: 30);
            Assert.True(notch.Magnitude(mains, 500) < 1e-9);
            Assert.InRange(notch.Magnitude(mains + mains / 60, 500), 0.66, 0.76); // ≈ −3 dB at ± bandwidth/2 (f0/Q)
            Assert.InRange(notch.Magnitude(10, 500), 0.999, 1.0001);
            Assert.InRange(notch.Magnitude(0, 500), 0.999999, 1.000001);
        }
    }

    [Fact]
    public void Causal_filter_matches_designed_response_and_is_chunkable()
    {
        const double fs = 360;
        var lp = Butterworth.LowPass(4, 20, fs);
        var x = Sine(30, fs, 3600);
        var whole = (float[])x.Clone();
        lp.Process(whole);
        var (amp, _) = Fit(whole, 30, fs, 1800, 3600);
        Assert.InRange(amp, lp.Magnitude(30, fs) * 0.99, lp.Magnitude(30, fs) * 1.01);

        var chunked = (float[])x.Clone();
        var state = lp.CreateState();
        for (int i = 0; i < chunked.Length; i += 97) lp.Process(chunked.AsSpan(i, Math.Min(97, chunked.Length - i)), state);
        Assert.Equal(whole, chunked);
    }

    [Fact]
    public void FiltFilt_has_zero_phase_and_squared_magnitude()
    {
        const double fs = 500;
        var bp = Butterworth.BandPass(2, 0.5, 40, fs);
        foreach (double f in new[] { 1.0, 5.0, 20.0, 35.0 })
        {
            var x = Sine(f, fs, 5000, phase: 0.7);
            var y = (float[])x.Clone();
            bp.FiltFilt(y);
            var (ax, px) = Fit(x, f, fs, 1000, 4000);
            var (ay, py) = Fit(y, f, fs, 1000, 4000);
            Assert.InRange(py - px, -0.005, 0.005);
            double expected = Math.Pow(bp.Magnitude(f, fs), 2);
            Assert.InRange(ay / ax, expected - 0.01, expected + 0.01);
        }

        // A symmetric pulse stays symmetric about the same centre (a causal filter would delay it).
        var pulse = new float[2001];
        for (int i = 0; i < pulse.Length; i++) pulse[i] = (float)Math.Exp(-Math.Pow((i - 1000) / 10.0, 2));
        bp.FiltFilt(pulse);
        int argmax = Array.IndexOf(pulse, pulse.Max());
        Assert.Equal(1000, argmax);
        for (int k = 1; k < 200; k++) Assert.InRange(pulse[1000 - k] - pulse[1000 + k], -1e-3f, 1e-3f);
    }

    [Fact]
    public void FiltFilt_reflect_padding_avoids_edge_transients_on_offset_signals()
    {
        const double fs = 100;
        var lp = Butterworth.LowPass(2, 10, fs);
        var x = Enumerable.Repeat(3f, 300).ToArray();
        lp.FiltFilt(x);
        Assert.All(x, v => Assert.InRange(v, 3f - 1e-4f, 3f + 1e-4f));
    }

    [Fact]
    public void Preprocessing_is_documented_deterministic_and_removes_baseline()
    {
        Assert.Equal("bandpass-0.5-40hz-filtfilt-v1", EcgPreprocessing.Identifier);
        const double fs = 100;
        var x = new float[1000];
        for (int i = 0; i < x.Length; i++)
            x[i] = (float)(2.0 + 0.8 * Math.Sin(2 * Math.PI * 0.1 * i / fs) + Math.Sin(2 * Math.PI * 10 * i / fs));
        var a = (float[])x.Clone();
        var b = (float[])x.Clone();
        EcgPreprocessing.Apply(a, fs);
        EcgPreprocessing.Apply(b, fs);
        Assert.Equal(a, b);
        // The 10 Hz component passes (|H|² ≈ 1), the DC offset and 0.1 Hz wander are removed.
        var (amp, _) = Fit(a, 10, fs, 200, 800);
        Assert.InRange(amp, 0.97, 1.01);
        double mean = a.Skip(200).Take(600).Average(v => (double)v);
        Assert.InRange(mean, -0.05, 0.05);
        Assert.Throws<ArgumentOutOfRangeException>(() => EcgPreprocessing.Apply(new float[10], 50));
    }

    [Fact]
    public void Preprocessing_does_not_allocate_per_window()
    {
        var window = Sine(7, 100, 1000);
        EcgPreprocessing.Apply(window, 100); // warm-up: design cache, pool
        Assert.Equal(0, Allocations.LeastOfThree(() =>
        {
            for (int i = 0; i < 20; i++) EcgPreprocessing.Apply(window, 100);
        }));
    }
}
