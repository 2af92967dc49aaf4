using System.Runtime.CompilerServices;
using CGDmer.Signal.Dsp;

namespace CGDmer.Signal.Beats;

/// <summary>A QRS complex found by <see cref="StreamingQrsDetector"/>: its R time as a sample index of the stream.</summary>
/// <param name="Sample">R-peak sample index, counted from the first sample the detector was given.</param>
/// <param name="SearchBack">Found by search-back (a beat below the primary threshold, emitted late).</param>
public readonly record struct DetectedQrs(long Sample, bool SearchBack);

/// <summary>
/// Causal QRS detector after Pan &amp; Tompkins (1985) for a live stream, one instance per lead: 5–15 Hz band-pass,
/// five-point derivative, squaring and 150 ms moving-window integration, all causal; adaptive signal and noise levels,
/// a 200 ms refractory period, T-wave discrimination by slope and search-back for a beat missed under the threshold.
/// Samples go in chunk by chunk (any sizes; the result does not depend on them) and every sample is processed once.
/// </summary>
/// <remarks>
/// <para><b>Look-ahead.</b> A beat is final, and emitted, once the refractory period after its integrator peak has
/// passed: at most <see cref="LookAheadSeconds"/> after its R-peak. A beat found by search-back is emitted when the
/// silence after the last beat exceeds 1.66 mean RR intervals (bounded by <see cref="MaxSearchBackSeconds"/>). While
/// the levels are learnt (the first <see cref="LearningSeconds"/> of the stream, and again after a silence of
/// <see cref="RelearnAfterSeconds"/>), beats are held and emitted at the end of the learning period.</para>
/// <para><b>R-peak.</b> The integrator peak lags the QRS by the filters' group delay and half the integration window;
/// the R-peak is the largest band-passed magnitude in the window before the peak that this lag spans, moved back by the
/// band-pass group delay at 10 Hz, so that it lands on the R wave of the input.</para>
/// <para>Not thread-safe: one instance per lead of one patient.</para>
/// </remarks>
public sealed class StreamingQrsDetector
{
    private const int RrHistory = 8;
    private const double Refractory = 0.200, IntegrationWindow = 0.150, TWaveWindow = 0.360, SearchBackFactor = 1.66;
    private const double ThresholdFraction = 0.25, SearchBackThresholdFraction = 0.5;
    /// <summary>
    /// A peak within <see cref="TWaveWindow"/> of the last beat whose steepest band-passed slope is below this fraction of
    /// that beat's is a T wave. Pan &amp; Tompkins used one half, which counts a T wave as tall as the QRS as a beat; three
    /// quarters is chosen for IEC 60601-2-27's tall-T-wave test (the measured figures: docs/performance.md).
    /// </summary>
    private const double TWaveSlopeRatio = 0.75;

    /// <summary>The signal and noise levels are learnt from this much signal before the first decision.</summary>
    public const double LearningSeconds = 2;

    /// <summary>A silence this long without a beat re-learns the levels (after lead-off, asystole, a gain change).</summary>
    public const double RelearnAfterSeconds = 5;

    private readonly double _fs;
    private readonly BiquadCascade _bandPass;
    private readonly BiquadState _bandPassState;
    private readonly int _refractory, _tWindow, _window, _learn, _relearn, _rSearch, _bandPassDelay, _maxSearchBack;

    // Rings over the most recent samples (indexed by absolute sample mod length).
    private readonly float[] _bp, _sq, _mwi;
    private readonly int _ring;       // samples of history the decisions look back over
    private readonly int _ringMask;   // the rings' physical length (a power of two ≥ _ring) − 1: an index is a mask, not a division
    private double _mwiSum;
    private long _n;   // samples seen

    // Decision state (Pan–Tompkins).
    private bool _learned;
    private double _spki, _npki, _lastSlope;
    private readonly int[] _rr = new int[RrHistory];
    private int _rrCount;
    private double _rrMean;
    private long _lastBeat = long.MinValue;    // integrator peak of the last accepted beat
    private double _lastBeatValue;
    private bool _lastBeatPending;             // accepted but still inside its refractory period (may move)
    private bool _lastBeatSearchBack;
    private long _lastR = long.MinValue;      // band-passed R-peak of the last emitted beat
    private readonly List<(long Index, double Value)> _noise = [];

