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

    /// <summary>Reduces fs_out/fs_in to L/M. Rates must be whole multiples of 1 mHz (true for every ECG rate in use).</summary>
    public static (int Up, int Down) RationalRatio(double inputRateHz, double outputRateHz)
    {
        long a = checked((long)Math.Round(outputRateHz * 1000)), b = checked((long)Math.Round(inputRateHz * 1000));
        if (Math.Abs(a - outputRateHz * 1000) > 1e-6 || Math.Abs(b - inputRateHz * 1000) > 1e-6)
            throw new ArgumentException($"Rates {inputRateHz} and {outputRateHz} Hz are not multiples of 1 mHz.");
        long g = Gcd(a, b);
        long up = a / g, down = b / g;
        if (up > 1000 || down > 1000)
            throw new ArgumentException($"Ratio {up}/{down} for {inputRateHz} → {outputRateHz} Hz is too large for a polyphase filter.");
        return ((int)up, (int)down);
    }

    private static long Gcd(long a, long b) { while (b != 0) (a, b) = (b, a % b); return a; }

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
        int n = input.Length;
        ArgumentOutOfRangeException.ThrowIfNegative(firstOutput);
        int outLen = OutputLength(n);
        if (firstOutput + (long)output.Length > outLen)
            throw new ArgumentException($"Outputs {firstOutput}…{firstOutput + (long)output.Length - 1} do not exist: {n} inputs give {outLen}.", nameof(output));
        if (output.Length == 0) return;
        int T = _tapsPerPhase;
        // Output k is the phase (t mod L) filter over inputs n0 − T + 1 … n0, n0 = t / L, t = k·M + delay; stepped from
        // one output to the next without a 64-bit division per sample.
        long t0 = (long)firstOutput * Down + _delay;
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
            // No SIMD: the same eight lanes in scalars (the emulated vector types would be ~50× slower).
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
