using System.Buffers;
using System.Numerics;

namespace CGDmer.Signal.Dsp;

/// <summary>
/// One second-order section, normalised so a0 = 1: H(z) = (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2).
/// Higher-order filters are cascades of these because a single high-order polynomial loses precision badly at the low
/// cutoffs ECG needs (0.5 Hz at 500 Hz sampling puts poles within 1e-2 of the unit circle).
/// </summary>
public readonly record struct Biquad(double B0, double B1, double B2, double A1, double A2)
{
    /// <summary>Complex frequency response at <paramref name="frequencyHz"/>.</summary>
    public Complex Response(double frequencyHz, double sampleRateHz)
    {
        double w = 2 * Math.PI * frequencyHz / sampleRateHz;
        var z1 = Complex.FromPolarCoordinates(1, -w);
        var z2 = z1 * z1;
        return (B0 + B1 * z1 + B2 * z2) / (1 + A1 * z1 + A2 * z2);
    }

    /// <summary>Gain at DC (z = 1); used to set steady-state initial conditions.</summary>
    public double DcGain => (B0 + B1 + B2) / (1 + A1 + A2);
}

/// <summary>
/// A cascade of biquads with causal (stateful, streamable) and zero-phase (<see cref="FiltFilt"/>) application.
/// Designs are immutable; the filter state lives in <see cref="BiquadState"/> so one design can serve many streams.
/// </summary>
public sealed class BiquadCascade
{
    public BiquadCascade(IReadOnlyList<Biquad> sections)
    {
        if (sections.Count == 0) throw new ArgumentException("A cascade needs at least one section.", nameof(sections));
        Sections = sections.ToArray();
    }

    public IReadOnlyList<Biquad> Sections { get; }

    /// <summary><see cref="Sections"/> as a span, for filter loops.</summary>
    internal ReadOnlySpan<Biquad> SectionSpan => (Biquad[])Sections;

    public static BiquadCascade operator +(BiquadCascade a, BiquadCascade b) => new([.. a.Sections, .. b.Sections]);

    public Complex Response(double frequencyHz, double sampleRateHz)
    {
        Complex h = Complex.One;
        foreach (var s in Sections) h *= s.Response(frequencyHz, sampleRateHz);
        return h;
    }

    /// <summary>|H(f)|, linear.</summary>
    public double Magnitude(double frequencyHz, double sampleRateHz) => Response(frequencyHz, sampleRateHz).Magnitude;

    /// <summary>|H(f)| in dB.</summary>
    public double MagnitudeDb(double frequencyHz, double sampleRateHz) => 20 * Math.Log10(Magnitude(frequencyHz, sampleRateHz));

    public BiquadState CreateState() => new(Sections.Count);

    /// <summary>Causal filtering in place, continuing from <paramref name="state"/> (so consecutive chunks equal one long call).</summary>
    public void Process(Span<float> data, BiquadState state) => Process(data, state.Z.AsSpan());

    private void Process(Span<float> data, Span<double> z)
    {
        var secs = (Biquad[])Sections;
        if (secs.Length == 2)
        {
            Process2(data, z, secs[0], secs[1]);
            return;
        }
        for (int s = 0; s < secs.Length; s++)
        {
            var q = secs[s];
            double z1 = z[2 * s], z2 = z[2 * s + 1];
            for (int i = 0; i < data.Length; i++)
            {
                // Transposed direct form II in double precision: the best-behaved structure for poles near z = 1.
                double x = data[i];
                double y = q.B0 * x + z1;
                z1 = q.B1 * x - q.A1 * y + z2;
                z2 = q.B2 * x - q.A2 * y;
                data[i] = (float)y;
            }
            z[2 * s] = z1;
            z[2 * s + 1] = z2;
        }
    }

