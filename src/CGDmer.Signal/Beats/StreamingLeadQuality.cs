using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using CGDmer.Signal.Dsp;

namespace CGDmer.Signal.Beats;

/// <summary>
/// One second of one lead's stream, summed for its signal quality: a window's quality is computed from the blocks it
/// covers (<see cref="StreamedQuality"/>), so no sample is filtered or searched twice. "Preprocessed" is the model's
/// preprocessing band (<see cref="EcgPreprocessing"/>) run causally twice, which has the magnitude response of the
/// window's zero-phase preprocessing; each quality band is likewise its window filter run twice.
/// </summary>
/// <param name="Start">Index of the block's first sample (absolute in a stream's output; blocks lie on whole seconds).</param>
/// <param name="Samples">Samples summed (fewer than a second where a run starts or ends inside the block).</param>
/// <param name="Saturated">Samples of the preprocessed signal beyond ±<see cref="BeatMeasurementOptions.SaturationMv"/>, in flat runs of 30 ms or more at the extremes of this second and the nine before (clipping), or in still stretches of a second or more (railed or disconnected).</param>
/// <param name="Sum">Σ of the preprocessing's 0.5 Hz high-pass (run twice), and below its powers 2 to 4: the kurtosis; its Σ² is the total power of the baseline ratio.</param>
/// <param name="QrsBandPower">Σ² of the 5–15 Hz band (the detector's band, run once more).</param>
/// <param name="AboveQrsLowPower">Σ² of the preprocessed signal above 5 Hz.</param>
/// <param name="BaselinePower">Σ² of the preprocessed signal below 1 Hz (residual baseline wander).</param>
/// <param name="RangeMv">Peak to peak of the preprocessed signal in the block.</param>
public readonly record struct QualityBlock(
    long Start, int Samples, int Saturated,
    double Sum, double SumSquares, double SumCubes, double SumFourths,
    double QrsBandPower, double AboveQrsLowPower,
    double BaselinePower,
    float RangeMv);

/// <summary>
/// The per-second quality sums of one lead of a live stream and a second QRS detector for the beat agreement, computed
/// once per sample as the samples arrive: the stream-side half of the signal quality index (the window side is
/// <see cref="BeatMeasurer"/>'s measurement from <see cref="StreamedQuality"/>). Owned and fed by
/// <see cref="StreamingBeatClassifier"/>, which passes each sample raw (non-finite held) and band-passed 5–15 Hz (its
/// detector's band). Not thread-safe.
/// </summary>
/// <remarks>
/// <para><b>Blocks</b> are whole seconds of the stream's sample grid: block b holds samples [b·B, (b+1)·B), B = the rate
/// rounded. A block is emitted when its last sample has been summed; a run that starts or ends inside a block gives a
/// shorter one.</para>
/// <para><b>The second detector</b> is Zong's curve-length transform (as <see cref="LengthTransformDetector"/>) on the
/// preprocessed signal: the curve length over 130 ms, made causal, with an adaptive threshold instead of the window's
/// percentiles: 30 % of the way from the transform's running level (a 2 s mean) to its running beat peak (the mean of
/// the recent runs' maxima), learnt over the first 2 s. A run above the threshold is one beat, placed at the largest
/// preprocessed magnitude within 100 ms of the run's maximum; runs within 200 ms of the last beat merge with it. It
/// fails differently from the Pan–Tompkins-style detector (one smooth threshold, another transform), which is what makes
/// their agreement evidence (Li, Mark &amp; Clifford 2008).</para>
/// </remarks>
public sealed class StreamingLeadQuality
{
    private const double LearningSeconds = 2, LevelSeconds = 2, PeakWeight = 0.125, ThresholdFraction = 0.30;
    private const double TransformSeconds = 0.130, SearchSeconds = 0.100, RefractorySeconds = 0.200;
    private const double ClippingSeconds = 0.030, StillSeconds = 1.0, StillSlopeMvPerSecond = 0.4, NearExtremeFraction = 0.01;

    /// <summary>Flat runs count as clipping at the extremes of this many blocks, the current one included: a window's span.</summary>
    private const int ExtremeBlocks = 10;

