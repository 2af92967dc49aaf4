using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using CGDmer.Signal.Dsp;

namespace CGDmer.Signal.Beats;

/// <summary>What a beat's morphology and timing say it is, as far as one lead can tell.</summary>
public enum BeatType : byte
{
    /// <summary>Like the patient's dominant beat (sinus, or a supraventricular ectopic this classifier does not tell apart).</summary>
    Normal,

    /// <summary>Ventricular: unlike the dominant beat in shape, and wider or premature.</summary>
    Ventricular,
}

/// <summary>A beat found and classified by <see cref="StreamingBeatClassifier"/>.</summary>
/// <param name="Sample">R-peak sample index, counted from the first sample the classifier was given.</param>
/// <param name="SearchBack">Found by the detector's search-back.</param>
public readonly record struct ClassifiedBeat(long Sample, bool SearchBack, BeatType Type);

/// <summary>
/// Beat detection and normal / ventricular classification for one lead of a live stream: <see cref="StreamingQrsDetector"/>
/// finds the beats, and each beat joins a family of beats of its shape (template matching on the 1–35 Hz band-passed
/// signal, as monitors' arrhythmia analysis groups beats). The dominant family is the patient's normal beat; a beat of
/// another family is ventricular when it is unlike the dominant beat, its family's QRS is wider, or it is both somewhat
/// unlike and premature and wide.
/// </summary>
/// <remarks>
/// <para><b>Families.</b> A beat correlating at least 0.85 with a family's template (best alignment within ±30 ms) joins
/// it and updates the template (a running mean, then slowly); otherwise it starts a family (at most
/// <see cref="MaxFamilies"/>, the least recent replaced). Each family's count decays by 2 % per beat, so the dominant
/// family follows the rhythm of the last minute or so, and a change of axis or amplitude becomes the new dominant shape
/// instead of turning every later beat ventricular. In ventricular bigeminy the two families are equally frequent and
/// the narrower one is taken as dominant.</para>
/// <para><b>Prematurity</b> is the beat's RR interval over the median of the last 8 RR intervals ending in a normal beat.</para>
/// <para><b>Look-ahead.</b> A beat is emitted once the samples <see cref="PostSeconds"/> (plus the alignment) after its
/// R-peak have arrived, which the detector's own look-ahead already covers: no delay beyond the detector's.</para>
/// <para>Samples go in chunk by chunk; the result does not depend on the chunk sizes. Not thread-safe: one instance per
/// lead of one patient.</para>
/// </remarks>
public sealed class StreamingBeatClassifier
{
    /// <summary>The beat's segment: from this long before its R-peak …</summary>
    public const double PreSeconds = 0.12;

    /// <summary>… to this long after it.</summary>
    public const double PostSeconds = 0.20;

    /// <summary>Beat families kept at most; a new shape replaces the least recent one beyond that.</summary>
    public const int MaxFamilies = 8;

    private const double WidthPre = 0.10, WidthPost = 0.12, MaxLagSeconds = 0.03, BufferSeconds = 12;
    private const double SameFamily = 0.85, ScoreDecay = 0.98, TemplateRate = 0.05;
    // The rule's thresholds, relative to the dominant family: correlation, QRS width, peak-to-peak range, prematurity.
    private const double UnlikeDominant = 0.5, WideFamily = 1.3, WideBeat = 1.15, Premature = 0.85, MinVentricularRange = 0.4;
    private const int NormalRrHistory = 8;

    private readonly double _fs;
    private readonly StreamingQrsDetector _detector;
    private readonly BiquadCascade _bandPass;
    private readonly BiquadState _bandPassState;
    private readonly float[] _ring;   // physical length a power of two (an index is a mask), holding at least _held samples
    private readonly int _held, _ringMask;
    private readonly int _pre, _post, _length, _maxLag, _widthFrom, _widthTo;
    private long _n;
    private float _lastInput;

