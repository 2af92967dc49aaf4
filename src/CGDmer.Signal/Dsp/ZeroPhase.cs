using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CGDmer.Signal.Dsp;

/// <summary>
/// <see cref="BiquadCascade.FiltFilt"/>, computed faster for the per-window filters of the measure stage, with
/// bit-identical results. An IIR section is latency-bound: each output waits for the previous one, so a cascade run
/// section after section leaves the CPU idle most of the time. Here the independent recurrences run interleaved in one
/// loop, sample by sample: the sections of a two-section cascade (section 2 of sample i overlaps section 1 of sample
/// i + 1), or two single-section filters of the same input. Each section performs exactly the operations, in the same
/// order and precision, that <see cref="BiquadCascade"/> performs (double state, float between sections), and the edge
/// handling is the same (odd reflection, steady-state start), so the output is the same to the bit.
/// </summary>
public static class ZeroPhase
{
    /// <summary>Exactly <c>filter.FiltFilt(data, padLength)</c>; faster for cascades of one or two sections.</summary>
    public static void FiltFilt(BiquadCascade filter, Span<float> data, int padLength = -1)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var sections = filter.Sections;
        if (sections.Count > 2 || data.Length == 0)
        {
            filter.FiltFilt(data, padLength);
            return;
        }
        int n = data.Length;
        int pad = Math.Min(padLength < 0 ? filter.DefaultPadLength : padLength, n - 1);
        var buffer = ArrayPool<float>.Shared.Rent(n + 2 * pad);
        try
        {
            var ext = buffer.AsSpan(0, n + 2 * pad);
            Extend(data, pad, ext);
            if (sections.Count == 1)
            {
                var q = sections[0];
                Forward1(ext, q);
                Backward1(ext, q);
            }
            else
            {
                Forward2(ext, sections[0], sections[1]);
                Backward2(ext, sections[0], sections[1]);
            }
            ext.Slice(pad, n).CopyTo(data);
        }
        finally { ArrayPool<float>.Shared.Return(buffer); }
    }

    /// <summary>
    /// Exactly <c>filter.FiltFilt(first, padLength)</c> and <c>filter.FiltFilt(second, padLength)</c>: two leads of one
    /// window. With a two-section cascade and spans of one length, the four recurrences (two sections, two leads) run in
    /// one loop, so the two leads take about the time of one; otherwise one after the other.
    /// </summary>
    public static void FiltFilt(BiquadCascade filter, Span<float> first, Span<float> second, int padLength = -1)
    {
        ArgumentNullException.ThrowIfNull(filter);
        int n = first.Length;
        if (filter.Sections.Count != 2 || second.Length != n || n == 0)
        {
            FiltFilt(filter, first, padLength);
            FiltFilt(filter, second, padLength);
            return;
        }
        int pad = Math.Min(padLength < 0 ? filter.DefaultPadLength : padLength, n - 1);
        int m = n + 2 * pad;
        var pool = ArrayPool<float>.Shared;
        float[] bufferA = pool.Rent(m), bufferB = pool.Rent(m);
        try
        {
            var extA = bufferA.AsSpan(0, m);
            var extB = bufferB.AsSpan(0, m);
            Extend(first, pad, extA);
            Extend(second, pad, extB);
            Biquad p = filter.Sections[0], q = filter.Sections[1];
            Forward2Pair(extA, extB, p, q);
            Backward2Pair(extA, extB, p, q);
            extA.Slice(pad, n).CopyTo(first);
            extB.Slice(pad, n).CopyTo(second);
        }
        finally
        {
            pool.Return(bufferA);
            pool.Return(bufferB);
        }
    }

    /// <summary>
    /// Exactly <c>a.FiltFilt</c> and <c>b.FiltFilt</c> (default padding) of the same <paramref name="input"/>, written to
    /// <paramref name="outputA"/> and <paramref name="outputB"/>; the two run interleaved when both are single sections.
    /// </summary>
    public static void FiltFilt(BiquadCascade a, BiquadCascade b, ReadOnlySpan<float> input, Span<float> outputA, Span<float> outputB)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        int n = input.Length;
        if (outputA.Length < n || outputB.Length < n) throw new ArgumentException("the outputs must hold the input's length");
        if (a.Sections.Count != 1 || b.Sections.Count != 1 || n == 0)
        {
            input.CopyTo(outputA);
            FiltFilt(a, outputA[..n]);
            input.CopyTo(outputB);
            FiltFilt(b, outputB[..n]);
            return;
        }
        // Single sections share the default padding, hence the extended signal.
        int pad = Math.Min(a.DefaultPadLength, n - 1);
        int m = n + 2 * pad;
        var pool = ArrayPool<float>.Shared;
        float[] bufferA = pool.Rent(m), bufferB = pool.Rent(m);
        try
        {
            var extA = bufferA.AsSpan(0, m);
            var extB = bufferB.AsSpan(0, m);
            Extend(input, pad, extA);
            extA.CopyTo(extB);
            ForwardPair(extA, extB, a.Sections[0], b.Sections[0]);
            BackwardPair(extA, extB, a.Sections[0], b.Sections[0]);
            extA.Slice(pad, n).CopyTo(outputA);
            extB.Slice(pad, n).CopyTo(outputB);
        }
        finally
        {
            pool.Return(bufferA);
            pool.Return(bufferB);
        }
    }

    /// <summary>
    /// Exactly <c>c.FiltFilt</c>, <c>a.FiltFilt</c> and <c>b.FiltFilt</c> (default padding) of the same
    /// <paramref name="input"/>, written to the three outputs. With <paramref name="c"/> a two-section cascade and
    /// <paramref name="a"/>, <paramref name="b"/> single sections (the measure stage's QRS band, high- and low-pass),
    /// all four recurrences run in one loop; otherwise as <see cref="FiltFilt(BiquadCascade, Span{float}, int)"/> and
    /// <see cref="FiltFilt(BiquadCascade, BiquadCascade, ReadOnlySpan{float}, Span{float}, Span{float})"/>.
    /// </summary>
    public static void FiltFilt(BiquadCascade c, BiquadCascade a, BiquadCascade b, ReadOnlySpan<float> input,
                                Span<float> outputC, Span<float> outputA, Span<float> outputB)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        int n = input.Length;
        if (outputC.Length < n || outputA.Length < n || outputB.Length < n) throw new ArgumentException("the outputs must hold the input's length");
        int padC = Math.Min(c.DefaultPadLength, n - 1), pad = Math.Min(a.DefaultPadLength, n - 1);
        if (c.Sections.Count != 2 || a.Sections.Count != 1 || b.Sections.Count != 1 || n == 0 || padC < pad)
        {
            input.CopyTo(outputC);
            FiltFilt(c, outputC[..n]);
            FiltFilt(a, b, input, outputA, outputB);
            return;
        }
        int mC = n + 2 * padC, m = n + 2 * pad;
        int offset = padC - pad; // extC[j] and extA[j − offset] are the same sample of the input
        var pool = ArrayPool<float>.Shared;
        float[] bufferC = pool.Rent(mC), bufferA = pool.Rent(m), bufferB = pool.Rent(m);
        try
        {
            var extC = bufferC.AsSpan(0, mC);
            var extA = bufferA.AsSpan(0, m);
            var extB = bufferB.AsSpan(0, m);
            Extend(input, padC, extC);
            Extend(input, pad, extA);
            extA.CopyTo(extB);
            Biquad p = c.Sections[0], q = c.Sections[1], qa = a.Sections[0], qb = b.Sections[0];

            // Forward: the cascade alone over the first `offset` samples of its longer extension, then all four
            // recurrences, then the cascade alone again.
            double x0 = Steady(p, extC[0], out double p1, out double p2);
            Steady(q, x0, out double q1, out double q2);
            Steady(qa, extA[0], out double a1, out double a2);
            Steady(qb, extB[0], out double b1, out double b2);
            for (int j = 0; j < mC; j++)
            {
                double x = extC[j];
                double y = p.B0 * x + p1;
                p1 = p.B1 * x - p.A1 * y + p2;
                p2 = p.B2 * x - p.A2 * y;
                double u = (float)y;
                double v = q.B0 * u + q1;
                q1 = q.B1 * u - q.A1 * v + q2;
                q2 = q.B2 * u - q.A2 * v;
                extC[j] = (float)v;
                int k = j - offset;
                if ((uint)k < (uint)m)
                {
                    double xa = extA[k];
                    double ya = qa.B0 * xa + a1;
                    a1 = qa.B1 * xa - qa.A1 * ya + a2;
                    a2 = qa.B2 * xa - qa.A2 * ya;
                    extA[k] = (float)ya;
                    double xb = extB[k];
                    double yb = qb.B0 * xb + b1;
                    b1 = qb.B1 * xb - qb.A1 * yb + b2;
                    b2 = qb.B2 * xb - qb.A2 * yb;
                    extB[k] = (float)yb;
                }
            }

            // Backward, from the ends.
            x0 = Steady(p, extC[^1], out p1, out p2);
            Steady(q, x0, out q1, out q2);
            Steady(qa, extA[^1], out a1, out a2);
            Steady(qb, extB[^1], out b1, out b2);
            for (int j = mC - 1; j >= 0; j--)
            {
                double x = extC[j];
                double y = p.B0 * x + p1;
                p1 = p.B1 * x - p.A1 * y + p2;
                p2 = p.B2 * x - p.A2 * y;
                double u = (float)y;
                double v = q.B0 * u + q1;
                q1 = q.B1 * u - q.A1 * v + q2;
                q2 = q.B2 * u - q.A2 * v;
                extC[j] = (float)v;
                int k = j - offset;
                if ((uint)k < (uint)m)
                {
                    double xa = extA[k];
                    double ya = qa.B0 * xa + a1;
                    a1 = qa.B1 * xa - qa.A1 * ya + a2;
                    a2 = qa.B2 * xa - qa.A2 * ya;
                    extA[k] = (float)ya;
                    double xb = extB[k];
                    double yb = qb.B0 * xb + b1;
                    b1 = qb.B1 * xb - qb.A1 * yb + b2;
                    b2 = qb.B2 * xb - qb.A2 * yb;
                    extB[k] = (float)yb;
                }
            }
            extC.Slice(padC, n).CopyTo(outputC);
            extA.Slice(pad, n).CopyTo(outputA);
            extB.Slice(pad, n).CopyTo(outputB);
        }
        finally
        {
            pool.Return(bufferC);
            pool.Return(bufferA);
            pool.Return(bufferB);
        }
    }

    /// <summary>The signal with <paramref name="pad"/> samples of odd reflection at each end, as <see cref="BiquadCascade.FiltFilt"/> builds it.</summary>
    private static void Extend(ReadOnlySpan<float> data, int pad, Span<float> ext)
    {
        int n = data.Length;
        float first = data[0], last = data[n - 1];
        for (int i = 0; i < pad; i++)
        {
            ext[i] = 2 * first - data[pad - i];
            ext[pad + n + i] = 2 * last - data[n - 2 - i];
        }
        data.CopyTo(ext.Slice(pad, n));
    }

    // Steady state of one section for a constant input x (BiquadCascade.SetSteadyState); returns the section's output.
    internal static double Steady(in Biquad q, double x, out double z1, out double z2)
    {
        double y = q.DcGain * x;
        z2 = q.B2 * x - q.A2 * y;
        z1 = q.B1 * x - q.A1 * y + z2;
        return y;
    }

    // The backward passes run from the end to the start instead of reversing the signal twice: the same sequence of
    // operations on the same values.

    private static void Forward1(Span<float> d, Biquad q)
    {
        Steady(q, d[0], out double z1, out double z2);
        for (int i = 0; i < d.Length; i++)
        {
            double x = d[i];
            double y = q.B0 * x + z1;
            z1 = q.B1 * x - q.A1 * y + z2;
            z2 = q.B2 * x - q.A2 * y;
            d[i] = (float)y;
        }
    }

    private static void Backward1(Span<float> d, Biquad q)
    {
        Steady(q, d[^1], out double z1, out double z2);
        for (int i = d.Length - 1; i >= 0; i--)
        {
            double x = d[i];
            double y = q.B0 * x + z1;
            z1 = q.B1 * x - q.A1 * y + z2;
            z2 = q.B2 * x - q.A2 * y;
            d[i] = (float)y;
        }
    }

    private static void Forward2(Span<float> d, Biquad p, Biquad q)
    {
        double x0 = Steady(p, d[0], out double p1, out double p2);
        Steady(q, x0, out double q1, out double q2);
        for (int i = 0; i < d.Length; i++)
        {
            double x = d[i];
            double y = p.B0 * x + p1;
            p1 = p.B1 * x - p.A1 * y + p2;
            p2 = p.B2 * x - p.A2 * y;
            double u = (float)y; // the cascade stores each section's output as float
            double v = q.B0 * u + q1;
            q1 = q.B1 * u - q.A1 * v + q2;
            q2 = q.B2 * u - q.A2 * v;
            d[i] = (float)v;
        }
    }

    private static void Backward2(Span<float> d, Biquad p, Biquad q)
    {
        double x0 = Steady(p, d[^1], out double p1, out double p2);
        Steady(q, x0, out double q1, out double q2);
        for (int i = d.Length - 1; i >= 0; i--)
        {
            double x = d[i];
            double y = p.B0 * x + p1;
            p1 = p.B1 * x - p.A1 * y + p2;
            p2 = p.B2 * x - p.A2 * y;
            double u = (float)y;
            double v = q.B0 * u + q1;
            q1 = q.B1 * u - q.A1 * v + q2;
            q2 = q.B2 * u - q.A2 * v;
            d[i] = (float)v;
        }
    }

    /// <summary>
    /// <see cref="Forward2"/> of <paramref name="a"/> and of <paramref name="b"/>, in one loop: one vector lane each,
    /// lane by lane the same operations in the same order as the scalar loop (hence the same result to the bit), in half
    /// the instructions.
    /// </summary>
    private static void Forward2Pair(Span<float> a, Span<float> b, Biquad p, Biquad q)
    {
        var (sp1, sp2, sq1, sq2) = SteadyPair(p, q, a[0], b[0]);
        var pass = new PairSections(p, q);
        for (int i = 0; i < a.Length; i++)
        {
            var v = pass.Step(Vector128.Create(a[i], b[i], 0f, 0f), ref sp1, ref sp2, ref sq1, ref sq2);
            (a[i], b[i]) = (v.GetElement(0), v.GetElement(1));
        }
    }

    /// <summary><see cref="Backward2"/> of <paramref name="a"/> and of <paramref name="b"/>, in one loop, as <see cref="Forward2Pair"/>.</summary>
    private static void Backward2Pair(Span<float> a, Span<float> b, Biquad p, Biquad q)
    {
        var (sp1, sp2, sq1, sq2) = SteadyPair(p, q, a[^1], b[^1]);
        var pass = new PairSections(p, q);
        for (int i = a.Length - 1; i >= 0; i--)
        {
            var v = pass.Step(Vector128.Create(a[i], b[i], 0f, 0f), ref sp1, ref sp2, ref sq1, ref sq2);
            (a[i], b[i]) = (v.GetElement(0), v.GetElement(1));
        }
    }

    /// <summary>Both sections' steady states for first inputs <paramref name="a0"/> and <paramref name="b0"/>, lane 0 and lane 1.</summary>
    private static (Vector128<double> P1, Vector128<double> P2, Vector128<double> Q1, Vector128<double> Q2) SteadyPair(Biquad p, Biquad q, float a0, float b0)
    {
        double xa = Steady(p, a0, out double pa1, out double pa2);
        Steady(q, xa, out double qa1, out double qa2);
        double xb = Steady(p, b0, out double pb1, out double pb2);
        Steady(q, xb, out double qb1, out double qb2);
        return (Vector128.Create(pa1, pb1), Vector128.Create(pa2, pb2), Vector128.Create(qa1, qb1), Vector128.Create(qa2, qb2));
    }

    /// <summary>A two-section cascade's coefficients broadcast to two lanes.</summary>
    private readonly struct PairSections(Biquad p, Biquad q)
    {
        private readonly Vector128<double> _pb0 = Vector128.Create(p.B0), _pb1 = Vector128.Create(p.B1), _pb2 = Vector128.Create(p.B2),
            _pa1 = Vector128.Create(p.A1), _pa2 = Vector128.Create(p.A2), _qb0 = Vector128.Create(q.B0), _qb1 = Vector128.Create(q.B1),
            _qb2 = Vector128.Create(q.B2), _qa1 = Vector128.Create(q.A1), _qa2 = Vector128.Create(q.A2);

        /// <summary>One sample of each lane through both sections (the first section's output handed on as float, as the cascade stores it).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector128<float> Step(Vector128<float> input, ref Vector128<double> p1, ref Vector128<double> p2, ref Vector128<double> q1, ref Vector128<double> q2)
        {
            var x = Vector128.WidenLower(input);
            var y = _pb0 * x + p1;
            p1 = _pb1 * x - _pa1 * y + p2;
            p2 = _pb2 * x - _pa2 * y;
            var u = Vector128.WidenLower(Vector128.Narrow(y, y));
            var v = _qb0 * u + q1;
            q1 = _qb1 * u - _qa1 * v + q2;
            q2 = _qb2 * u - _qa2 * v;
            return Vector128.Narrow(v, v);
        }
    }

    private static void ForwardPair(Span<float> a, Span<float> b, Biquad p, Biquad q)
    {
        Steady(p, a[0], out double p1, out double p2);
        Steady(q, b[0], out double q1, out double q2);
        for (int i = 0; i < a.Length; i++)
        {
            double x = a[i];
            double y = p.B0 * x + p1;
            p1 = p.B1 * x - p.A1 * y + p2;
            p2 = p.B2 * x - p.A2 * y;
            a[i] = (float)y;
            double u = b[i];
            double v = q.B0 * u + q1;
            q1 = q.B1 * u - q.A1 * v + q2;
            q2 = q.B2 * u - q.A2 * v;
            b[i] = (float)v;
        }
    }

    private static void BackwardPair(Span<float> a, Span<float> b, Biquad p, Biquad q)
    {
        Steady(p, a[^1], out double p1, out double p2);
        Steady(q, b[^1], out double q1, out double q2);
        for (int i = a.Length - 1; i >= 0; i--)
        {
            double x = a[i];
            double y = p.B0 * x + p1;
            p1 = p.B1 * x - p.A1 * y + p2;
            p2 = p.B2 * x - p.A2 * y;
            a[i] = (float)y;
            double u = b[i];
            double v = q.B0 * u + q1;
            q1 = q.B1 * u - q.A1 * v + q2;
            q2 = q.B2 * u - q.A2 * v;
            b[i] = (float)v;
        }
    }
}