    private readonly double _fs, _saturationMv, _dt, _levelAlpha, _stillStep;
    private readonly int _blockSamples, _transform, _search, _refractory, _learn, _clipping, _still;
    private readonly Biquad _preHighPass, _preLowPass;
    private readonly double[] _f = new double[8];   // the preprocessing band's filter states (its two sections, twice)
    private readonly BandSections[] _bands;          // the quality bands' first and second sections, one lane each
    private readonly Vector256<double>[] _bandState = new Vector256<double>[4];   // their states (first section's two, second's two)
    private readonly float[] _blockMin = new float[ExtremeBlocks - 1], _blockMax = new float[ExtremeBlocks - 1];   // the last blocks' extremes (a ring)
    private int _extremeNext;
    private float _recentMin, _recentMax;
    private readonly float[] _preprocessed, _increment, _transformed;   // rings (power of two): the preprocessed signal, the curve-length increments and transform
    private readonly int _ringMask;

    private long _n;   // samples seen since the reset, and the stream index of the next one is _first + _n
    private long _first;
    private float _lastPreprocessed;   // the last sample's preprocessed value (saturation's step, the curve length's Δx)
    private int _flatRun, _stillRun;

    // The current block's sums.
    private long _blockStart, _blockEnd;
    private int _blockCount, _saturated;
    private double _sum, _sum2, _sum3, _sum4;
    private Vector256<double> _bandPowers;   // Σ² of the quality bands, lane by lane as they are filtered: below 1 Hz, above 5 Hz, 5–15 Hz
    private float _min, _max;

    // The second detector.
    private double _transformSum, _level, _peak;
    private bool _learned, _inRun;
    private float _runMax;
    private long _runMaxAt, _finishAt = -1;   // the ended run's beat is placed once its search span has arrived
    private long _pendingBeat = -1;           // the last beat, while a run within its refractory period may still replace it
    private float _pendingMagnitude;

    /// <param name="sampleRateHz">The stream's rate: above 80 Hz, twice the preprocessing band's upper edge.</param>
    /// <param name="saturationMv">Samples beyond ± this are saturated (<see cref="BeatMeasurementOptions.SaturationMv"/>).</param>
    public StreamingLeadQuality(double sampleRateHz, double saturationMv = 5.0)
    {
        if (!(sampleRateHz > 2 * EcgPreprocessing.HighCutHz) || !double.IsFinite(sampleRateHz))
            throw new ArgumentOutOfRangeException(nameof(sampleRateHz), sampleRateHz,
                $"signal quality on the stream reads the preprocessing band, which needs a rate above {2 * EcgPreprocessing.HighCutHz} Hz");
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
        var preprocessing = EcgPreprocessing.Design(sampleRateHz).Sections;
        (_preHighPass, _preLowPass) = (preprocessing[0], preprocessing[1]);
        var lowPass1 = Butterworth.LowPass(2, 1, sampleRateHz).Sections[0];
        var highPass5 = Butterworth.HighPass(2, 5, sampleRateHz).Sections[0];
        var qrsBand = Butterworth.BandPass(2, 5, Math.Min(15, sampleRateHz * 0.45), sampleRateHz).Sections;   // the detector's
        // Lanes: below 1 Hz (the low-pass twice), above 5 Hz (the high-pass twice), 5–15 Hz once more (its two sections).
        _bands = [BandSections.Of(lowPass1, highPass5, qrsBand[0]), BandSections.Of(lowPass1, highPass5, qrsBand[1])];
        // The rings hold the learning period, whose samples are detected once it is over, and a run's search span.
        int ring = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(_learn + _transform + 2 * _search + _refractory + 8));
        _preprocessed = new float[ring];
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
        Array.Clear(_f);
        Array.Clear(_bandState);
        _lastPreprocessed = 0;
        _flatRun = _stillRun = 0;
        Array.Fill(_blockMin, float.PositiveInfinity);
        Array.Fill(_blockMax, float.NegativeInfinity);
        _extremeNext = 0;
        _recentMin = float.PositiveInfinity;
        _recentMax = float.NegativeInfinity;
        Array.Clear(_preprocessed);
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
    /// Sums <paramref name="raw"/> (mV, finite), with its 5–15 Hz band <paramref name="qrsBand"/> (one value per sample
    /// each), and appends the blocks completed and the second detector's beats that became final (stream indices,
    /// ascending).
    /// </summary>
    public void Process(ReadOnlySpan<float> raw, ReadOnlySpan<float> qrsBand, ICollection<QualityBlock> blocks, ICollection<long> secondBeats)
    {
        if (qrsBand.Length != raw.Length)
            throw new ArgumentException("raw and QRS-band samples must be as many");
        ArgumentNullException.ThrowIfNull(blocks);
        ArgumentNullException.ThrowIfNull(secondBeats);
        Process(raw, qrsBand, default, fused: false, blocks, secondBeats);
    }

