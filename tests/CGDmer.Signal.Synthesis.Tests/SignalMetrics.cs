using CGDmer.Signal;
using CGDmer.Signal.Synthesis;

namespace CGDmer.Signal.Synthesis.Tests;

/// <summary>Measurements taken from the generated samples (independent of the generator's own bookkeeping).</summary>
internal static class SignalMetrics
{
    public static double[] RrSeconds(SyntheticEcg e)
    {
        var b = e.Beats;
        var rr = new double[Math.Max(0, b.Count - 1)];
        for (int i = 1; i < b.Count; i++) rr[i - 1] = (b[i].Sample - b[i - 1].Sample) / e.SampleRateHz;
        return rr;
    }

    public static double HeartRate(SyntheticEcg e) => 60 / RrSeconds(e).Average();

    public static double CoefficientOfVariation(double[] x)
    {
        double m = x.Average();
        return Math.Sqrt(x.Sum(v => (v - m) * (v - m)) / x.Length) / m;
    }

    public static double Mean(float[] x, int from, int to)
    {
        from = Math.Max(0, from); to = Math.Min(x.Length, to);
        double s = 0; for (int i = from; i < to; i++) s += x[i];
        return to > from ? s / (to - from) : 0;
    }

    public static int S(SyntheticEcg e, double seconds) => (int)Math.Round(seconds * e.SampleRateHz);

    /// <summary>PR-segment baseline before the beat at sample r.</summary>
    public static double PrBaseline(SyntheticEcg e, Lead lead, int r) => Mean(e.Lead(lead), r - S(e, 0.075), r - S(e, 0.055));

    /// <summary>QRS width from the spatial slope energy (sum of |dx/dt| over the 12 leads) around the annotated beat.</summary>
    public static double QrsWidthMs(SyntheticEcg e, int r, double threshold = 0.06)
    {
        double fs = e.SampleRateHz;
        int half = S(e, 0.15), from = r - half, to = r + half;
        if (from < 1 || to >= e.Record.Length - 1) return double.NaN;
        var energy = new double[to - from];
        for (int i = from; i < to; i++)
        {
            double s = 0;
            for (int l = 0; l < 12; l++) { var x = e.Lead((Lead)l); s += Math.Abs(x[i + 1] - x[i - 1]); }
            energy[i - from] = s * fs / 2;
        }
        int w = Math.Max(1, S(e, 0.008));
        var sm = new double[energy.Length];
        for (int i = 0; i < sm.Length; i++)
        {
            double s = 0; int c = 0;
            for (int j = i - w / 2; j <= i + w / 2; j++) if (j >= 0 && j < sm.Length) { s += energy[j]; c++; }
            sm[i] = s / c;
        }
        int center = half, peak = center;
        for (int i = center - S(e, 0.06); i <= center + S(e, 0.06); i++) if (sm[i] > sm[peak]) peak = i;
        double thr = threshold * sm[peak];
        int on = peak; while (on > 0 && sm[on] > thr) on--;
        int off = peak; while (off < sm.Length - 1 && sm[off] > thr) off++;
        return (off - on) / fs * 1000;
    }

    /// <summary>Average of the lead aligned on the given beats over [r+a, r+b] seconds (signal averaging).</summary>
    public static double[] Averaged(SyntheticEcg e, Lead lead, IEnumerable<int> beats, double a, double b)
    {
        int ia = S(e, a), ib = S(e, b);
        var acc = new double[ib - ia]; int count = 0;
        var x = e.Lead(lead);
        foreach (var r in beats)
        {
            if (r + ia < 0 || r + ib > x.Length) continue;
            for (int i = 0; i < acc.Length; i++) acc[i] += x[r + ia + i];
            count++;
        }
        for (int i = 0; i < acc.Length; i++) acc[i] /= Math.Max(1, count);
        return acc;
    }

    /// <summary>Power at frequency f (Hz) of x (mean removed), by direct DFT.</summary>
    public static double Power(double[] x, double fs, double f)
    {
        double re = 0, im = 0, m = x.Average();
        for (int i = 0; i < x.Length; i++)
        {
            double ph = 2 * Math.PI * f * i / fs;
            re += (x[i] - m) * Math.Cos(ph); im += (x[i] - m) * Math.Sin(ph);
        }
        return (re * re + im * im) / x.Length;
    }

    public static (double PeakHz, double PeakPower, double MedianPower) Spectrum(double[] x, double fs, double lo, double hi, double step)
    {
        var p = new List<(double F, double P)>();
        for (double f = lo; f <= hi; f += step) p.Add((f, Power(x, fs, f)));
        var best = p.MaxBy(v => v.P);
        var sorted = p.Select(v => v.P).OrderBy(v => v).ToArray();
        return (best.F, best.P, sorted[sorted.Length / 2]);
    }

    /// <summary>Peak-to-peak over [r+a, r+b] seconds.</summary>
    public static double PeakToPeak(SyntheticEcg e, Lead lead, int r, double a, double b)
    {
        var x = e.Lead(lead);
        double mn = double.MaxValue, mx = double.MinValue;
        for (int i = Math.Max(0, r + S(e, a)); i < Math.Min(x.Length, r + S(e, b)); i++) { mn = Math.Min(mn, x[i]); mx = Math.Max(mx, x[i]); }
        return mx - mn;
    }

    public static double Max(SyntheticEcg e, Lead lead, int r, double a, double b)
    {
        var x = e.Lead(lead); double mx = double.MinValue;
        for (int i = Math.Max(0, r + S(e, a)); i < Math.Min(x.Length, r + S(e, b)); i++) mx = Math.Max(mx, x[i]);
        return mx;
    }

    public static double Min(SyntheticEcg e, Lead lead, int r, double a, double b)
    {
        var x = e.Lead(lead); double mn = double.MaxValue;
        for (int i = Math.Max(0, r + S(e, a)); i < Math.Min(x.Length, r + S(e, b)); i++) mn = Math.Min(mn, x[i]);
        return mn;
    }

    /// <summary>Beats far enough from the record edges for window measurements.</summary>
    public static IEnumerable<BeatAnnotation> Inner(SyntheticEcg e, BeatClass? cls = null) =>
        e.Beats.Where(b => b.Sample > S(e, 0.5) && b.Sample < e.Record.Length - S(e, 0.6) && (cls is null || b.Class == cls));
}
