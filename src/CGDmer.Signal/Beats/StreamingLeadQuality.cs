using CGDmer.Signal.Dsp;

namespace CGDmer.Signal.Beats;

/// <summary>
/// One second of one lead's stream, summed for its signal quality: a window's quality is computed from the blocks it
/// covers (<see cref="StreamedQuality"/>), so no sample is filtered or searched twice.
/// </summary>
/// <param name="Start">Index of the block's first sample (absolute in a stream's output; blocks lie on whole seconds).</param>
/// <param name="Samples">Samples summed (fewer than a second where a run starts or ends inside the block).</param>
/// <param name="Saturated">Samples of the 0.5 Hz high-passed signal beyond ±<see cref="BeatMeasurementOptions.SaturationMv"/>, in flat runs of 30 ms or more at the extremes of this second and the last (clipping), or in still stretches of a second or more (railed or disconnected).</param>
/// <param name="Sum">Σ of the 1–35 Hz band-passed signal (the classifier's), and below its powers 2 to 4: the kurtosis.</param>
/// <param name="QrsBandPower">Σ² of the 5–15 Hz band (the detector's).</param>
/// <param name="AboveQrsLowPower">Σ² above 5 Hz.</param>
/// <param name="BaselineSum">Σ of the band below 1 Hz after a 0.5 Hz high-pass (residual baseline wander).</param>
/// <param name="BaselinePower">Σ² of that band.</param>
/// <param name="HighPassedSum">Σ of the 0.5 Hz high-passed signal.</param>
/// <param name="HighPassedPower">Σ² of the 0.5 Hz high-passed signal.</param>
/// <param name="RangeMv">Peak to peak of the 1–35 Hz band-passed signal in the block.</param>
public readonly record struct QualityBlock(
    long Start, int Samples, int Saturated,
    double Sum, double SumSquares, double SumCubes, double SumFourths,
    double QrsBandPower, double AboveQrsLowPower,
    double BaselineSum, double BaselinePower, double HighPassedSum, double HighPassedPower,
    float RangeMv);

/// <summary>
/// The per-second quality sums of one lead of a live stream and a second QRS detector for the beat agreement, computed
/// once per sample as the samples arrive: the stream-side half of the signal quality index (the window side is
/// <see cref="BeatMeasurer"/>'s measurement from <see cref="StreamedQuality"/>). Owned and fed by
/// <see cref="StreamingBeatClassifier"/>, which passes each sample raw (non-finite held), band-passed 1–35 Hz (its
/// template band) and 5–15 Hz (its detector's band). Not thread-safe.
/// </summary>
/// <remarks>
/// <para><b>Blocks</b> are whole seconds of the stream's sample grid: block b holds samples [b·B, (b+1)·B), B = the rate
/// rounded. A block is emitted when its last sample has been summed; a run that starts or ends inside a block gives a
/// shorter one.</para>
/// <para><b>The second detector</b> is Zong's curve-length transform (as <see cref="LengthTransformDetector"/>) on the
/// 1–35 Hz band: the curve length over 130 ms, made causal, with an adaptive threshold instead of the window's
/// percentiles: 30 % of the way from the transform's running level (a 2 s mean) to its running beat peak (the mean of
/// the recent runs' maxima), learnt over the first 2 s. A run above the threshold is one beat, placed at the largest
/// band-passed magnitude within 100 ms of the run's maximum; runs within 200 ms of the last beat merge with it. It
/// fails differently from the Pan–Tompkins-style detector (one smooth threshold, another transform), which is what makes
/// their agreement evidence (Li, Mark &amp; Clifford 2008).</para>
/// </remarks>
public sealed class StreamingLeadQuality
{
    private const double LearningSeconds = 2, LevelSeconds = 2, PeakWeight = 0.125, ThresholdFraction = 0.30;
    private const double TransformSeconds = 0.130, SearchSeconds = 0.100, RefractorySeconds = 0.200;
    private const double ClippingSeconds = 0.030, StillSeconds = 1.0, StillSlopeMvPerSecond = 0.4, NearExtremeFraction = 0.01;