    private const int FilterChunk = 256;

    /// <summary>
    /// <see cref="Process"/> for the owning classifier, with the classifier's and its detector's band-passes of the same
    /// samples run in the quality's filter loop (<see cref="FilterWithBeatBands"/>): each filter is a recurrence bound by
    /// its own latency, so side by side they cost little more than the longest alone. The detector's output is the
    /// 5–15 Hz band the quality reads. Both outputs are written per sample, as each band-pass alone writes them.
    /// </summary>
    internal void Process(ReadOnlySpan<float> raw, BeatBandPasses beatBands, ICollection<QualityBlock> blocks, ICollection<long> secondBeats)
    {
        if (beatBands.DetectorBand.Length != raw.Length || beatBands.ClassifierBand.Length != raw.Length)
            throw new ArgumentException("raw and band-passed samples must be as many");
        Process(raw, default, beatBands, fused: true, blocks, secondBeats);
    }

    /// <summary>
    /// Both entries' work: chunk by chunk, the filters (<see cref="Filter"/> reading <paramref name="qrsBand"/>, or
    /// <see cref="FilterWithBeatBands"/> computing it), then the sums and the second detector over their outputs.
    /// </summary>
    [SkipLocalsInit]   // the filters write every value of a chunk's outputs (10 KB) before Decide reads them: no zeroing per call
    private void Process(ReadOnlySpan<float> raw, ReadOnlySpan<float> qrsBand, BeatBandPasses beatBands, bool fused,
        ICollection<QualityBlock> blocks, ICollection<long> secondBeats)
    {
        if (_n == 0 && raw.Length > 0)
        {
            // The first high-pass from its steady state for the first sample (no step from a DC offset); every later
            // section reads a signal that starts at rest.
            ZeroPhase.Steady(_preHighPass, raw[0], out _f[0], out _f[1]);
        }
        // Two passes per chunk: the filters (recurrences that depend on nothing else), then the sums and the second
        // detector over their outputs. Apart, each loop keeps its state in registers; together they did not fit.
        Span<float> preprocessed = stackalloc float[FilterChunk], highPassed = stackalloc float[FilterChunk];
        Span<Vector256<double>> bands = stackalloc Vector256<double>[FilterChunk];
        for (int offset = 0; offset < raw.Length; offset += FilterChunk)
        {
            int m = Math.Min(FilterChunk, raw.Length - offset);
            var filtered = new Filtered(preprocessed[..m], highPassed[..m], bands[..m]);
            if (fused) FilterWithBeatBands(raw.Slice(offset, m), beatBands.Slice(offset, m), filtered);
            else Filter(raw.Slice(offset, m), qrsBand.Slice(offset, m), filtered);
            Decide(filtered, blocks, secondBeats);
        }
    }

    /// <summary>One chunk's filter outputs, a value per sample each (<see cref="Filter"/>).</summary>
    private readonly ref struct Filtered(Span<float> preprocessed, Span<float> highPassed, Span<Vector256<double>> bands)
    {
        /// <summary>The preprocessed signal (the model's band, run twice), as float.</summary>
        public readonly Span<float> Preprocessed = preprocessed;
        /// <summary>Its 0.5 Hz high-pass alone (run twice), as float: the moments read it.</summary>
        public readonly Span<float> HighPassed = highPassed;
        /// <summary>The quality bands, one lane each as filtered: the preprocessed signal below 1 Hz and above 5 Hz (each twice), the detector's band once more, and an idle lane (0).</summary>
        public readonly Span<Vector256<double>> Bands = bands;
    }