    public StreamingQrsDetector(double sampleRateHz)
    {
        if (!(sampleRateHz >= 50) || !double.IsFinite(sampleRateHz))
            throw new ArgumentOutOfRangeException(nameof(sampleRateHz), sampleRateHz, "QRS detection needs at least 50 Hz.");
        _fs = sampleRateHz;
        _bandPass = Butterworth.BandPass(2, 5, Math.Min(15, sampleRateHz * 0.45), sampleRateHz);
        _bandPassState = _bandPass.CreateState();
        _refractory = (int)Math.Round(Refractory * _fs);
        _tWindow = (int)Math.Round(TWaveWindow * _fs);
        _window = Math.Max(1, (int)Math.Round(IntegrationWindow * _fs));
        _learn = (int)Math.Round(LearningSeconds * _fs);
        _relearn = (int)Math.Round(RelearnAfterSeconds * _fs);
        _maxSearchBack = (int)Math.Round(MaxSearchBackSeconds * _fs);
        _bandPassDelay = (int)Math.Round(GroupDelaySamples(_bandPass, 10, _fs));
        // The R-peak lies within the integration window plus the derivative's and band-pass's delays before the peak.
        _rSearch = _window + 2 + _bandPassDelay + (int)Math.Round(0.05 * _fs);
        _ring = Math.Max(_learn, _maxSearchBack + _rSearch) + 4 * _window + 16;
        int physical = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)_ring);
        _ringMask = physical - 1;
        _bp = new float[physical];
        _sq = new float[physical];
        _mwi = new float[physical];
        _rrMean = _fs;
    }

    public double SampleRateHz => _fs;

    /// <summary>Starts over for a new stream at the same rate, keeping the buffers: afterwards it finds what a new instance would.</summary>
    public void Reset()
    {
        _bandPassState.Reset();
        Array.Clear(_bp);
        Array.Clear(_sq);
        Array.Clear(_mwi);
        _mwiSum = 0;
        _n = 0;
        _learned = false;
        _spki = _npki = _lastSlope = 0;
        Array.Clear(_rr);
        _rrCount = 0;
        _rrMean = _fs;
        _lastBeat = long.MinValue;
        _lastBeatValue = 0;
        _lastBeatPending = false;
        _lastBeatSearchBack = false;
        _lastR = long.MinValue;
        _noise.Clear();
        _lastInput = 0;
    }

    /// <summary>Longest a search-back may look back over: a missed beat is found at most this long after the last one.</summary>
    public const double MaxSearchBackSeconds = 3;

    /// <summary>Longest time from an R-peak to its beat's emission on the primary path (search-back aside).</summary>
    public double LookAheadSeconds => (_rSearch + _refractory + 2) / _fs;

    /// <summary>Samples processed so far.</summary>
    public long SamplesSeen => _n;

    /// <summary>
    /// Processes <paramref name="samples"/> (mV, one lead, consecutive with the previous call) and appends the beats
    /// that became final, in ascending order. Non-finite samples are held at the last finite value.
    /// </summary>
    [SkipLocalsInit]   // the chunk is written before it is read, so it is not zeroed per call
    public void Process(ReadOnlySpan<float> samples, ICollection<DetectedQrs> beats)
    {
        ArgumentNullException.ThrowIfNull(beats);
        Span<float> chunk = stackalloc float[256];
        int offset = 0;
        while (offset < samples.Length)
        {
            int m = Math.Min(chunk.Length, samples.Length - offset);
            var part = chunk[..m];
            for (int i = 0; i < m; i++)
            {
                float v = samples[offset + i];
                part[i] = float.IsFinite(v) ? v : _lastInput;
                _lastInput = part[i];
            }
            if (_n == 0 && m > 0) _bandPass.SetSteadyState(_bandPassState, part[0]);
            _bandPass.Process(part, _bandPassState);
            Integrate(part, beats);
            offset += m;
        }
    }

    private float _lastInput;

    /// <summary>The 5–15 Hz band-pass the detector reads, and its state: <see cref="StreamingBeatClassifier"/> runs it in
    /// its own filter loop and hands the output to <see cref="ProcessBandPassed"/>.</summary>
    internal BiquadCascade BandPass => _bandPass;

    internal BiquadState BandPassState => _bandPassState;

    /// <summary>
    /// <see cref="Process"/> after its band-pass: <paramref name="bandPassed"/> is <see cref="BandPass"/>'s output for the
    /// next samples, run from its steady state for the first sample held finite, as <see cref="Process"/> runs it.
    /// </summary>
    internal void ProcessBandPassed(ReadOnlySpan<float> bandPassed, ICollection<DetectedQrs> beats) => Integrate(bandPassed, beats);

    /// <summary>Emits the last beat if it is pending (at the end of a stream: nothing after it can move it any more).</summary>
    public void Flush(ICollection<DetectedQrs> beats)
    {
        if (_lastBeatPending) Emit(beats);
    }

    /// <summary>
    /// The integrator over band-passed samples, and the decisions where there are any: <see cref="Decide"/> runs only
    /// for a sample at which it can change something (a local maximum, a pending beat's refractory period over, a due
    /// search-back or re-learning), which leaves the loop without calls for most samples and its state in registers.
    /// </summary>
    private void Integrate(ReadOnlySpan<float> bandPassed, ICollection<DetectedQrs> beats)
    {
        float[] bp = _bp, sq = _sq, mwi = _mwi;
        int mask = _ringMask, window = _window, learn = _learn, refractory = _refractory, relearn = _relearn;
        long n = _n;
        double mwiSum = _mwiSum;
        // The integrator's last two values (for the local maximum at n − 1), and what the decisions depend on, which
        // changes only when they run.
        float before = n >= 2 ? mwi[(int)((n - 2) & mask)] : 0, last = n >= 1 ? mwi[(int)((n - 1) & mask)] : 0;
        var (learned, pending, lastBeat, noise, searchBackAfter) = DecisionState();
        for (int i = 0; i < bandPassed.Length; i++, n++)
        {
            float x = bandPassed[i];
            int k = (int)(n & mask);
            bp[k] = x;
            // Causal five-point derivative (delay 2 samples), squared; the integrator is the mean of the last _window.
            float b1 = n >= 1 ? bp[(int)((n - 1) & mask)] : bp[0];
            float b3 = n >= 3 ? bp[(int)((n - 3) & mask)] : bp[0];
            float b4 = n >= 4 ? bp[(int)((n - 4) & mask)] : bp[0];
            float d = (2 * x + b1 - b3 - 2 * b4) * 0.125f;
            float s = d * d;
            sq[k] = s;
            mwiSum += s;
            if (n >= window) mwiSum -= sq[(int)((n - window) & mask)];
            if (mwiSum < 0) mwiSum = 0;
            float current = (float)(mwiSum / window);
            mwi[k] = current;
            bool localMaximumBefore = n >= 2 && last > before && last >= current;
            (before, last) = (last, current);

            if (learned)
            {
                // Decide's conditions, in its order: a pending beat's refractory period over; a due re-learning or
                // search-back; a local maximum of the integrator.
                bool acts = pending
                    ? n - lastBeat >= refractory
                    : lastBeat != long.MinValue && (n - lastBeat > relearn || noise && n - lastBeat > searchBackAfter);
                if (!acts && !localMaximumBefore && !DecidesEverySample) continue;
            }
            else if (n + 1 < learn) continue;
            (_n, _mwiSum) = (n + 1, mwiSum);
            if (learned) Decide(n, beats);
            else Learn(n, beats);
            (learned, pending, lastBeat, noise, searchBackAfter) = DecisionState();
        }
        (_n, _mwiSum) = (n, mwiSum);
    }

    private (bool Learned, bool Pending, long LastBeat, bool Noise, double SearchBackAfter) DecisionState() =>
        (_learned, _lastBeatPending, _lastBeat, _noise.Count > 0, SearchBackAfter);

    /// <summary>Runs <see cref="Decide"/> for every sample, as before the skip (tests compare the two).</summary>
    internal bool DecidesEverySample { get; init; }

    private float Bp(long i) => i < 0 ? _bp[0] : _bp[(int)(i & _ringMask)];

    /// <summary>The 5–15 Hz band-passed samples from index <paramref name="from"/> (among the last ring's worth seen), for the lead's quality.</summary>
    internal void CopyBandPassed(long from, Span<float> destination)
    {
        for (int i = 0; i < destination.Length; i++) destination[i] = _bp[(int)((from + i) & _ringMask)];
    }
    private float Mwi(long i) => _mwi[(int)(i & _ringMask)];

    /// <summary>Sets the levels from the last learning period, then runs the decisions over it.</summary>
    private void Learn(long n, ICollection<DetectedQrs> beats)
    {
        long from = Math.Max(0, n + 1 - _learn);
        double max = 0, mean = 0;
        for (long i = from; i <= n; i++) { max = Math.Max(max, Mwi(i)); mean += Mwi(i); }
        mean /= Math.Max(1, n + 1 - from);
        _spki = max / 3;
        _npki = mean / 2;
        _learned = true;
        _noise.Clear();
        for (long i = from + 1; i <= n; i++) Decide(i, beats);
    }

    /// <summary>Decisions for the integrator sample <paramref name="n"/>: a local maximum at n − 1 is a candidate.</summary>
    private void Decide(long n, ICollection<DetectedQrs> beats)
    {
        // A pending beat becomes final once its refractory period is over.
        if (_lastBeatPending && n - _lastBeat >= _refractory) Emit(beats);

        if (_lastBeat != long.MinValue && n - _lastBeat > _relearn && !_lastBeatPending)
        {
            // Long silence: re-learn the levels from the recent signal rather than wait for the old ones to decay.
            _lastBeat = long.MinValue;
            _rrCount = 0;
            _rrMean = _fs;
            _learned = false;
            Learn(n, beats);
            return;
        }

        SearchBack(n, beats);
        if (n < 2) return;
        long p = n - 1;
        float v = Mwi(p);
        if (!(v > Mwi(p - 1) && v >= Mwi(n))) return;

        if (_lastBeat != long.MinValue && p - _lastBeat < _refractory)
        {
            // Within the refractory period a larger peak belongs to the same complex: the beat moves there.
            if (v > _lastBeatValue && _lastBeatPending)
            {
                _lastBeat = p;
                _lastBeatValue = v;
            }
            return;
        }
        double threshold = Threshold;
        if (v > threshold)
        {
            double slope = Slope(p);
            if (_lastBeat != long.MinValue && p - _lastBeat < _tWindow && slope < TWaveSlopeRatio * _lastSlope)
            {
                _npki = 0.125 * v + 0.875 * _npki;   // a T wave
                return;
            }
            Accept(p, v, slope, searchBack: false, beats);
        }
        else
        {
            _npki = 0.125 * v + 0.875 * _npki;
            if (v > SearchBackThresholdFraction * threshold) _noise.Add((p, v));
        }
    }

    /// <summary>Samples after the last beat beyond which a missed beat is searched for: <see cref="SearchBackFactor"/> mean RR intervals, capped.</summary>
    private double SearchBackAfter => Math.Min(SearchBackFactor * _rrMean, _maxSearchBack);

    /// <summary>A long silence since the last beat means one was missed under the threshold: take the best candidate.</summary>
    private void SearchBack(long n, ICollection<DetectedQrs> beats)
    {
        while (_noise.Count > 0 && _lastBeat != long.MinValue && !_lastBeatPending
               && n - _lastBeat > SearchBackAfter)
        {
            int best = -1;
            double bestValue = SearchBackThresholdFraction * Threshold;
            for (int c = 0; c < _noise.Count; c++)
            {
                var (index, value) = _noise[c];
                if (index - _lastBeat >= _refractory && value > bestValue
                    && (index - _lastBeat >= _tWindow || Slope(index) >= TWaveSlopeRatio * _lastSlope))   // not a T wave
                { best = c; bestValue = value; }
            }
            if (best < 0) { _noise.Clear(); return; }
            var chosen = _noise[best];
            Accept(chosen.Index, chosen.Value, Slope(chosen.Index), searchBack: true, beats);
            // A search-back beat is final at once: the candidates after it were already seen. Later ones may hide
            // a second missed beat and stay.
            Emit(beats);
            // Drop the candidates up to the chosen one, in place (a capturing predicate would allocate per search-back).
            int kept = 0;
            for (int i = 0; i < _noise.Count; i++) if (_noise[i].Index > chosen.Index) _noise[kept++] = _noise[i];
            _noise.RemoveRange(kept, _noise.Count - kept);
        }
    }

    private void Accept(long p, double v, double slope, bool searchBack, ICollection<DetectedQrs> beats)
    {
        if (_lastBeatPending) Emit(beats);
        if (_lastBeat != long.MinValue)
        {
            int interval = (int)Math.Min(int.MaxValue, p - _lastBeat);
            if (_rrCount == RrHistory)
            {
                Array.Copy(_rr, 1, _rr, 0, RrHistory - 1);
                _rrCount--;
            }
            _rr[_rrCount++] = interval;
            double sum = 0;
            for (int i = 0; i < _rrCount; i++) sum += _rr[i];
            _rrMean = sum / _rrCount;
        }
        _lastBeat = p;
        _lastBeatValue = v;
        _lastBeatPending = true;
        _lastBeatSearchBack = searchBack;
        _lastSlope = slope;
        _spki = searchBack ? 0.25 * v + 0.75 * _spki : 0.125 * v + 0.875 * _spki;
        if (!searchBack) _noise.Clear();
    }

    private void Emit(ICollection<DetectedQrs> beats)
    {
        _lastBeatPending = false;
        // The R-peak: the largest band-passed magnitude in the span the integrator's lag covers, moved back by the
        // band-pass group delay. That span (about 250 ms) is longer than the refractory period, so it starts half a
        // refractory period after the previous R-peak: else a noisy or wide complex whose integrator peaked twice gave
        // the same R-peak twice.
        long hi = _lastBeat, lo = Math.Max(Math.Max(0, _n - _ring + 1), _lastBeat - _rSearch);
        if (_lastR != long.MinValue) lo = Math.Min(hi, Math.Max(lo, _lastR + _refractory / 2));
        long best = hi;
        float bestValue = -1;
        for (long i = lo; i <= hi; i++)
        {
            float m = Math.Abs(Bp(i));
            if (m > bestValue) { bestValue = m; best = i; }
        }
        _lastR = best;
        beats.Add(new DetectedQrs(Math.Max(0, best - _bandPassDelay), _lastBeatSearchBack));
    }

    private double Threshold => _npki + ThresholdFraction * (_spki - _npki);

    /// <summary>Steepest band-passed slope in the span before the integrator peak <paramref name="p"/> where its QRS lies.</summary>
    private double Slope(long p)
    {
        double s = 0;
        long lo = Math.Max(Math.Max(1, _n - _ring + 1), p - _rSearch), hi = Math.Min(_n - 1, p);
        for (long i = lo; i <= hi; i++) s = Math.Max(s, Math.Abs(Bp(i) - Bp(i - 1)));
        return s;
    }

    /// <summary>Group delay of <paramref name="filter"/> at <paramref name="hz"/>, in samples (numerical phase derivative).</summary>
    private static double GroupDelaySamples(BiquadCascade filter, double hz, double fs)
    {
        const double dHz = 0.01;
        double p1 = filter.Response(hz - dHz, fs).Phase, p2 = filter.Response(hz + dHz, fs).Phase;
        double dPhase = p2 - p1;
        while (dPhase > Math.PI) dPhase -= 2 * Math.PI;
        while (dPhase < -Math.PI) dPhase += 2 * Math.PI;
        double seconds = -dPhase / (2 * Math.PI * 2 * dHz);
        return Math.Max(0, seconds * fs);
    }
}
