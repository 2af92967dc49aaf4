using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CGDmer.Signal.Dsp;

/// <summary>
/// Rational polyphase resampler (up by L, low-pass, down by M) with a Kaiser-windowed sinc anti-aliasing/anti-imaging
/// filter, following scipy.signal.resample_poly's design (half length 10·max(L, M) input-rate-equivalent taps, cutoff at the
/// lower of the two Nyquist frequencies, Kaiser β = 5, ≈ 55 dB stop-band). The model runs at 100 Hz while sources come
/// at 360 (MIT-BIH), 500 (PTB-XL, monitors) or 250 Hz; all of them must pass through the same, documented filter.
/// A ratio without small factors (a measured rate such as 499.87 Hz) is approximated within <see cref="MaxRatioError"/>
/// (<see cref="RationalRatio"/>), which keeps the filter bounded and the output deterministic.
/// <para>
/// Output sample k sits at input time k·M/L (no delay), so one-shot and streaming outputs align with the source. Beyond
/// the signal ends the first/last sample is held, which avoids the amplitude roll-off that zero padding gives at window
/// edges. <see cref="Process"/>/<see cref="Flush"/> stream the same computation in chunks: the concatenated streaming
/// output equals <see cref="Resample(ReadOnlySpan{float}, Span{float})"/> exactly.
/// </para>
/// </summary>
public sealed class Resampler
{
    private readonly float[] _poly;      // [L][tapsPerPhase], phase-major, already scaled by L
    private readonly float[] _reversed;  // the same with each phase's taps reversed: output = dot(taps, the T inputs in time order)
    private readonly int _tapsPerPhase;
    private readonly int _delay;         // group delay of the prototype filter, in upsampled samples

    // Streaming state
    private float[] _buf = [];           // history (the last _tapsPerPhase inputs) followed by the current chunk
    private long _inputCount;            // inputs seen so far
    private long _nextOutput;            // index of the next output sample
    private float _firstSample;

    public Resampler(double inputRateHz, double outputRateHz)
    {
        if (!(inputRateHz > 0) || !(outputRateHz > 0)) throw new ArgumentOutOfRangeException(nameof(inputRateHz), "Rates must be positive.");
        (Up, Down) = RationalRatio(inputRateHz, outputRateHz);
        InputRateHz = inputRateHz;
        OutputRateHz = outputRateHz;
        int max = Math.Max(Up, Down);
        int half = 10 * max;
        int len = 2 * half + 1;
        _delay = half;
        _tapsPerPhase = (len + Up - 1) / Up;
        _poly = new float[Up * _tapsPerPhase];
        double fc = 1.0 / max; // cutoff as a fraction of the upsampled Nyquist
        const double beta = 5.0;
        double i0Beta = BesselI0(beta);
        for (int j = 0; j < len; j++)
        {
            double t = j - half;
            double sinc = t == 0 ? 1 : Math.Sin(Math.PI * fc * t) / (Math.PI * fc * t);
            double r = t / half;
            double w = BesselI0(beta * Math.Sqrt(Math.Max(0, 1 - r * r))) / i0Beta;
            double h = fc * sinc * w * Up;
            int phase = j % Up, i = j / Up;
            _poly[phase * _tapsPerPhase + i] = (float)h;
        }
        // Normalise each phase to unit DC gain so a constant input yields exactly the same constant out (window
        // truncation otherwise leaves a per-phase ripple of ~1e-3 that would show up as a periodic pattern).
        for (int phase = 0; phase < Up; phase++)
        {
            double sum = 0;
            for (int i = 0; i < _tapsPerPhase; i++) sum += _poly[phase * _tapsPerPhase + i];
            for (int i = 0; i < _tapsPerPhase; i++) _poly[phase * _tapsPerPhase + i] = (float)(_poly[phase * _tapsPerPhase + i] / sum);
        }
        _reversed = new float[_poly.Length];
        for (int phase = 0; phase < Up; phase++)
            for (int i = 0; i < _tapsPerPhase; i++)
                _reversed[phase * _tapsPerPhase + i] = _poly[phase * _tapsPerPhase + _tapsPerPhase - 1 - i];
    }