    /// <summary>
    /// The preprocessing's band (its 0.5 Hz high-pass twice, then its 40 Hz low-pass twice; the order of linear sections
    /// does not matter), then the quality bands twice on it: each pair of passes has the magnitude response of the
    /// window's zero-phase filter. The moments read the high-passed signal: the causal low-pass smears the QRS peaks that
    /// the kurtosis measures.
    /// </summary>
    private void Filter(ReadOnlySpan<float> raw, ReadOnlySpan<float> qrsBand, Filtered output)
    {
        Biquad ph = _preHighPass, pl = _preLowPass;
        double p1 = _f[0], p2 = _f[1], p3 = _f[2], p4 = _f[3], p5 = _f[4], p6 = _f[5], p7 = _f[6], p8 = _f[7];
        var first = _bands[0];
        var second = _bands[1];
        Vector256<double> s1 = _bandState[0], s2 = _bandState[1], s3 = _bandState[2], s4 = _bandState[3];
        Span<float> preprocessed = output.Preprocessed, highPassed = output.HighPassed;
        Span<Vector256<double>> bandsOut = output.Bands;
        for (int i = 0; i < raw.Length; i++)
        {
            double x = Widening.ToDouble(raw[i]);
            double u = ph.B0 * x + p1;
            p1 = ph.B1 * x - ph.A1 * u + p2;
            p2 = ph.B2 * x - ph.A2 * u;
            double hp = ph.B0 * u + p3;
            p3 = ph.B1 * u - ph.A1 * hp + p4;
            p4 = ph.B2 * u - ph.A2 * hp;
            double v = pl.B0 * hp + p5;
            p5 = pl.B1 * hp - pl.A1 * v + p6;
            p6 = pl.B2 * hp - pl.A2 * v;
            double y = pl.B0 * v + p7;
            p7 = pl.B1 * v - pl.A1 * y + p8;
            p8 = pl.B2 * v - pl.A2 * y;

            // The three quality bands side by side, one lane each (below 1 Hz and above 5 Hz of the preprocessed signal,
            // the detector's 5–15 Hz band once more): lane by lane the same operations, in the same order, as one
            // section at a time.
            var input = Vector256.Create(y, y, qrsBand[i], 0.0);
            var w = first.B0 * input + s1;
            s1 = first.B1 * input - first.A1 * w + s2;
            s2 = first.B2 * input - first.A2 * w;
            var bands = second.B0 * w + s3;
            s3 = second.B1 * w - second.A1 * bands + s4;
            s4 = second.B2 * w - second.A2 * bands;
            bandsOut[i] = bands;
            preprocessed[i] = (float)y;
            highPassed[i] = (float)hp;
        }
        (_f[0], _f[1], _f[2], _f[3], _f[4], _f[5], _f[6], _f[7]) = (p1, p2, p3, p4, p5, p6, p7, p8);
        (_bandState[0], _bandState[1], _bandState[2], _bandState[3]) = (s1, s2, s3, s4);
    }