    private readonly List<DetectedQrs> _detected = [];
    private readonly Queue<DetectedQrs> _pending = new();
    private readonly List<Family> _families = [];
    private readonly Stack<Family> _spareFamilies = new();   // families dropped by a Reset or an eviction, reused: a reset classifier allocates nothing
    private readonly float[] _segment;
    private readonly int[] _lags;               // the non-zero alignments tried, in order
    // The alignments as vector lanes: lane j is the shift j − _maxLag (every shift in ±_maxLag, padded to whole vectors;
    // the lanes of shifts not in _lags are computed and never read). Filled once per beat, when a family first needs them.
    private readonly int _lanes;
    private readonly float[] _shifted;          // the signal from the first lane's first sample: lane j's sample t is _shifted[t + j]
    private readonly float[] _laneMean;         // per lane, its segment's mean as the segment subtracts it (single precision)
    private readonly double[] _laneEnergy;      // per lane, Σ x² of its segment
    private readonly double[] _laneProducts;    // per lane, Σ ab of its segment with the template at hand
    private readonly bool[] _laggedHeld;        // per entry of _lags, whether its segment's samples are held
    private bool _lanesCutForBeat;
    private long _lastBeat = -1;
    private readonly int[] _normalRr = new int[NormalRrHistory];
    private int _normalRrCount, _normalRrNext;

    /// <summary>Beats of one shape: their running template, its width and range, and a recency-weighted count.</summary>
    private sealed class Family(float[] template)
    {
        public readonly float[] Template = template;

        /// <summary>The template's Σ x² (<see cref="StreamingBeatClassifier.Energy"/>): set wherever the template changes.</summary>
        public double Energy = StreamingBeatClassifier.Energy(template);

        /// <summary>This family, emptied, with <paramref name="segment"/> as its template.</summary>
        public Family Restart(float[] segment)
        {
            segment.CopyTo(Template, 0);
            Energy = StreamingBeatClassifier.Energy(Template);
            Width = Range = Score = Correlation = 0;
            Members = 0;
            LastBeat = 0;
            return this;
        }

        public double Width, Range, Score;
        /// <summary>The current beat's aligned correlation with this template (set for every family before the beat joins one).</summary>
        public double Correlation;
        public int Members;
        public long LastBeat;
    }

    private readonly StreamingLeadQuality? _quality;

