namespace CGDmer.Signal.Synthesis;

/// <summary>Second-order IIR section (RBJ cookbook), direct form I, processed in place.</summary>
internal struct Biquad
{
    private double _b0, _b1, _b2, _a1, _a2;

    public static Biquad LowPass(double fs, double fc, double q = 0.7071) => Make(fs, fc, q, low: true);
    public static Biquad HighPass(double fs, double fc, double q = 0.7071) => Make(fs, fc, q, low: false);

    private static Biquad Make(double fs, double fc, double q, bool low)
    {
        double w = 2 * Math.PI * Math.Min(fc, 0.49 * fs) / fs, c = Math.Cos(w), al = Math.Sin(w) / (2 * q), a0 = 1 + al;
        var f = new Biquad();
        if (low) { f._b0 = (1 - c) / 2 / a0; f._b1 = (1 - c) / a0; f._b2 = f._b0; }
        else { f._b0 = (1 + c) / 2 / a0; f._b1 = -(1 + c) / a0; f._b2 = f._b0; }
        f._a1 = -2 * c / a0; f._a2 = (1 - al) / a0;
        return f;
    }

    public readonly void Process(Span<double> x)
    {
        double x1 = 0, x2 = 0, y1 = 0, y2 = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double x0 = x[i];
            double y0 = _b0 * x0 + _b1 * x1 + _b2 * x2 - _a1 * y1 - _a2 * y2;
            x2 = x1; x1 = x0; y2 = y1; y1 = y0;
            x[i] = y0;
        }
    }
}

/// <summary>
/// Noise sources applied at the electrodes (RA, LA, LL, C1..C6) and combined into the independent channels
/// I = LA − RA, II = LL − RA, Vk = Ck − WCT, so correlated artefacts appear across leads as on a real recorder.
/// Powerline, channel gain and lead-off act on the channels.
/// </summary>
internal static class NoiseModel
{
    private const int RA = 0, LA = 1, LL = 2;