    /// <summary>
    /// <see cref="Filter"/> with the detector's band-pass computed in the loop instead of read, and the classifier's
    /// beside it: the same operations, in the same order, per filter, so every output is the same to the bit.
    /// </summary>
    private void FilterWithBeatBands(ReadOnlySpan<float> raw, BeatBandPasses beatBands, Filtered output)
    {
        Biquad ph = _preHighPass, pl = _preLowPass;
        double p1 = _f[0], p2 = _f[1], p3 = _f[2], p4 = _f[3], p5 = _f[4], p6 = _f[5], p7 = _f[6], p8 = _f[7];
        var first = _bands[0];
        var second = _bands[1];
        Vector256<double> s1 = _bandState[0], s2 = _bandState[1], s3 = _bandState[2], s4 = _bandState[3];
        Biquad dp = beatBands.Detector[0], dq = beatBands.Detector[1], cp = beatBands.Classifier[0], cq = beatBands.Classifier[1];
        Span<double> dz = beatBands.DetectorState, cz = beatBands.ClassifierState;
        double d1 = dz[0], d2 = dz[1], d3 = dz[2], d4 = dz[3], c1 = cz[0], c2 = cz[1], c3 = cz[2], c4 = cz[3];
        Span<float> detectorBand = beatBands.DetectorBand, classifierBand = beatBands.ClassifierBand;
        Span<float> preprocessed = output.Preprocessed, highPassed = output.HighPassed;
        Span<Vector256<double>> bandsOut = output.Bands;
        for (int i = 0; i < raw.Length; i++)
        {
            double x = Widening.ToDouble(raw[i]);
            // The detector's and the classifier's band-passes (BiquadCascade's two-section path: each section's output
            // handed on as float).
            double dy = dp.B0 * x + d1;
            d1 = dp.B1 * x - dp.A1 * dy + d2;
            d2 = dp.B2 * x - dp.A2 * dy;
            double du = (float)dy;
            double dv = dq.B0 * du + d3;
            d3 = dq.B1 * du - dq.A1 * dv + d4;
            d4 = dq.B2 * du - dq.A2 * dv;
            float qrsBand = (float)dv;
            detectorBand[i] = qrsBand;
            double cy = cp.B0 * x + c1;
            c1 = cp.B1 * x - cp.A1 * cy + c2;
            c2 = cp.B2 * x - cp.A2 * cy;
            double cu = (float)cy;
            double cv = cq.B0 * cu + c3;
            c3 = cq.B1 * cu - cq.A1 * cv + c4;
            c4 = cq.B2 * cu - cq.A2 * cv;
            classifierBand[i] = (float)cv;

            // From here as Filter.
            double u = ph.B0 * x + p1;
            p1 = ph.B1 * x - ph.A1 * u + p2;
            p2 = ph.B2 * x - ph.A2 * u;
            double hp = ph.B0 * u + p3;
            p3 = ph.B1 * u - ph.A1 * hp + p4;
            p4 = ph.B2 * u - ph.A2 * hp;
            double v = pl.B0 * hp + p5;
            p5 = pl.B1 * hp - pl.A1 * v + p6;
            p6 = pl.B2 * hp - pl.A2 * v;
            double y = pl.B0 * v + p7;
            p7 = pl.B1 * v - pl.A1 * y + p8;
            p8 = pl.B2 * v - pl.A2 * y;
            var input = Vector256.Create(y, y, qrsBand, 0.0);
            var w = first.B0 * input + s1;
            s1 = first.B1 * input - first.A1 * w + s2;
            s2 = first.B2 * input - first.A2 * w;
            var bands = second.B0 * w + s3;
            s3 = second.B1 * w - second.A1 * bands + s4;
            s4 = second.B2 * w - second.A2 * bands;
            bandsOut[i] = bands;
            preprocessed[i] = (float)y;
            highPassed[i] = (float)hp;
        }
        (_f[0], _f[1], _f[2], _f[3], _f[4], _f[5], _f[6], _f[7]) = (p1, p2, p3, p4, p5, p6, p7, p8);
        (_bandState[0], _bandState[1], _bandState[2], _bandState[3]) = (s1, s2, s3, s4);
        (dz[0], dz[1], dz[2], dz[3], cz[0], cz[1], cz[2], cz[3]) = (d1, d2, d3, d4, c1, c2, c3, c4);
    }