    public double InputRateHz { get; }
    /// <summary>The input rate L/M stands for: <see cref="OutputRateHz"/>·M/L, equal to <see cref="InputRateHz"/> unless the ratio was approximated.</summary>
    public double EffectiveInputRateHz => OutputRateHz * Down / Up;
    public double OutputRateHz { get; }
    /// <summary>Interpolation factor L of the reduced ratio output/input = L/M.</summary>
    public int Up { get; }
    /// <summary>Decimation factor M of the reduced ratio output/input = L/M.</summary>
    public int Down { get; }

    /// <summary>Output length for <paramref name="inputLength"/> inputs: ceil(n·L/M).</summary>
    public int OutputLength(int inputLength) => OutputLength(inputLength, Up, Down);

    public static int OutputLength(int inputLength, int up, int down)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inputLength);
        return (int)(((long)inputLength * up + down - 1) / down);
    }

    /// <summary>Largest interpolation or decimation factor: bounds the filter's size (≈ 20 × max(L, M) taps).</summary>
    public const int MaxPhases = 1000;

    /// <summary>
    /// Largest relative error of an approximated ratio L/M against fs_out/fs_in. Every ratio in [1/1000, 1000] is
    /// within it (the best approximation with L, M ≤ <see cref="MaxPhases"/> is at most about half of it away).
    /// </summary>
    public const double MaxRatioError = 1e-3;

    /// <summary>
    /// fs_out/fs_in as L/M with L, M ≤ <see cref="MaxPhases"/>: the exact reduced ratio when it has such factors (every
    /// ECG rate in use), else the nearest such fraction within <see cref="MaxRatioError"/>, so a monitor that reports its
    /// measured rate (499.87 Hz) is resampled as if it ran at fs_out·M/L (a time scale error of a few parts in 10⁴).
    /// </summary>
    /// <exception cref="ArgumentException">No such fraction lies within <see cref="MaxRatioError"/> (see <see cref="TryRationalRatio"/>).</exception>
    public static (int Up, int Down) RationalRatio(double inputRateHz, double outputRateHz) =>
        TryRationalRatio(inputRateHz, outputRateHz, out int up, out int down)
            ? (up, down)
            : throw new ArgumentException(
                $"Rates {inputRateHz} and {outputRateHz} Hz have no ratio L/M with L, M ≤ {MaxPhases} within {MaxRatioError:P1}.");

    /// <summary>
    /// <see cref="RationalRatio"/> without the exception: false when a rate is not positive and finite or the ratio has
    /// no approximation within <see cref="MaxRatioError"/>. Deterministic: the rates are taken as whole microhertz and the
    /// fraction is found in integer arithmetic (continued fractions), so the same rates give the same L/M everywhere.
    /// </summary>
    public static bool TryRationalRatio(double inputRateHz, double outputRateHz, out int up, out int down)
    {
        up = down = 0;
        const double MicroPerHz = 1e6, MaxMicroHz = 1e15;
        if (!(inputRateHz > 0 && inputRateHz <= MaxMicroHz / MicroPerHz) || !(outputRateHz > 0 && outputRateHz <= MaxMicroHz / MicroPerHz))
            return false;
        long a = (long)Math.Round(outputRateHz * MicroPerHz), b = (long)Math.Round(inputRateHz * MicroPerHz);
        if (a == 0 || b == 0) return false;
        var (l, m) = BestFraction(a, b, MaxPhases);
        // |l/m − a/b| ≤ MaxRatioError · a/b, in exact integer arithmetic: |l·b − a·m| · 1000 ≤ a·m.
        Int128 error = Int128.Abs((Int128)l * b - (Int128)a * m);
        if (l == 0 || error * (long)Math.Round(1 / MaxRatioError) > (Int128)a * m) return false;
        (up, down) = ((int)l, (int)m);
        return true;
    }

    /// <summary>
    /// The fraction p/q nearest to a/b (a, b &gt; 0) with p, q ≤ <paramref name="bound"/>: the last continued-fraction
    /// convergent within the bound or the largest semiconvergent after it, whichever is nearer (ties: the convergent).
    /// Exact when a/b reduced has p, q ≤ bound.
    /// </summary>
    private static (long P, long Q) BestFraction(long a, long b, long bound)
    {
        long p0 = 0, q0 = 1, p1 = 1, q1 = 0;   // convergents k−2 and k−1
        long n = a, d = b;
        while (d != 0)
        {
            long t = n / d;
            long p2 = p0 + t * p1, q2 = q0 + t * q1;
            if (p2 > bound || q2 > bound)
            {
                // Largest step s < t that keeps both within the bound; compare that semiconvergent with the convergent.
                long s = Math.Min(p1 == 0 ? long.MaxValue : (bound - p0) / p1, q1 == 0 ? long.MaxValue : (bound - q0) / q1);
                long ps = p0 + s * p1, qs = q0 + s * q1;
                if (q1 == 0) return (ps, qs);
                if (qs == 0) return (p1, q1);
                // |ps/qs − a/b| < |p1/q1 − a/b| ⇔ |ps·b − a·qs|·q1 < |p1·b − a·q1|·qs
                Int128 es = Int128.Abs((Int128)ps * b - (Int128)a * qs) * q1, e1 = Int128.Abs((Int128)p1 * b - (Int128)a * q1) * qs;
                return es < e1 ? (ps, qs) : (p1, q1);
            }
            (p0, q0, p1, q1) = (p1, q1, p2, q2);
            (n, d) = (d, n - t * d);
        }
        return (p1, q1);
    }

    /// <summary>One-shot resampling of a whole window; <paramref name="output"/> must hold at least <see cref="OutputLength(int)"/> samples.</summary>
    /// <returns>Number of samples written.</returns>
    public int Resample(ReadOnlySpan<float> input, Span<float> output)
    {
        int outLen = OutputLength(input.Length);
        if (output.Length < outLen) throw new ArgumentException($"Output needs {outLen} samples, has {output.Length}.", nameof(output));
        Resample(input, output[..outLen], 0);
        return outLen;
    }

    /// <summary>
    /// Outputs <paramref name="firstOutput"/> … <paramref name="firstOutput"/> + output.Length − 1 of the one-shot
    /// resampling of <paramref name="input"/>, bit-identical to those of <see cref="Resample(ReadOnlySpan{float}, Span{float})"/>:
    /// for a window cut out of a longer resampled span (the window stage resamples margins it then drops) without
    /// computing what is cut away.
    /// </summary>
    public void Resample(ReadOnlySpan<float> input, Span<float> output, int firstOutput)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstOutput);
        int outLen = OutputLength(input.Length);
        if (firstOutput + (long)output.Length > outLen)
            throw new ArgumentException($"Outputs {firstOutput}…{firstOutput + (long)output.Length - 1} do not exist: {input.Length} inputs give {outLen}.", nameof(output));
        ResampleAt(input, output, (long)firstOutput * Down);
    }

    /// <summary>
    /// Outputs at the upsampled positions <paramref name="firstPosition"/> + k·Down (input sample i sits at position i·Up),
    /// computed as the one-shot outputs are: with firstPosition a multiple of Down these are one-shot outputs
    /// firstPosition / Down …; otherwise the same filter on a grid shifted by a fraction of an output sample. For a window
    /// whose first model sample lies between two outputs of the resampled span it is cut from (an approximated ratio,
    /// where Down is large and a margin rounded up to a multiple of it would cost seconds).
    /// </summary>
    public void ResampleAt(ReadOnlySpan<float> input, Span<float> output, long firstPosition)
    {
        int n = input.Length;
        ArgumentOutOfRangeException.ThrowIfNegative(firstPosition);
        if (output.Length == 0) return;
        // The last output must lie before the end, as one-shot output ceil(n·L/M) − 1 does.
        if (firstPosition + (long)(output.Length - 1) * Down >= (long)n * Up)
            throw new ArgumentException($"{output.Length} outputs from position {firstPosition} reach past the {n} inputs.", nameof(output));
        int T = _tapsPerPhase;
        // Output k is the phase (t mod L) filter over inputs n0 − T + 1 … n0, n0 = t / L, t = k·M + delay; stepped from
        // one output to the next without a 64-bit division per sample.
        long t0 = firstPosition + _delay;
        int phase = (int)(t0 % Up), stepPhase = Down % Up, stepInput = Down / Up;
        long n0 = t0 / Up;
        // Beyond the ends the first/last sample is held: those outputs read a gathered copy (few, at the edges only).
        float[]? rented = null;
        Span<float> edge = T <= 256 ? stackalloc float[T] : (rented = ArrayPool<float>.Shared.Rent(T)).AsSpan(0, T);
        try
        {
            for (int k = 0; k < output.Length; k++)
            {
                var taps = new ReadOnlySpan<float>(_reversed, phase * T, T);
                long lowest = n0 - (T - 1);
                if (lowest >= 0 && n0 < n)
                {
                    output[k] = Dot(taps, input.Slice((int)lowest, T));
                }
                else
                {
                    for (int i = 0; i < T; i++)
                    {
                        long idx = lowest + i;
                        edge[i] = idx < 0 ? input[0] : idx >= n ? input[n - 1] : input[(int)idx];
                    }
                    output[k] = Dot(taps, edge);
                }
                phase += stepPhase;
                n0 += stepInput;
                if (phase >= Up) { phase -= Up; n0++; }
            }
        }
        finally
        {
            if (rented is not null) ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Σ taps[i]·x[i] in single precision, vectorised: one per output sample (73 taps at 360 → 100 Hz), the bulk of the
    /// window stage's arithmetic besides the preprocessing. Eight partial sums (lane j takes the terms i ≡ j mod 8) are combined in a
    /// fixed order and the tail is added in order, with the same arithmetic whether one 256-bit or two 128-bit vector
    /// units or plain scalars run it, so the result does not depend on the machine (no FMA either): the trainer and the
    /// service get the same numbers. Every output of one-shot and streaming resampling goes through here, which keeps
    /// the two bit-identical.
    /// </summary>
    internal static float Dot(ReadOnlySpan<float> taps, ReadOnlySpan<float> x)
    {
        int n = taps.Length;
        ref float a = ref MemoryMarshal.GetReference(taps);
        ref float b = ref MemoryMarshal.GetReference(x[..n]);
        int i = 0;
        Vector128<float> half;   // lanes j + (j + 4) of the eight partial sums
        if (Vector256.IsHardwareAccelerated)
        {
            var acc = Vector256<float>.Zero;
            for (; i <= n - 8; i += 8)
                acc += Vector256.LoadUnsafe(ref a, (nuint)i) * Vector256.LoadUnsafe(ref b, (nuint)i);
            half = acc.GetLower() + acc.GetUpper();
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            // Two 128-bit accumulators are the eight lanes above, term for term.
            Vector128<float> acc0 = Vector128<float>.Zero, acc1 = Vector128<float>.Zero;
            for (; i <= n - 8; i += 8)
            {
                acc0 += Vector128.LoadUnsafe(ref a, (nuint)i) * Vector128.LoadUnsafe(ref b, (nuint)i);
                acc1 += Vector128.LoadUnsafe(ref a, (nuint)i + 4) * Vector128.LoadUnsafe(ref b, (nuint)i + 4);
            }
            half = acc0 + acc1;
        }
        else
        {
            // No SIMD: the same eight lanes in scalars (same bits; the emulated vector types would be far slower).
            float l0 = 0, l1 = 0, l2 = 0, l3 = 0, l4 = 0, l5 = 0, l6 = 0, l7 = 0;
            for (; i <= n - 8; i += 8)
            {
                l0 += Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i);
                l1 += Unsafe.Add(ref a, i + 1) * Unsafe.Add(ref b, i + 1);
                l2 += Unsafe.Add(ref a, i + 2) * Unsafe.Add(ref b, i + 2);
                l3 += Unsafe.Add(ref a, i + 3) * Unsafe.Add(ref b, i + 3);
                l4 += Unsafe.Add(ref a, i + 4) * Unsafe.Add(ref b, i + 4);
                l5 += Unsafe.Add(ref a, i + 5) * Unsafe.Add(ref b, i + 5);
                l6 += Unsafe.Add(ref a, i + 6) * Unsafe.Add(ref b, i + 6);
                l7 += Unsafe.Add(ref a, i + 7) * Unsafe.Add(ref b, i + 7);
            }
            half = Vector128.Create(l0 + l4, l1 + l5, l2 + l6, l3 + l7);
        }
        float sum = (half.GetElement(0) + half.GetElement(1)) + (half.GetElement(2) + half.GetElement(3));
        for (; i < n; i++) sum += Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i);
        return sum;
    }

    /// <summary>Convenience allocation of <see cref="Resample(ReadOnlySpan{float}, Span{float})"/>.</summary>
    public float[] Resample(ReadOnlySpan<float> input)
    {
        var result = new float[OutputLength(input.Length)];
        Resample(input, result);
        return result;
    }

    /// <summary>One-shot convenience: resample <paramref name="input"/> from <paramref name="inputRateHz"/> to <paramref name="outputRateHz"/>.</summary>
    public static float[] Resample(ReadOnlySpan<float> input, double inputRateHz, double outputRateHz) =>
        new Resampler(inputRateHz, outputRateHz).Resample(input);

    /// <summary>Upper bound on outputs one <see cref="Process"/> call can produce for <paramref name="inputLength"/> inputs.</summary>
    public int MaxOutputForChunk(int inputLength) => (int)(((long)inputLength * Up) / Down) + 2;

    /// <summary>
    /// Streaming: consumes a chunk and writes every output sample that is now fully determined. Outputs lag the input by
    /// the filter's half length (≈ 10·max(L,M)/L input samples). Allocates only when a chunk is larger than any before.
    /// </summary>
    /// <returns>Number of samples written to <paramref name="output"/>.</returns>
    public int Process(ReadOnlySpan<float> input, Span<float> output)
    {
        if (input.Length == 0) return 0;
        int T = _tapsPerPhase;
        if (_inputCount == 0)
        {
            _firstSample = input[0];
            EnsureBuffer(T + input.Length);
            _buf.AsSpan(0, T).Fill(_firstSample); // hold the first sample before the start
        }
        else EnsureBuffer(T + input.Length);
        input.CopyTo(_buf.AsSpan(T));
        long bufStart = _inputCount - T;       // input index of _buf[0]
        _inputCount += input.Length;
        int written = Produce(output, bufStart, _inputCount - 1, float.NaN);
        // keep the last T inputs as history
        _buf.AsSpan(input.Length, T).CopyTo(_buf);
        return written;
    }

    /// <summary>Ends the stream: writes the remaining outputs, holding the last input sample beyond the end; then resets.</summary>
    public int Flush(Span<float> output)
    {
        if (_inputCount == 0) return 0;
        int T = _tapsPerPhase;
        long bufStart = _inputCount - T;
        long total = OutputLength((int)Math.Min(_inputCount, int.MaxValue));
        float last = _buf[T - 1];
        int written = Produce(output, bufStart, long.MaxValue, last, total);
        Reset();
        return written;
    }

    /// <summary>Forgets the stream so the next chunk starts a new one.</summary>
    public void Reset()
    {
        _inputCount = 0;
        _nextOutput = 0;
    }

    private int Produce(Span<float> output, long bufStart, long newestAvailable, float hold, long limit = long.MaxValue)
    {
        int T = _tapsPerPhase;
        int written = 0;
        long bufEnd = _inputCount; // exclusive input index of data in _buf
        while (_nextOutput < limit)
        {
            long t = _nextOutput * Down + _delay;
            long n0 = t / Up;
            if (n0 > newestAvailable) break;
            if (written >= output.Length) throw new ArgumentException("Output span too small; size it with MaxOutputForChunk.", nameof(output));
            int phase = (int)(t % Up);
            var taps = new ReadOnlySpan<float>(_reversed, phase * T, T);
            long lowest = n0 - (T - 1);
            if (lowest >= 0 && lowest >= bufStart && n0 < bufEnd)
            {
                output[written++] = Dot(taps, new ReadOnlySpan<float>(_buf, (int)(lowest - bufStart), T));
            }
            else
            {
                // The same inputs in the same order as the one-shot path, so the outputs are bit-identical.
                var edge = EnsureEdge(T);
                for (int i = 0; i < T; i++)
                {
                    long idx = lowest + i;
                    edge[i] = idx >= bufEnd ? hold : idx < 0 ? _firstSample : _buf[idx - bufStart];
                }
                output[written++] = Dot(taps, edge);
            }
            _nextOutput++;
        }
        return written;
    }

    private float[] _edge = [];
    private Span<float> EnsureEdge(int size)
    {
        if (_edge.Length < size) _edge = new float[size];
        return _edge.AsSpan(0, size);
    }

    private void EnsureBuffer(int size)
    {
        if (_buf.Length >= size) return;
        var nb = new float[Math.Max(size, _buf.Length * 2)];
        _buf.AsSpan().CopyTo(nb);
        _buf = nb;
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
}