    private readonly double _fs, _saturationMv, _dt, _levelAlpha, _stillStep;
    private readonly int _blockSamples, _transform, _search, _refractory, _learn, _clipping, _still;
    private readonly Biquad _highPass05, _lowPass1, _highPass5;
    private readonly float[] _clean, _increment, _transformed;   // rings (power of two): the band-passed signal, the curve-length increments and transform
    private readonly int _ringMask;

    private long _n;   // samples seen since the reset, and the stream index of the next one is _first + _n
    private long _first;
    private double _h1, _h2, _l1, _l2, _a1, _a2;   // filter states
    private float _lastHighPassed, _lastClean;
    private int _flatRun, _stillRun;
    private float _hpMin, _hpMax, _previousHpMin, _previousHpMax;   // the high-passed signal's extremes: this block's and the last one's

    // The current block's sums.
    private long _blockStart, _blockEnd;
    private int _blockCount, _saturated;
    private double _sum, _sum2, _sum3, _sum4, _qrs, _above, _baseSum, _base2, _hpSum, _hp2;
    private float _min, _max;

    // The second detector.
    private double _transformSum, _level, _peak;
    private bool _learned, _inRun;
    private float _runMax;
    private long _runMaxAt, _finishAt = -1;   // the ended run's beat is placed once its search span has arrived
    private long _pendingBeat = -1;           // the last beat, while a run within its refractory period may still replace it
    private float _pendingMagnitude;