    /// <summary>The sums and the second detector over one chunk's filter outputs, with the work <see cref="Run"/> pauses for.</summary>
    private void Decide(Filtered filtered, ICollection<QualityBlock> blocks, ICollection<long> secondBeats)
    {
        int next = 0;
        while (Run(filtered, ref next, out long finalBeat, out double learnedTransform) is var pause && pause != Pause.None)
        {
            if ((pause & Pause.PlaceBeat) != 0) FinishRun(_first + _n, secondBeats);
            if ((pause & Pause.BeatFinal) != 0) secondBeats.Add(finalBeat);
            if ((pause & Pause.Learned) != 0)
            {
                // Learnt: the learning period itself is detected (as the primary detector does), so a stream's first
                // beats are not missing from the agreement.
                _learned = true;
                long index = _first + _n - 1;
                for (long i = _first; i < index; i++) Detect(i, _transformed[(int)((i - _first) & _ringMask)], secondBeats);
                Detect(index, learnedTransform, secondBeats);
            }
            if ((pause & Pause.BlockEnded) != 0)
            {
                EmitBlock(blocks);
                RememberExtremes(_min, _max);
                StartBlock(_first + _n);
            }
        }
    }

    /// <summary>Why <see cref="Run"/> stopped before the end of its samples: the work that needs a call.</summary>
    [Flags]
    private enum Pause { None = 0, PlaceBeat = 1, BeatFinal = 2, Learned = 4, BlockEnded = 8 }

    /// <summary>
    /// Sums and detects the chunk's filtered samples from <paramref name="next"/> on, and advances it, until the end of
    /// the chunk or until work that needs a call: after a sample that ended a block, made a beat final or ended the
    /// learning; before a sample at which an ended run's beat is to be placed (placing reads the samples before it only).
    /// The loop holds the whole state in locals and calls nothing: a call inside it made the JIT keep the recurrences in
    /// memory.
    /// <paramref name="finalBeat"/>: the beat that became final (with <see cref="Pause.BeatFinal"/>);
    /// <paramref name="learnedTransform"/>: the transform value of the sample that ended the learning (with
    /// <see cref="Pause.Learned"/>).
    /// </summary>
    private Pause Run(Filtered filtered, ref int next, out long finalBeat, out double learnedTransform)
    {
        ReadOnlySpan<float> preprocessed = filtered.Preprocessed, highPassed = filtered.HighPassed;
        ReadOnlySpan<Vector256<double>> bands = filtered.Bands;
        double sum = _sum, sum2 = _sum2, sum3 = _sum3, sum4 = _sum4;
        var bandPowers = _bandPowers;
        float min = _min, max = _max, last = _lastPreprocessed, lo = _recentMin, hi = _recentMax;
        int saturated = _saturated, flatRun = _flatRun, stillRun = _stillRun, count = _blockCount;
        double saturationMv = _saturationMv, stillStep = _stillStep;
        int clipping = _clipping, still = _still;
        float[] preprocessedRing = _preprocessed, incrementRing = _increment, transformedRing = _transformed;
        int ringMask = _ringMask, transformSpan = _transform, learn = _learn, search = _search, settled = _refractory + _search;
        double dt = _dt, transformSum = _transformSum, level = _level, peak = _peak, levelAlpha = _levelAlpha;
        bool learned = _learned, inRun = _inRun;
        float runMax = _runMax;
        long runMaxAt = _runMaxAt, finishAt = _finishAt, pendingBeat = _pendingBeat, becameFinal = -1;
        long n = _n, streamFirst = _first, blockEnd = _blockEnd;
        double learnedAt = 0;
        var pause = Pause.None;
        int i = next;
        for (; i < preprocessed.Length; i++)
        {
            long index = streamFirst + n;
            if (learned && finishAt >= 0 && index >= finishAt)
            {
                pause = Pause.PlaceBeat;
                break;
            }
            float c = preprocessed[i];
            float k = highPassed[i];
            var band = bands[i];
            double c2 = (double)k * k;
            sum += k;
            sum2 += c2;
            sum3 += c2 * k;
            sum4 += c2 * c2;
            bandPowers += band * band;   // each lane's Σ², as one sum per band would add it
            min = Math.Min(min, c);
            max = Math.Max(max, c);

            // Saturation, as the window measurement counts it on the preprocessed lead: beyond the level; flat runs at
            // the signal's extremes (clipping; the extremes of this second and the last nine, since the window's are
            // not known yet); still stretches (railed or disconnected: a rail decays to a line). A run's first samples
            // count once it is long enough, then each further sample.
            if (Math.Abs(c) > saturationMv) saturated++;
            float top = Math.Max(hi, max), bottom = Math.Min(lo, min);
            float near = (float)(NearExtremeFraction * (top - bottom));
            float previous = last;
            float step = Math.Abs(c - previous);
            last = c;
            bool atExtreme = top - c <= near || c - bottom <= near;
            flatRun = atExtreme && step <= near ? flatRun + 1 : 0;
            if (flatRun >= clipping) saturated += flatRun == clipping ? clipping : 1;
            stillRun = step <= stillStep ? stillRun + 1 : 0;
            if (stillRun >= still) saturated += stillRun == still ? still : 1;
            count++;

            // The second detector: the curve length's increment, its sum over the transform's span, then the decisions.
            int slot = (int)(n & ringMask);
            preprocessedRing[slot] = c;
            double dx = c - previous;
            float increment = (float)(Math.Sqrt(dt * dt + dx * dx) - dt);
            incrementRing[slot] = increment;
            transformSum += increment;
            if (n >= transformSpan) transformSum -= incrementRing[(int)((n - transformSpan) & ringMask)];
            double lt = Math.Max(0, transformSum);
            transformedRing[slot] = (float)lt;
            if (!learned)
            {
                // Learning: the level is the running mean, the peak the largest transform value so far.
                level += (lt - level) / (n + 1);
                peak = Math.Max(peak, lt);
                if (n + 1 >= learn)
                {
                    pause |= Pause.Learned;
                    learnedAt = lt;
                }
            }
            else if (Decisions(index, lt, ref level, ref peak, ref inRun, ref runMax, ref runMaxAt, ref finishAt, ref pendingBeat,
                               levelAlpha, search, settled) is var final && final >= 0)
            {
                becameFinal = final;
                pause |= Pause.BeatFinal;
            }
            n++;
            if (index + 1 == blockEnd) pause |= Pause.BlockEnded;
            if (pause != Pause.None)
            {
                i++;
                break;
            }
        }
        next = i;
        (_sum, _sum2, _sum3, _sum4, _bandPowers) = (sum, sum2, sum3, sum4, bandPowers);
        (_min, _max, _lastPreprocessed) = (min, max, last);
        (_saturated, _flatRun, _stillRun, _blockCount) = (saturated, flatRun, stillRun, count);
        (_transformSum, _level, _peak, _inRun, _runMax) = (transformSum, level, peak, inRun, runMax);
        (_runMaxAt, _finishAt, _pendingBeat, _n) = (runMaxAt, finishAt, pendingBeat, n);
        (finalBeat, learnedTransform) = (becameFinal, learnedAt);
        return pause;
    }