    /// <param name="sampleRateHz">The stream's rate.</param>
    /// <param name="quality">Also sum the lead's signal quality per second and run the second detector
    /// (<see cref="StreamingLeadQuality"/>), given to <see cref="Process(ReadOnlySpan{float}, ICollection{ClassifiedBeat}, ICollection{QualityBlock}?, ICollection{long}?)"/>.</param>
    /// <param name="saturationMv">The quality's saturation level (<see cref="BeatMeasurementOptions.SaturationMv"/>).</param>
    public StreamingBeatClassifier(double sampleRateHz, bool quality = false, double saturationMv = 5.0)
    {
        _quality = quality ? new StreamingLeadQuality(sampleRateHz, saturationMv) : null;
        _detector = new StreamingQrsDetector(sampleRateHz);
        _fs = sampleRateHz;
        _bandPass = Butterworth.BandPass(2, 1, Math.Min(35, sampleRateHz * 0.45), sampleRateHz);
        _bandPassState = _bandPass.CreateState();
        _pre = (int)Math.Round(PreSeconds * _fs);
        _post = (int)Math.Round(PostSeconds * _fs);
        _length = _pre + _post + 1;
        _maxLag = (int)Math.Round(MaxLagSeconds * _fs);
        _widthFrom = _pre - (int)Math.Round(WidthPre * _fs);
        _widthTo = _pre + (int)Math.Round(WidthPost * _fs);
        _held = (int)Math.Ceiling(BufferSeconds * _fs);
        _ring = new float[(int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)_held)];
        _ringMask = _ring.Length - 1;
        _segment = new float[_length];
        var lags = new List<int>();
        for (int lag = -_maxLag; lag <= _maxLag; lag += Math.Max(1, _maxLag / 6))
            if (lag != 0) lags.Add(lag);
        _lags = [.. lags];
        _lanes = (2 * _maxLag + 1 + Vector256<float>.Count - 1) / Vector256<float>.Count * Vector256<float>.Count;
        _shifted = new float[_length + _lanes];
        _laneMean = new float[_lanes];
        _laneEnergy = new double[_lanes];
        _laneProducts = new double[_lanes];
        _laggedHeld = new bool[_lags.Length];
    }

    /// <summary>Runs the detector's band-pass, the classifier's and the quality's filters in loops of their own, as before
    /// they shared one (tests compare the two).</summary>
    internal bool SeparateFilterLoops { get; init; }

    /// <summary>The rate the classifier was made for.</summary>
    public double SampleRateHz => _fs;

    /// <summary>Whether the classifier also measures the lead's quality.</summary>
    public bool MeasuresQuality => _quality is not null;

    /// <summary>The quality's look-ahead (its second detector's); 0 without quality.</summary>
    public double QualityLookAheadSeconds => _quality?.LookAheadSeconds ?? 0;

    /// <summary>
    /// Starts over for a new stream at the same rate, keeping the buffers: afterwards it classifies as a new instance would.
    /// The quality's blocks and second-detector beats carry stream indices from <paramref name="firstSample"/> (the
    /// beats stay counted from the first sample).
    /// </summary>
    public void Reset(long firstSample = 0)
    {
        _quality?.Reset(firstSample);
        _detector.Reset();
        _bandPassState.Reset();
        Array.Clear(_ring);
        _n = 0;
        _lastInput = 0;
        _detected.Clear();
        _pending.Clear();
        foreach (var f in _families) _spareFamilies.Push(f);
        _families.Clear();
        _lastBeat = -1;
        Array.Clear(_normalRr);
        _normalRrCount = _normalRrNext = 0;
    }

    /// <summary>Longest time from an R-peak to its beat's emission (search-back aside).</summary>
    public double LookAheadSeconds => Math.Max(_detector.LookAheadSeconds, (_post + _maxLag) / _fs);

    /// <summary>
    /// Processes <paramref name="samples"/> (mV, one lead, consecutive with the previous call) and appends the beats that
    /// became final, classified, in ascending order.
    /// </summary>
    public void Process(ReadOnlySpan<float> samples, ICollection<ClassifiedBeat> beats) => Process(samples, beats, null, null);

    /// <summary>
    /// As <see cref="Process(ReadOnlySpan{float}, ICollection{ClassifiedBeat})"/>, and with quality on, appends the
    /// quality blocks completed and the second detector's final beats (stream indices, see <see cref="Reset"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException">Quality outputs were given to a classifier made without quality.</exception>
    [SkipLocalsInit]   // the chunk buffers (3 KB) are written before they are read, so they are not zeroed per call
    public void Process(ReadOnlySpan<float> samples, ICollection<ClassifiedBeat> beats, ICollection<QualityBlock>? blocks, ICollection<long>? secondBeats)
    {
        ArgumentNullException.ThrowIfNull(beats);
        if ((blocks is not null || secondBeats is not null) && _quality is null)
            throw new InvalidOperationException("this classifier was made without quality");
        Span<float> chunk = stackalloc float[256];
        Span<float> raw = _quality is null ? default : stackalloc float[256];
        Span<float> qrsBand = _quality is null ? default : stackalloc float[256];
        bool oneLoop = _quality is not null && !SeparateFilterLoops && BeatBandPasses.Fit(_detector.BandPass, _bandPass);
        for (int offset = 0; offset < samples.Length;)
        {
            int m = Math.Min(chunk.Length, samples.Length - offset);
            var part = chunk[..m];
            for (int i = 0; i < m; i++)
            {
                float v = samples[offset + i];
                part[i] = _lastInput = float.IsFinite(v) ? v : _lastInput;
            }
            if (_n == 0) _bandPass.SetSteadyState(_bandPassState, part[0]);
            if (oneLoop)
            {
                // The three filters of each sample in one loop (the quality's): the band-passes are written beside it.
                if (_n == 0) _detector.BandPass.SetSteadyState(_detector.BandPassState, part[0]);
                part.CopyTo(raw);
                var bands = new BeatBandPasses(_detector.BandPass.SectionSpan, _detector.BandPassState.Z, qrsBand[..m],
                    _bandPass.SectionSpan, _bandPassState.Z, part);
                _quality!.Process(raw[..m], bands, blocks ?? Discard<QualityBlock>.Instance, secondBeats ?? Discard<long>.Instance);
                _detector.ProcessBandPassed(qrsBand[..m], _detected);
            }
            else
            {
                _detector.Process(samples.Slice(offset, m), _detected);
                if (_quality is not null)
                {
                    part.CopyTo(raw);
                    _detector.CopyBandPassed(_n, qrsBand[..m]);
                }
                _bandPass.Process(part, _bandPassState);
                if (_quality is not null)
                    _quality.Process(raw[..m], qrsBand[..m], blocks ?? Discard<QualityBlock>.Instance, secondBeats ?? Discard<long>.Instance);
            }
            for (int i = 0; i < m; i++) _ring[(int)((_n + i) & _ringMask)] = part[i];
            _n += m;
            offset += m;
            foreach (var d in _detected) _pending.Enqueue(d);
            _detected.Clear();
            Drain(beats, final: false);
        }
    }

    /// <summary>Classifies and emits what is left (at the end of a stream); with quality, also its last block and beat.</summary>
    public void Flush(ICollection<ClassifiedBeat> beats, ICollection<QualityBlock>? blocks = null, ICollection<long>? secondBeats = null)
    {
        ArgumentNullException.ThrowIfNull(beats);
        _quality?.Flush(blocks ?? Discard<QualityBlock>.Instance, secondBeats ?? Discard<long>.Instance);
        _detector.Flush(_detected);
        foreach (var d in _detected) _pending.Enqueue(d);
        _detected.Clear();
        Drain(beats, final: true);
    }

    private void Drain(ICollection<ClassifiedBeat> beats, bool final)
    {
        while (_pending.Count > 0)
        {
            var beat = _pending.Peek();
            if (!final && beat.Sample + _post + _maxLag >= _n) return; // its segment has not arrived yet
            _pending.Dequeue();
            var type = Segment(beat.Sample, 0, _segment) ? Classify(beat) : BeatType.Normal; // not held: no opinion
            if (type == BeatType.Normal && _lastBeat >= 0)
            {
                _normalRr[_normalRrNext] = (int)(beat.Sample - _lastBeat);
                _normalRrNext = (_normalRrNext + 1) % NormalRrHistory;
                _normalRrCount = Math.Min(NormalRrHistory, _normalRrCount + 1);
            }
            _lastBeat = beat.Sample;
            beats.Add(new ClassifiedBeat(beat.Sample, beat.SearchBack, type));
        }
    }

    /// <summary>Copies the beat's segment (shifted by <paramref name="lag"/>) minus its mean; false when a sample is not held.</summary>
    private bool Segment(long r, int lag, Span<float> destination)
    {
        long first = r - _pre + lag;
        if (first < 0 || first + _length > _n || first < _n - _held) return false;
        double mean = 0;
        for (int i = 0; i < _length; i++) mean += destination[i] = _ring[(int)((first + i) & _ringMask)];
        mean /= _length;
        for (int i = 0; i < _length; i++) destination[i] -= (float)mean;
        return true;
    }

    /// <summary>
    /// The segment's best correlation with a family's template over alignments within ±30 ms. Each alignment's segment
    /// and the energies are computed once per beat and shared by the families; the template's is kept with it (the
    /// same sums as computing them per pair).
    /// </summary>
    private double AlignedCorrelation(long r, double segmentEnergy, Family family)
    {
        var template = family.Template;
        double templateEnergy = family.Energy;
        double best = Correlation(_segment, segmentEnergy, template, templateEnergy);
        if (best >= SameFamily) return best;
        if (!_lanesCutForBeat) CutLanes(r);
        LaneProducts(template);
        for (int k = 0; k < _lags.Length; k++)
            if (_laggedHeld[k]) best = Math.Max(best, Quotient(_laneProducts[_lags[k] + _maxLag], _laneEnergy[_lags[k] + _maxLag], templateEnergy));
        return best;
    }

    // The alignments' arithmetic runs a vector of shifts at a time. Each lane forms what Segment, Energy and Correlation
    // form for its shift (the single-precision samples, differences and products, summed in double in sample order), so
    // every sum is the same to the bit; only the shifts' chains run side by side instead of one after another.

    /// <summary>This beat's segment at every shift (<see cref="Segment"/>'s mean and <see cref="Energy"/> per lane).</summary>
    private void CutLanes(long r)
    {
        for (int k = 0; k < _lags.Length; k++)
        {
            long first = r - _pre + _lags[k];
            _laggedHeld[k] = first >= 0 && first + _length <= _n && first >= _n - _held;   // as Segment
        }
        long from = r - _pre - _maxLag, heldFrom = Math.Max(0, _n - _held);
        for (int i = 0; i < _shifted.Length; i++)
        {
            long at = from + i;   // samples not held are only read by lanes that are not used
            _shifted[i] = at >= heldFrom && at < _n ? _ring[(int)(at & _ringMask)] : 0;
        }
        ShiftedSegments(_shifted, _length, _laneMean, _laneEnergy);
        _lanesCutForBeat = true;
    }

    /// <summary>Σ ab of every shift's segment with <paramref name="template"/> (<see cref="Correlation"/>'s sum per lane).</summary>
    private void LaneProducts(float[] template) => ShiftedProducts(_shifted, _laneMean, template, _laneProducts);

    /// <summary>
    /// For each lane j (a multiple of 8 of them, as long as <paramref name="mean"/>): the segment
    /// <paramref name="shifted"/>[j .. j + <paramref name="length"/>), its mean as <see cref="Segment"/> subtracts it
    /// and its <see cref="Energy"/> after that, the same to the bit. <paramref name="shifted"/> holds length + lanes samples.
    /// </summary>
    internal static void ShiftedSegments(ReadOnlySpan<float> shifted, int length, Span<float> mean, Span<double> energy)
    {
        int lanes = mean.Length;
        if (lanes % Vector256<float>.Count != 0 || energy.Length < lanes || shifted.Length < length + lanes)
            throw new ArgumentException("the lanes are whole vectors, and the shifted signal covers them all");
        ref float x = ref MemoryMarshal.GetReference(shifted);
        var n = Vector256.Create((double)length);
        for (int g = 0; g < lanes; g += ShiftedLanes.Group)
        {
            var (sumLow, sumHigh) = ShiftedLanes.Sums(ref x, g, length);
            var m = Vector256.Narrow(sumLow / n, sumHigh / n);
            m.CopyTo(mean[g..]);
            var (energyLow, energyHigh) = (Vector256<double>.Zero, Vector256<double>.Zero);
            for (int t = 0; t < length; t++)
            {
                var d = Vector256.LoadUnsafe(ref x, (nuint)(t + g)) - m;
                var (lo, hi) = Vector256.Widen(d * d);
                energyLow += lo;
                energyHigh += hi;
            }
            energyLow.CopyTo(energy[g..]);
            energyHigh.CopyTo(energy[(g + Vector256<double>.Count)..]);
        }
    }

    /// <summary>
    /// For each lane j: Σ ab of the segment <paramref name="shifted"/>[j ..] minus <paramref name="mean"/>[j] with
    /// <paramref name="template"/>, as <see cref="Correlation"/> sums it, the same to the bit.
    /// </summary>
    internal static void ShiftedProducts(ReadOnlySpan<float> shifted, ReadOnlySpan<float> mean, ReadOnlySpan<float> template, Span<double> products)
    {
        int lanes = mean.Length;
        if (lanes % Vector256<float>.Count != 0 || products.Length < lanes || shifted.Length < template.Length + lanes)
            throw new ArgumentException("the lanes are whole vectors, and the shifted signal covers them all");
        ref float x = ref MemoryMarshal.GetReference(shifted);
        for (int g = 0; g < lanes; g += Vector256<float>.Count)
        {
            var m = Vector256.Create(mean.Slice(g, Vector256<float>.Count));
            var (low, high) = (Vector256<double>.Zero, Vector256<double>.Zero);
            for (int t = 0; t < template.Length; t++)
            {
                var (lo, hi) = Vector256.Widen((Vector256.LoadUnsafe(ref x, (nuint)(t + g)) - m) * Vector256.Create(template[t]));
                low += lo;
                high += hi;
            }
            low.CopyTo(products[g..]);
            high.CopyTo(products[(g + Vector256<double>.Count)..]);
        }
    }

    private BeatType Classify(DetectedQrs beat)
    {
        Family? family = null;
        double bestCorrelation = double.NegativeInfinity;
        double segmentEnergy = Energy(_segment);
        _lanesCutForBeat = false;
        foreach (var f in _families)
        {
            f.Score *= ScoreDecay;
            f.Correlation = AlignedCorrelation(beat.Sample, segmentEnergy, f);
            if (f.Correlation > bestCorrelation) (family, bestCorrelation) = (f, f.Correlation);
        }
        if (family is null || bestCorrelation < SameFamily)
        {
            if (_families.Count == MaxFamilies) _spareFamilies.Push(RemoveLeastRecent());
            family = _spareFamilies.TryPop(out var spare) ? spare.Restart(_segment) : new Family((float[])_segment.Clone());
            _families.Add(family);
        }
        else
        {
            double rate = Math.Max(TemplateRate, 1.0 / (family.Members + 1));
            for (int t = 0; t < _length; t++) family.Template[t] += (float)(rate * (_segment[t] - family.Template[t]));
            family.Energy = Energy(family.Template);
        }
        family.Members++;
        family.Score += 1;
        family.LastBeat = beat.Sample;
        family.Width = Width(family.Template);
        family.Range = Range(family.Template);

        var dominant = Dominant();
        double rangeRatio = family.Range / Math.Max(dominant.Range, 1e-9);

        // The dominant family is normal. A complex much smaller than the dominant one is a wave the detector took for a
        // beat (a tall P or T, noise) rather than a ventricular beat, which is as large or larger.
        if (family == dominant || rangeRatio < MinVentricularRange) return BeatType.Normal;
        double widthRatio = Width(_segment) / Math.Max(dominant.Width, 1e-9);
        double familyWidthRatio = family.Width / Math.Max(dominant.Width, 1e-9);
        // Another dominant family's template did not change with this beat: its correlation from the search above stands.
        double correlation = dominant.Correlation;
        double? prematurity = _lastBeat >= 0 && _normalRrCount >= 3 ? (beat.Sample - _lastBeat) / NormalRr() : null;
        bool ventricular = correlation < UnlikeDominant || familyWidthRatio > WideFamily
            || correlation < SameFamily && prematurity < Premature && widthRatio > WideBeat;
        return ventricular ? BeatType.Ventricular : BeatType.Normal;
    }

    /// <summary>
    /// The patient's dominant beat: the family with the most recent beats, unless a family nearly as frequent has a clearly
    /// narrower QRS (ventricular bigeminy: the normal beats are the narrow ones).
    /// </summary>
    private Family Dominant()
    {
        var top = _families[0];   // the first of the highest score
        foreach (var f in _families) if (f.Score > top.Score) top = f;
        foreach (var f in _families)
            if (f != top && f.Score >= 0.6 * top.Score && f.Width < 0.8 * top.Width) return f;
        return top;
    }

    /// <summary>Removes and returns the family whose last beat is the oldest (the first such).</summary>
    private Family RemoveLeastRecent()
    {
        int oldest = 0;
        for (int i = 1; i < _families.Count; i++) if (_families[i].LastBeat < _families[oldest].LastBeat) oldest = i;
        var f = _families[oldest];
        _families.RemoveAt(oldest);
        return f;
    }

    private double NormalRr()
    {
        Span<int> rr = stackalloc int[NormalRrHistory];
        rr = rr[.._normalRrCount];
        for (int i = 0; i < rr.Length; i++)   // insertion sort: at most NormalRrHistory values, once per beat
        {
            int v = _normalRr[i], j = i;
            for (; j > 0 && rr[j - 1] > v; j--) rr[j] = rr[j - 1];
            rr[j] = v;
        }
        return _normalRrCount % 2 == 1 ? rr[_normalRrCount / 2] : 0.5 * (rr[_normalRrCount / 2 - 1] + rr[_normalRrCount / 2]);
    }

    /// <summary>
    /// Pearson correlation of two segments of equal length (both already zero-mean), given their energies
    /// <paramref name="aa"/> and <paramref name="bb"/> (<see cref="Energy"/>).
    /// </summary>
    internal static double Correlation(ReadOnlySpan<float> a, double aa, ReadOnlySpan<float> b, double bb)
    {
        double ab = 0;
        for (int i = 0; i < a.Length; i++) ab += a[i] * b[i];
        return Quotient(ab, aa, bb);
    }

    private static double Quotient(double ab, double aa, double bb) => aa > 0 && bb > 0 ? ab / Math.Sqrt(aa * bb) : 0;

    /// <summary>Σ x² of a segment, each square in single precision summed in double, in order.</summary>
    internal static double Energy(ReadOnlySpan<float> x)
    {
        double sum = 0;
        for (int i = 0; i < x.Length; i++) sum += x[i] * x[i];
        return sum;
    }

    /// <summary>The QRS's extent: the span holding the middle 70 % of the absolute slope around the R-peak, in samples.</summary>
    private double Width(ReadOnlySpan<float> segment)
    {
        double total = 0;
        for (int i = _widthFrom + 1; i <= _widthTo; i++) total += Math.Abs(segment[i] - segment[i - 1]);
        if (total <= 0) return 0;
        double sum = 0;
        int lo = -1, hi = -1;
        for (int i = _widthFrom + 1; i <= _widthTo; i++)
        {
            sum += Math.Abs(segment[i] - segment[i - 1]);
            if (lo < 0 && sum >= 0.15 * total) lo = i;
            if (hi < 0 && sum >= 0.85 * total) { hi = i; break; }
        }
        return hi - lo + 1;
    }

    private static double Range(ReadOnlySpan<float> segment)
    {
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        foreach (float v in segment)
        {
            if (v < min) min = v;
            if (v > max) max = v;
        }
        return max - min;
    }
}

/// <summary>A collection that drops what is added: for outputs a caller does not read.</summary>
internal sealed class Discard<T> : ICollection<T>
{
    public static readonly Discard<T> Instance = new();
    public int Count => 0;
    public bool IsReadOnly => false;
    public void Add(T item) { }
    public void Clear() { }
    public bool Contains(T item) => false;
    public void CopyTo(T[] array, int arrayIndex) { }
    public bool Remove(T item) => false;
    public IEnumerator<T> GetEnumerator() => Enumerable.Empty<T>().GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