    /// <summary>
    /// A two-section cascade with the sections interleaved sample by sample (section 2 of sample i overlaps section 1 of
    /// sample i + 1, as in <see cref="ZeroPhase"/>): the same operations in the same order, so the output is the same to
    /// the bit, at about half the latency-bound time of running the sections one after the other.
    /// </summary>
    private static void Process2(Span<float> data, Span<double> z, Biquad p, Biquad q)
    {
        double p1 = z[0], p2 = z[1], q1 = z[2], q2 = z[3];
        for (int i = 0; i < data.Length; i++)
        {
            double x = data[i];
            double y = p.B0 * x + p1;
            p1 = p.B1 * x - p.A1 * y + p2;
            p2 = p.B2 * x - p.A2 * y;
            double u = (float)y;   // the cascade hands each section's output on as float
            double v = q.B0 * u + q1;
            q1 = q.B1 * u - q.A1 * v + q2;
            q2 = q.B2 * u - q.A2 * v;
            data[i] = (float)v;
        }
        z[0] = p1;
        z[1] = p2;
        z[2] = q1;
        z[3] = q2;
    }

    /// <summary>Causal filtering from rest (zero state).</summary>
    public void Process(Span<float> data) => Process(data, CreateState());

    /// <summary>
    /// Sets the state to the steady state for a constant input <paramref name="x0"/>, so a signal with a DC offset does
    /// not start with a step transient (the equivalent of scipy's lfilter_zi scaled by the first sample).
    /// </summary>
    public void SetSteadyState(BiquadState state, double x0) => SetSteadyState(state.Z.AsSpan(), x0);

    private void SetSteadyState(Span<double> z, double x0)
    {
        var secs = (Biquad[])Sections;
        double x = x0;
        for (int s = 0; s < secs.Length; s++)
        {
            var q = secs[s];
            double y = q.DcGain * x;
            double z2 = q.B2 * x - q.A2 * y;
            double z1 = q.B1 * x - q.A1 * y + z2;
            z[2 * s] = z1;
            z[2 * s + 1] = z2;
            x = y;
        }
    }

    /// <summary>Default edge padding for <see cref="FiltFilt"/>: scipy's sosfiltfilt default, 3 × (2 × sections + 1).</summary>
    public int DefaultPadLength => 3 * (2 * Sections.Count + 1);

    /// <summary>
    /// Zero-phase filtering in place: forward, then backward, so the phase responses cancel and QRS complexes are not
    /// shifted in time (a causal 0.5 Hz high-pass delays and distorts ST segments). The signal is extended at both ends by
    /// odd reflection about the end samples (2·x[0] − x[k]) and each pass starts from the steady state for its first
    /// sample; this is scipy.signal.sosfiltfilt's default method, which keeps edge transients small.
    /// The effective magnitude response is |H|².
    /// </summary>
    /// <param name="padLength">Samples of reflection at each end; negative selects <see cref="DefaultPadLength"/>. Clamped to length − 1.</param>
    public void FiltFilt(Span<float> data, int padLength = -1)
    {
        int n = data.Length;
        if (n == 0) return;
        int pad = padLength < 0 ? DefaultPadLength : padLength;
        pad = Math.Min(pad, n - 1);
        int m = n + 2 * pad;
        var buffer = ArrayPool<float>.Shared.Rent(m);
        try
        {
            var ext = buffer.AsSpan(0, m);
            float first = data[0], last = data[n - 1];
            for (int i = 0; i < pad; i++)
            {
                ext[i] = 2 * first - data[pad - i];
                ext[pad + n + i] = 2 * last - data[n - 2 - i];
            }
            data.CopyTo(ext.Slice(pad, n));
            // State on the stack: FiltFilt runs per lead per window in the service, so it should not allocate.
            Span<double> state = Sections.Count <= 64 ? stackalloc double[2 * Sections.Count] : new double[2 * Sections.Count];
            SetSteadyState(state, ext[0]);
            Process(ext, state);
            ext.Reverse();
            SetSteadyState(state, ext[0]);
            Process(ext, state);
            ext.Reverse();
            ext.Slice(pad, n).CopyTo(data);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }
}

/// <summary>Delay-line state of a <see cref="BiquadCascade"/> (two values per section).</summary>
public sealed class BiquadState
{
    internal BiquadState(int sections) => Z = new double[2 * sections];
    internal double[] Z { get; }
    public void Reset() => Array.Clear(Z);
}