    /// <summary>Keeps the ended block's extremes among the last <see cref="ExtremeBlocks"/> − 1 and theirs in <c>_recentMin</c>, <c>_recentMax</c>.</summary>
    private void RememberExtremes(float min, float max)
    {
        _blockMin[_extremeNext] = min;
        _blockMax[_extremeNext] = max;
        _extremeNext = (_extremeNext + 1) % _blockMin.Length;
        float lo = float.PositiveInfinity, hi = float.NegativeInfinity;
        for (int b = 0; b < _blockMin.Length; b++)
        {
            lo = Math.Min(lo, _blockMin[b]);
            hi = Math.Max(hi, _blockMax[b]);
        }
        (_recentMin, _recentMax) = (lo, hi);
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

    /// <summary>The decisions for transform value <paramref name="lt"/> at stream index <paramref name="index"/> (the preprocessed ring holds it and what came before).</summary>
    private void Detect(long index, double lt, ICollection<long> beats)
    {
        if (_finishAt >= 0 && index >= _finishAt) FinishRun(index, beats);
        long final = Decisions(index, lt, ref _level, ref _peak, ref _inRun, ref _runMax, ref _runMaxAt, ref _finishAt, ref _pendingBeat,
                               _levelAlpha, _search, _refractory + _search);
        if (final >= 0) beats.Add(final);
    }

    /// <summary>
    /// One sample's decisions, the placing of an ended run's beat excepted (<see cref="FinishRun"/>, due at
    /// <paramref name="finishAt"/>): a run above the threshold, the level and peak, and the pending beat, which is returned
    /// (and no longer pending) once final, else −1. On the caller's state, fields or locals.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long Decisions(long index, double lt, ref double level, ref double peak, ref bool inRun, ref float runMax,
                                  ref long runMaxAt, ref long finishAt, ref long pendingBeat, double levelAlpha, int search, int settled)
    {
        double threshold = level + ThresholdFraction * (peak - level);
        if (lt > threshold)
        {
            if (!inRun || lt > runMax) { runMax = (float)lt; runMaxAt = index; }
            inRun = true;
        }
        else
        {
            level += levelAlpha * (lt - level);
            if (inRun)
            {
                inRun = false;
                peak += PeakWeight * (runMax - peak);
                finishAt = Math.Max(index, runMaxAt + search + 1);
            }
        }
        // Final once no run in progress or pending can land within its refractory period.
        if (pendingBeat < 0 || inRun || finishAt >= 0 || index - pendingBeat < settled) return -1;
        long final = pendingBeat;
        pendingBeat = -1;
        return final;
    }