    public static void Apply(double[][] ch, double fs, NoiseOptions o, double respHz, SynthRandom rng, List<LeadOffInterval> leadOff)
    {
        int n = ch[0].Length;
        if (n == 0) return;
        double invFs = 1 / fs;
        bool electrodeNoise = o.BaselineWanderMv > 0 || o.MuscleMv > 0 || o.ElectrodeMotionMv > 0;
        if (electrodeNoise)
        {
            var e = new double[9][];
            for (int k = 0; k < 9; k++) e[k] = Scratch.Current.Zeroed(11 + k, n);
            if (o.BaselineWanderMv > 0)
            {
                double respPhase = rng.Uniform(0, 2 * Math.PI);
                Span<double> df = stackalloc double[3], da = stackalloc double[3], dp = stackalloc double[3];
                for (int k = 0; k < 9; k++)
                {
                    bool chest = k >= 3;
                    double a = o.BaselineWanderMv * rng.Uniform(0.4, 1.0) * (chest ? 1.0 : 0.6);
                    double ph = respPhase + rng.Gaussian(0, 0.6);
                    for (int j = 0; j < 3; j++) { df[j] = rng.Uniform(0.01, 0.1); da[j] = a * rng.Uniform(0.2, 0.6); dp[j] = rng.Uniform(0, 2 * Math.PI); }
                    // slow components: evaluated on a coarse grid (<= 50 Hz) and linearly interpolated
                    int step = Math.Max(1, (int)(fs / 50));
                    int m = n / step + 2;
                    double[] coarse = Scratch.Current.Zeroed(22, m);
                    double wc = 2 * Math.PI * respHz * invFs * step;
                    Oscillator.Add(coarse, a, wc, ph);
                    Oscillator.Add(coarse, 0.075 * a, 0, 0.5 * Math.PI);                // 0.15·sin² = 0.075 − 0.075·cos(2wt)
                    Oscillator.Add(coarse, -0.075 * a, 2 * wc, 2 * ph + 0.5 * Math.PI);
                    for (int j = 0; j < 3; j++) Oscillator.Add(coarse, da[j], 2 * Math.PI * df[j] * invFs * step, dp[j]);
                    var x = e[k];
                    double inv = 1.0 / step;
                    for (int i = 0; i < n; i++)
                    {
                        int q = i / step; double fr = (i - q * step) * inv;
                        x[i] += coarse[q] + (coarse[q + 1] - coarse[q]) * fr;
                    }
                }
            }
            if (o.MuscleMv > 0)
            {
                var buf = Scratch.Current.Zeroed(20, n);
                double lo = Math.Min(20, 0.2 * fs), hi = Math.Min(150, 0.42 * fs);
                var hp = Biquad.HighPass(fs, lo); var lp = Biquad.LowPass(fs, hi);
                Span<double> bc = stackalloc double[3], bw = stackalloc double[3], ba = stackalloc double[3];
                for (int k = 0; k < 9; k++)
                {
                    bool limb = k < 3;
                    double level = o.MuscleMv * (limb ? rng.Uniform(0.6, 1.0) : rng.Uniform(0.2, 0.6)) / Math.Sqrt(2);
                    for (int i = 0; i < n; i++) buf[i] = 3.4641016151377544 * (rng.NextDouble() - 0.5); // unit-variance white noise; Gaussian after band-pass filtering
                    hp.Process(buf); lp.Process(buf);
                    double ss = 0; for (int i = 0; i < n; i++) ss += buf[i] * buf[i];
                    double g = level / Math.Sqrt(ss / n + 1e-30);
                    // bursts: background 30-60 % plus 0-3 contractions at up to 2.5x
                    double bg = rng.Uniform(0.3, 0.6);
                    int bursts = rng.Int(0, 4);
                    for (int j = 0; j < bursts; j++) { bc[j] = rng.Uniform(0, n * invFs); bw[j] = rng.Uniform(0.2, 0.8); ba[j] = rng.Uniform(1.0, 2.5); }
                    var x = e[k];
                    for (int i = 0; i < n; i++)
                    {
                        double t = i * invFs, env = bg;
                        for (int j = 0; j < bursts; j++) { double d = (t - bc[j]) / bw[j]; if (d * d < 16) env += ba[j] * Math.Exp(-d * d); }
                        x[i] += g * env * buf[i];
                    }
                }
            }
            if (o.ElectrodeMotionMv > 0)
            {
                double expected = o.ElectrodeMotionPer10s * n * invFs / 10;
                int events = Poisson(rng, expected);
                for (int ev = 0; ev < events; ev++)
                {
                    int k = rng.Chance(0.6) ? rng.Int(3, 9) : rng.Int(0, 3);
                    double len = rng.Uniform(0.4, 2.0);
                    int s0 = rng.Int(0, n), m = Math.Min(n - s0, (int)(len * fs));
                    if (m < 8) continue;
                    var seg = new double[m];
                    for (int i = 0; i < m; i++) seg[i] = rng.Gaussian();
                    var lp1 = Biquad.LowPass(fs, rng.Uniform(2, 8));
                    lp1.Process(seg); lp1.Process(seg);
                    double peak = 1e-12; for (int i = 0; i < m; i++) peak = Math.Max(peak, Math.Abs(seg[i]));
                    double amp = o.ElectrodeMotionMv * rng.Uniform(0.4, 1.0);
                    double step = amp * rng.Uniform(-1, 1), tau = rng.Uniform(0.2, 0.8);
                    var x = e[k];
                    for (int i = 0; i < m; i++)
                    {
                        double t = i * invFs;
                        double env = Math.Sin(Math.PI * i / m);
                        x[s0 + i] += amp * env * seg[i] / peak + step * (1 - Math.Exp(-t / 0.02)) * Math.Exp(-t / tau);
                    }
                }
            }
            // electrodes -> channels
            for (int i = 0; i < n; i++)
            {
                double ra = e[RA][i], la = e[LA][i], ll = e[LL][i], wct = (ra + la + ll) / 3;
                ch[0][i] += la - ra;
                ch[1][i] += ll - ra;
                for (int k = 0; k < 6; k++) ch[2 + k][i] += e[3 + k][i] - wct;
            }
        }

        if (o.PowerlineMv > 0)
        {
            double f = o.PowerlineHz, ph = rng.Uniform(0, 2 * Math.PI);
            double h2 = rng.Uniform(0.0, 0.1), h3 = rng.Uniform(0.05, 0.3);
            for (int c = 0; c < ch.Length; c++)
            {
                double a = o.PowerlineMv * rng.Uniform(0.6, 1.2), p = ph + rng.Gaussian(0, 0.2);
                var x = ch[c];
                for (int h = 1; h <= 3; h++)
                {
                    double fh = f * h;
                    if (fh >= 0.5 * fs - 1) break;
                    double ah = a * (h == 1 ? 1 : h == 2 ? h2 : h3), w = 2 * Math.PI * fh * invFs;
                    Oscillator.Add(x, ah, w, h * p);
                }
            }
        }

        if (o.GainSpread > 0)
            for (int c = 0; c < ch.Length; c++)
            {
                double g = Math.Clamp(1 + o.GainSpread * rng.Gaussian(), 0.7, 1.3);
                var x = ch[c];
                for (int i = 0; i < n; i++) x[i] *= g;
            }

        if (o.LeadOffProbability > 0 && rng.Chance(o.LeadOffProbability))
        {
            double len = rng.Uniform(0.5, Math.Min(4.0, n * invFs * 0.6));
            int s0 = rng.Int(0, Math.Max(1, n - (int)(len * fs))), s1 = Math.Min(n, s0 + (int)(len * fs));
            if (rng.Chance(0.4))
            {
                // a limb electrode: all six limb leads drop out (flat), Einthoven relations still hold
                for (int i = s0; i < s1; i++) { ch[0][i] = 0; ch[1][i] = 0; }
                foreach (var l in new[] { Lead.I, Lead.II, Lead.III, Lead.aVR, Lead.aVL, Lead.aVF })
                    leadOff.Add(new LeadOffInterval(l, s0, s1, false, 0f));
            }
            else
            {
                int k = rng.Int(0, 6);
                bool railed = rng.Chance(0.5);
                float level = railed ? (rng.Chance(0.5) ? 5f : -5f) : 0f;
                for (int i = s0; i < s1; i++) ch[2 + k][i] = level;
                leadOff.Add(new LeadOffInterval(Lead.V1 + k, s0, s1, railed, level));
            }
        }
    }

    private static int Poisson(SynthRandom rng, double lambda)
    {
        if (lambda <= 0) return 0;
        double l = Math.Exp(-Math.Min(lambda, 50)), p = 1; int k = 0;
        do { k++; p *= rng.NextDouble(); } while (p > l);
        return k - 1;
    }
}

/// <summary>Adds amp·sin(w·i + phase) to a buffer using a rotation recurrence (no per-sample trigonometry).</summary>
internal static class Oscillator
{
    public static void Add(Span<double> x, double amp, double w, double phase, double sign = 1)
    {
        if (amp == 0) return;
        double c = Math.Cos(w), s = Math.Sin(w);
        double re = Math.Cos(phase), im = Math.Sin(phase);   // e^{i(phase)}
        amp *= sign;
        for (int i = 0; i < x.Length; i++)
        {
            x[i] += amp * im;
            double nr = re * c - im * s;
            im = re * s + im * c;
            re = nr;
            if ((i & 1023) == 1023) { double m = 1 / Math.Sqrt(re * re + im * im); re *= m; im *= m; }
        }
    }
}