    /// <param name="sampleRateHz">The stream's rate (at least 50 Hz).</param>
    /// <param name="saturationMv">Samples beyond ± this are saturated (<see cref="BeatMeasurementOptions.SaturationMv"/>).</param>
    public StreamingLeadQuality(double sampleRateHz, double saturationMv = 5.0)
    {
        if (!(sampleRateHz >= 50) || !double.IsFinite(sampleRateHz))
            throw new ArgumentOutOfRangeException(nameof(sampleRateHz), sampleRateHz, "signal quality needs at least 50 Hz");
        _fs = sampleRateHz;
        _saturationMv = saturationMv;
        _blockSamples = (int)Math.Round(sampleRateHz);
        _dt = 1 / (0.01 * sampleRateHz);   // one sample in units where 10 ms weighs as 1 mV (Zong et al.)
        _transform = Math.Max(1, (int)Math.Round(TransformSeconds * sampleRateHz));
        _search = Math.Max(1, (int)Math.Round(SearchSeconds * sampleRateHz));
        _refractory = Math.Max(1, (int)Math.Round(RefractorySeconds * sampleRateHz));
        _learn = (int)Math.Round(LearningSeconds * sampleRateHz);
        _levelAlpha = 1 / (LevelSeconds * sampleRateHz);
        _clipping = Math.Max(2, (int)Math.Round(ClippingSeconds * sampleRateHz));
        _still = (int)Math.Round(StillSeconds * sampleRateHz);
        _stillStep = StillSlopeMvPerSecond / sampleRateHz;
        _highPass05 = Butterworth.HighPass(2, 0.5, sampleRateHz).Sections[0];
        _lowPass1 = Butterworth.LowPass(2, 1, sampleRateHz).Sections[0];
        _highPass5 = Butterworth.HighPass(2, 5, sampleRateHz).Sections[0];
        // The rings hold the learning period, whose samples are detected once it is over, and a run's search span.
        int ring = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(_learn + _transform + 2 * _search + _refractory + 8));
        _clean = new float[ring];
        _increment = new float[ring];
        _transformed = new float[ring];
        _ringMask = ring - 1;
        Reset(0);
    }

    /// <summary>Samples per block: the rate rounded to a whole number.</summary>
    public int BlockSamples => _blockSamples;

    /// <summary>Longest time from a second-detector beat to its emission: the run, the search after its maximum and the refractory period.</summary>
    public double LookAheadSeconds => (_transform + 2 * _search + _refractory + 2) / _fs;

    /// <summary>Starts over; the next sample has stream index <paramref name="firstSample"/> (which places the blocks).</summary>
    public void Reset(long firstSample)
    {
        _first = firstSample;
        _n = 0;
        _h1 = _h2 = _l1 = _l2 = _a1 = _a2 = 0;
        _lastHighPassed = _lastClean = 0;
        _flatRun = _stillRun = 0;
        _previousHpMin = float.PositiveInfinity;
        _previousHpMax = float.NegativeInfinity;
        Array.Clear(_clean);
        Array.Clear(_increment);
        Array.Clear(_transformed);
        StartBlock(firstSample);
        _transformSum = _level = _peak = 0;
        _learned = _inRun = false;
        _runMax = 0;
        _runMaxAt = 0;
        _finishAt = -1;
        _pendingBeat = -1;
        _pendingMagnitude = 0;
    }

    /// <summary>
    /// Sums <paramref name="raw"/> (mV, finite), with its 1–35 Hz band <paramref name="clean"/> and 5–15 Hz band
    /// <paramref name="qrsBand"/> (one value per sample each), and appends the blocks completed and the second
    /// detector's beats that became final (stream indices, ascending).
    /// </summary>
    public void Process(ReadOnlySpan<float> raw, ReadOnlySpan<float> clean, ReadOnlySpan<float> qrsBand,
                        ICollection<QualityBlock> blocks, ICollection<long> secondBeats)
    {
        if (clean.Length != raw.Length || qrsBand.Length != raw.Length)
            throw new ArgumentException("raw, clean and QRS-band samples must be as many");
        ArgumentNullException.ThrowIfNull(blocks);
        ArgumentNullException.ThrowIfNull(secondBeats);
        Biquad h = _highPass05, l = _lowPass1, a = _highPass5;
        if (_n == 0 && raw.Length > 0)
        {
            // The high-passes from their steady state for the first sample (no step from a DC offset); the low-pass
            // reads the high-passed signal, which starts at rest.
            ZeroPhase.Steady(h, raw[0], out _h1, out _h2);
            ZeroPhase.Steady(a, raw[0], out _a1, out _a2);
            _lastHighPassed = 0;
        }
        // The per-sample state in locals (fields written back below): the recurrences then stay in registers.
        double h1 = _h1, h2 = _h2, l1 = _l1, l2 = _l2, a1 = _a1, a2 = _a2;
        double sum = _sum, sum2 = _sum2, sum3 = _sum3, sum4 = _sum4, qrs = _qrs, abovePower = _above;
        double baseSum = _baseSum, base2 = _base2, hpSum = _hpSum, hp2 = _hp2;
        float min = _min, max = _max, lastHp = _lastHighPassed, hpMin = _hpMin, hpMax = _hpMax;
        int saturated = _saturated, flatRun = _flatRun, stillRun = _stillRun, count = _blockCount;
        for (int i = 0; i < raw.Length; i++)
        {
            long index = _first + _n;
            float xf = raw[i];
            double x = xf;
            // Three sections, interleaved: 0.5 Hz high-pass, then 1 Hz low-pass of it; 5 Hz high-pass of the input.
            double hp = h.B0 * x + h1;
            h1 = h.B1 * x - h.A1 * hp + h2;
            h2 = h.B2 * x - h.A2 * hp;
            double above = a.B0 * x + a1;
            a1 = a.B1 * x - a.A1 * above + a2;
            a2 = a.B2 * x - a.A2 * above;
            double low = l.B0 * hp + l1;
            l1 = l.B1 * hp - l.A1 * low + l2;
            l2 = l.B2 * hp - l.A2 * low;

            float c = clean[i];
            double c2 = (double)c * c;
            sum += c;
            sum2 += c2;
            sum3 += c2 * c;
            sum4 += c2 * c2;
            double q = qrsBand[i];
            qrs += q * q;
            abovePower += above * above;
            baseSum += low;
            base2 += low * low;
            hpSum += hp;
            hp2 += hp * hp;
            min = Math.Min(min, c);
            max = Math.Max(max, c);

            // Saturation: beyond the level, flat runs (clipping) and still stretches (railed or disconnected). A run's
            // first samples count once it is long enough, then each further sample (as the window measurement).
            // Saturation, on the 0.5 Hz high-passed signal as the window measurement reads the preprocessed one: beyond
            // the level; flat runs at the signal's extremes (clipping; the extremes of this block and the last, since
            // the window's are not known yet); still stretches (railed or disconnected: a rail decays to a line).
            float hpf = (float)hp;
            if (Math.Abs(hpf) > _saturationMv) saturated++;
            hpMin = Math.Min(hpMin, hpf);
            hpMax = Math.Max(hpMax, hpf);
            float lo = Math.Min(hpMin, _previousHpMin), hi = Math.Max(hpMax, _previousHpMax);
            float near = (float)(NearExtremeFraction * (hi - lo));
            float step = Math.Abs(hpf - lastHp);
            lastHp = hpf;
            bool atExtreme = hi - hpf <= near || hpf - lo <= near;
            flatRun = atExtreme && step <= near ? flatRun + 1 : 0;
            if (flatRun >= _clipping) saturated += flatRun == _clipping ? _clipping : 1;
            stillRun = step <= _stillStep ? stillRun + 1 : 0;
            if (stillRun >= _still) saturated += stillRun == _still ? _still : 1;
            count++;

            SecondDetector(index, c, secondBeats);
            _n++;
            if (index + 1 == _blockEnd)
            {
                blocks.Add(new QualityBlock(_blockStart, count, saturated, sum, sum2, sum3, sum4, qrs, abovePower,
                                            baseSum, base2, hpSum, hp2, max - min));
                StartBlock(index + 1);
                (_previousHpMin, _previousHpMax) = (hpMin, hpMax);
                hpMin = float.PositiveInfinity;
                hpMax = float.NegativeInfinity;
                sum = sum2 = sum3 = sum4 = qrs = abovePower = baseSum = base2 = hpSum = hp2 = 0;
                min = float.PositiveInfinity;
                max = float.NegativeInfinity;
                saturated = count = 0;
            }
        }
        (_h1, _h2, _l1, _l2, _a1, _a2) = (h1, h2, l1, l2, a1, a2);
        (_sum, _sum2, _sum3, _sum4, _qrs, _above) = (sum, sum2, sum3, sum4, qrs, abovePower);
        (_baseSum, _base2, _hpSum, _hp2) = (baseSum, base2, hpSum, hp2);
        (_min, _max, _lastHighPassed, _hpMin, _hpMax) = (min, max, lastHp, hpMin, hpMax);
        (_saturated, _flatRun, _stillRun, _blockCount) = (saturated, flatRun, stillRun, count);
    }

    /// <summary>At the end of a stream: emits the partial block and the pending beat.</summary>
    public void Flush(ICollection<QualityBlock> blocks, ICollection<long> secondBeats)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        ArgumentNullException.ThrowIfNull(secondBeats);
        if (_blockCount > 0) EmitBlock(blocks);
        StartBlock(_first + _n);
        if (_inRun)
        {
            _inRun = false;
            _finishAt = _runMaxAt + _search + 1;
        }
        if (_finishAt >= 0) FinishRun(_first + _n, secondBeats);
        if (_pendingBeat >= 0) secondBeats.Add(_pendingBeat);
        _pendingBeat = -1;
    }

    private void SecondDetector(long index, float c, ICollection<long> beats)
    {
        int k = (int)(_n & _ringMask);
        _clean[k] = c;
        double dx = c - _lastClean;
        _lastClean = c;
        float inc = (float)(Math.Sqrt(_dt * _dt + dx * dx) - _dt);
        _increment[k] = inc;
        _transformSum += inc;
        if (_n >= _transform) _transformSum -= _increment[(int)((_n - _transform) & _ringMask)];
        double lt = Math.Max(0, _transformSum);
        _transformed[k] = (float)lt;

        if (!_learned)
        {
            // Learning: the level is the running mean, the peak the largest transform value so far. Once learnt, the
            // learning period itself is detected (as the primary detector does), so a stream's first beats are not
            // missing from the agreement.
            _level += (lt - _level) / (_n + 1);
            _peak = Math.Max(_peak, lt);
            if (_n + 1 < _learn) return;
            _learned = true;
            for (long i = _first; i < index; i++) Detect(i, _transformed[(int)((i - _first) & _ringMask)], beats);
        }
        Detect(index, lt, beats);
    }

    /// <summary>The decisions for transform value <paramref name="lt"/> at stream index <paramref name="index"/> (the clean ring holds it and what came before).</summary>
    private void Detect(long index, double lt, ICollection<long> beats)
    {
        if (_finishAt >= 0 && index >= _finishAt) FinishRun(index, beats);
        double threshold = _level + ThresholdFraction * (_peak - _level);
        if (lt > threshold)
        {
            if (!_inRun || lt > _runMax) { _runMax = (float)lt; _runMaxAt = index; }
            _inRun = true;
        }
        else
        {
            _level += _levelAlpha * (lt - _level);
            if (_inRun)
            {
                _inRun = false;
                _peak += PeakWeight * (_runMax - _peak);
                _finishAt = Math.Max(index, _runMaxAt + _search + 1);
            }
        }
        // Final once no run in progress or pending can land within its refractory period.
        if (_pendingBeat >= 0 && !_inRun && _finishAt < 0 && index - _pendingBeat >= _refractory + _search)
        {
            beats.Add(_pendingBeat);
            _pendingBeat = -1;
        }
    }

    /// <summary>
    /// Places the ended run's beat at the largest band-passed magnitude within <see cref="SearchSeconds"/> of its maximum
    /// (the samples up to <paramref name="index"/> − 1 have arrived); within the refractory period of the pending beat
    /// the larger deflection stays, else the pending beat is final.
    /// </summary>
    private void FinishRun(long index, ICollection<long> beats)
    {
        _finishAt = -1;
        long lo = Math.Max(Math.Max(_first, _runMaxAt - _search), index - _ringMask);
        long hi = Math.Min(_runMaxAt + _search, index - 1);
        long peak = Math.Clamp(_runMaxAt, lo, Math.Max(lo, hi));
        float best = -1;
        for (long i = lo; i <= hi; i++)
        {
            float m = Math.Abs(_clean[(int)((i - _first) & _ringMask)]);
            if (m > best) { best = m; peak = i; }
        }
        if (_pendingBeat >= 0)
        {
            if (peak - _pendingBeat < _refractory)
            {
                if (best > _pendingMagnitude) { _pendingBeat = peak; _pendingMagnitude = best; }
                return;
            }
            beats.Add(_pendingBeat);
        }
        _pendingBeat = peak;
        _pendingMagnitude = best;
    }

    private void StartBlock(long start)
    {
        _blockStart = start;
        _blockEnd = (IntegerDivision.FloorDiv(start, (long)_blockSamples) + 1) * _blockSamples;
        _blockCount = _saturated = 0;
        _sum = _sum2 = _sum3 = _sum4 = _qrs = _above = _baseSum = _base2 = _hpSum = _hp2 = 0;
        _min = _hpMin = float.PositiveInfinity;
        _max = _hpMax = float.NegativeInfinity;
    }

    private void EmitBlock(ICollection<QualityBlock> blocks) =>
        blocks.Add(new QualityBlock(_blockStart, _blockCount, _saturated, _sum, _sum2, _sum3, _sum4, _qrs, _above,
                                    _baseSum, _base2, _hpSum, _hp2, _blockCount > 0 ? _max - _min : 0));
}