    /// <summary>
    /// Places the ended run's beat at the largest preprocessed magnitude within <see cref="SearchSeconds"/> of its maximum
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
            float m = Math.Abs(_preprocessed[(int)((i - _first) & _ringMask)]);
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
        _sum = _sum2 = _sum3 = _sum4 = 0;
        _bandPowers = Vector256<double>.Zero;
        _min = float.PositiveInfinity;
        _max = float.NegativeInfinity;
    }

    private void EmitBlock(ICollection<QualityBlock> blocks) =>
        blocks.Add(new QualityBlock(_blockStart, _blockCount, _saturated, _sum, _sum2, _sum3, _sum4,
                                    QrsBandPower: _bandPowers.GetElement(2), AboveQrsLowPower: _bandPowers.GetElement(1),
                                    BaselinePower: _bandPowers.GetElement(0), _blockCount > 0 ? _max - _min : 0));
}

/// <summary>
/// The owning classifier's two band-passes for <see cref="StreamingLeadQuality.Process(ReadOnlySpan{float}, BeatBandPasses, ICollection{QualityBlock}, ICollection{long})"/>:
/// the detector's 5–15 Hz and the classifier's 1–35 Hz, two sections each, their states (continued in place) and the
/// outputs, one value per input sample.
/// </summary>
internal readonly ref struct BeatBandPasses(
    ReadOnlySpan<Biquad> detector, Span<double> detectorState, Span<float> detectorBand,
    ReadOnlySpan<Biquad> classifier, Span<double> classifierState, Span<float> classifierBand)
{
    public readonly ReadOnlySpan<Biquad> Detector = detector, Classifier = classifier;
    public readonly Span<double> DetectorState = detectorState, ClassifierState = classifierState;
    public readonly Span<float> DetectorBand = detectorBand, ClassifierBand = classifierBand;

    /// <summary>Whether both band-passes are two sections, as the loop runs them.</summary>
    public static bool Fit(BiquadCascade detector, BiquadCascade classifier) => detector.Sections.Count == 2 && classifier.Sections.Count == 2;

    public BeatBandPasses Slice(int start, int length) =>
        new(Detector, DetectorState, DetectorBand.Slice(start, length), Classifier, ClassifierState, ClassifierBand.Slice(start, length));
}

/// <summary>One biquad section per lane (the fourth lane idle): its coefficients as vectors.</summary>
internal readonly record struct BandSections(Vector256<double> B0, Vector256<double> B1, Vector256<double> B2, Vector256<double> A1, Vector256<double> A2)
{
    public static BandSections Of(Biquad lane0, Biquad lane1, Biquad lane2) => new(
        Vector256.Create(lane0.B0, lane1.B0, lane2.B0, 0), Vector256.Create(lane0.B1, lane1.B1, lane2.B1, 0),
        Vector256.Create(lane0.B2, lane1.B2, lane2.B2, 0), Vector256.Create(lane0.A1, lane1.A1, lane2.A1, 0),
        Vector256.Create(lane0.A2, lane1.A2, lane2.A2, 0));
}
