namespace CGDmer.Signal.Dsp;

/// <summary>
/// Butterworth designs by the bilinear transform with frequency pre-warping, as cascades of biquads. Pre-warping makes the
/// −3 dB point land exactly on the requested cutoff, which is what clinical filter specifications (e.g. "0.5–40 Hz")
/// mean. Each pole pair k of an order-N prototype becomes one section with Q = 1 / (2 sin((2k+1)π / (2N))); an odd order
/// adds one first-order section.
/// </summary>
public static class Butterworth
{
    public static BiquadCascade LowPass(int order, double cutoffHz, double sampleRateHz) =>
        Design(order, cutoffHz, sampleRateHz, highPass: false);

    public static BiquadCascade HighPass(int order, double cutoffHz, double sampleRateHz) =>
        Design(order, cutoffHz, sampleRateHz, highPass: true);

    /// <summary>
    /// Band-pass as a high-pass of <paramref name="order"/> cascaded with a low-pass of the same order. For ECG bands
    /// (low edge ≪ high edge) this equals the classical band-pass transform to within rounding, and it keeps each edge's
    /// −3 dB point exactly where it is specified.
    /// </summary>
    public static BiquadCascade BandPass(int order, double lowHz, double highHz, double sampleRateHz)
    {
        if (!(lowHz < highHz)) throw new ArgumentOutOfRangeException(nameof(lowHz), "Low edge must be below high edge.");
        return HighPass(order, lowHz, sampleRateHz) + LowPass(order, highHz, sampleRateHz);
    }

    /// <summary>
    /// Second-order IIR notch (RBJ design, bilinear with pre-warping) for mains interference at 50 or 60 Hz. The −3 dB
    /// bandwidth is <paramref name="frequencyHz"/> / <paramref name="q"/>; Q = 30 removes mains without touching QRS energy.
    /// </summary>
    public static BiquadCascade Notch(double frequencyHz, double sampleRateHz, double q = 30)
    {
        Check(frequencyHz, sampleRateHz);
        if (!(q > 0)) throw new ArgumentOutOfRangeException(nameof(q));
        double w0 = 2 * Math.PI * frequencyHz / sampleRateHz;
        double alpha = Math.Sin(w0) / (2 * q);
        double a0 = 1 + alpha;
        double c = -2 * Math.Cos(w0);
        return new BiquadCascade([new Biquad(1 / a0, c / a0, 1 / a0, c / a0, (1 - alpha) / a0)]);
    }

    private static void Check(double f, double fs)
    {
        if (!(fs > 0) || !double.IsFinite(fs)) throw new ArgumentOutOfRangeException(nameof(fs), fs, "Sample rate must be positive.");
        if (!(f > 0) || !(f < fs / 2)) throw new ArgumentOutOfRangeException(nameof(f), f, $"Frequency must lie in (0, {fs / 2}) Hz.");
    }

    private static BiquadCascade Design(int order, double fc, double fs, bool highPass)
    {
        if (order < 1 || order > 16) throw new ArgumentOutOfRangeException(nameof(order), order, "Order must be 1..16.");
        Check(fc, fs);
        double k = Math.Tan(Math.PI * fc / fs); // pre-warped analog cutoff (normalised)
        var sections = new List<Biquad>();
        for (int i = 0; i < order / 2; i++)
        {
            double q = 1 / (2 * Math.Sin((2 * i + 1) * Math.PI / (2 * order)));
            double norm = 1 / (1 + k / q + k * k);
            double a1 = 2 * (k * k - 1) * norm;
            double a2 = (1 - k / q + k * k) * norm;
            sections.Add(highPass
                ? new Biquad(norm, -2 * norm, norm, a1, a2)
                : new Biquad(k * k * norm, 2 * k * k * norm, k * k * norm, a1, a2));
        }
        if (order % 2 == 1)
        {
            double norm = 1 / (1 + k);
            double a1 = (k - 1) * norm;
            sections.Add(highPass
                ? new Biquad(norm, -norm, 0, a1, 0)
                : new Biquad(k * norm, k * norm, 0, a1, 0));
        }
        return new BiquadCascade(sections);
    }
}
