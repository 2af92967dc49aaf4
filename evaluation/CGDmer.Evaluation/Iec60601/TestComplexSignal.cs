namespace CGDmer.Evaluation.Iec60601;

/// <summary>One complex of a test signal: a triangular QRS and an optional half-sine T wave, as ECG test systems make them.</summary>
/// <param name="QrsMv">QRS peak in mV (negative: an inverted complex).</param>
/// <param name="QrsSeconds">QRS width, onset to end.</param>
/// <param name="TMv">T-wave peak in mV (0: none; negative: inverted).</param>
/// <param name="TSeconds">T-wave duration.</param>
/// <param name="QtSeconds">QRS onset to T-wave end.</param>
public readonly record struct TestComplex(double QrsMv, double QrsSeconds, double TMv = 0, double TSeconds = 0.18, double QtSeconds = 0.35)
{
    /// <summary>The clause's reference complex: a 1 mV, 100 ms QRS with a T wave of 180 ms ending 350 ms after QRS onset.</summary>
    public static TestComplex Normal(double tMv = 0.2) => new(1.0, 0.100, tMv);
}

/// <summary>
/// Test signals of the kind IEC 60601-2-27 (clause 201.7.9.2.9.101) and ANSI/AAMI EC13 prescribe for a heart-rate meter:
/// idealised complexes (triangular QRS, half-sine T) on a flat baseline, at given RR intervals. They are the project's
/// reconstruction of the clause's waveform kinds, not the standard's annex figures sample for sample.
/// </summary>
public static class TestComplexSignal
{
    /// <summary>
    /// A signal of <paramref name="seconds"/> at <paramref name="sampleRateHz"/>: the complexes of <paramref name="pattern"/>
    /// repeated, complex i's QRS onset <c>rr[i−1]</c> after complex i−1's (the first at 0.5 s). Returns the samples in
    /// mV and the R (QRS peak) sample of every complex.
    /// </summary>
    public static (float[] Samples, List<long> Beats) Build(double sampleRateHz, double seconds,
                                                             IReadOnlyList<(TestComplex Complex, double RrSeconds)> pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        if (pattern.Count == 0) throw new ArgumentException("the pattern needs at least one complex", nameof(pattern));
        if (!(sampleRateHz > 0) || !(seconds > 0)) throw new ArgumentOutOfRangeException(nameof(sampleRateHz), "the rate and the length must be positive");
        foreach (var (c, rr) in pattern)
        {
            if (!(rr > 0)) throw new ArgumentOutOfRangeException(nameof(pattern), rr, "every RR interval must be positive");
            if (!(c.QrsSeconds > 0) || c.TSeconds < 0 || (c.TMv != 0 && c.QtSeconds < c.QrsSeconds + c.TSeconds))
                throw new ArgumentOutOfRangeException(nameof(pattern), c, "the T wave must follow the QRS (QT ≥ QRS + T duration)");
        }
        var x = new float[(int)Math.Round(seconds * sampleRateHz)];
        var beats = new List<long>();
        double onset = 0.5;
        for (int i = 0; onset * sampleRateHz < x.Length; i++)
        {
            var (c, rr) = pattern[i % pattern.Count];
            AddTriangle(x, sampleRateHz, onset, c.QrsSeconds, c.QrsMv);
            if (c.TMv != 0) AddHalfSine(x, sampleRateHz, onset + c.QtSeconds - c.TSeconds, c.TSeconds, c.TMv);
            long r = (long)Math.Round((onset + c.QrsSeconds / 2) * sampleRateHz);
            if (r < x.Length) beats.Add(r);
            onset += rr;
        }
        return (x, beats);
    }

    private static void AddTriangle(float[] x, double fs, double start, double width, double peak)
    {
        int i0 = (int)Math.Ceiling(start * fs), i1 = Math.Min(x.Length - 1, (int)Math.Floor((start + width) * fs));
        for (int i = i0; i <= i1; i++)
        {
            double u = (i / fs - start) / width;   // 0..1 across the complex
            x[i] += (float)(peak * (1 - Math.Abs(2 * u - 1)));
        }
    }

    private static void AddHalfSine(float[] x, double fs, double start, double width, double peak)
    {
        int i0 = (int)Math.Ceiling(start * fs), i1 = Math.Min(x.Length - 1, (int)Math.Floor((start + width) * fs));
        for (int i = Math.Max(0, i0); i <= i1; i++)
            x[i] += (float)(peak * Math.Sin(Math.PI * (i / fs - start) / width));
    }
}
