using System.Buffers;
using CGDmer.Signal.Dsp;

namespace CGDmer.Signal.Beats;

/// <summary>
/// Measures one window of preprocessed leads without the model: signal quality per lead, the analysis lead, its beats,
/// the heart rate and the RR irregularity. This is the streaming service's measure stage
/// (<c>CGDmer.Pipeline.Measurement.WindowMeasurer</c> is a thin adapter over it), here so that training and evaluation
/// measure beats exactly as the service does. Works on rows at the model rate (100 Hz for the shipped model).
/// Thread-safe and stateless between windows: scratch comes from <see cref="ArrayPool{T}.Shared"/>, so one instance can
/// serve every patient and thread.
/// </summary>
/// <remarks>
/// <para><b>Signal quality index</b> of a lead (0..1), after Li, Mark &amp; Clifford, "Robust heart rate estimation from
/// multiple asynchronous noisy sources using signal quality indices and a Kalman filter", Physiol. Meas. 29 (2008) 15–32,
/// and Clifford et al., "Signal quality indices and data fusion for determining clinical acceptability of
/// electrocardiograms", Physiol. Meas. 33 (2012) 1419–1433:</para>
/// <code>
/// SQI = 0                                                   if the lead is flat (robust range &lt; FlatLineRangeMv)
/// SQI = qSat · qRhythm · qK · (0.50·bSQI + 0.25·qP + 0.25·qBase)   otherwise
///   bSQI  = matched / (N1 + N2 − matched): agreement of the Pan–Tompkins-like QrsDetector (N1 beats) and the
///           curve-length LengthTransformDetector (N2), beats matched within ±BeatMatchToleranceSeconds
///   qP    = pSQI = P(5–15 Hz) / P(&gt;5 Hz), mapped 1 at ≥ 0.5, linearly to 0 at 0.2 (EMG / high-frequency noise
///           spreads power above 15 Hz)
///   qK    = (kurtosis − 3) / 2 clamped to 0..1 (Gaussian noise 3; a peaked QRS train well above 5). A factor,
///           not a term: a signal without peaked complexes is not an ECG whatever the detectors say
///   qBase = 1 − (P(&lt;1 Hz)/P − 0.3) / 0.4 clamped (baseline wander and motion artifact below 1 Hz)
///   qSat  = 1 − 20 · saturated fraction, clamped (samples beyond ±SaturationMv, in flat runs ≥ 30 ms at the
///           window's extreme values — clipping —, or in runs ≥ 1 s moving less than 0.4 mV/s — railed or
///           disconnected for part of the window; 5 % such samples make the lead unusable)
///   qRhythm = 1 when the primary detector found ≥ 2 beats at a rate in [MinPlausible, MaxPlausible] bpm, else 0.25
///           (no beats or an implausible rate: either asystole, which the model and the monitor's own alarms judge,
///           or noise; the beats cannot be trusted for a rate either way)
/// </code>
/// <para><b>On the stream</b> (<c>rr-v10</c>, <see cref="Measure(ReadOnlySpan{float}, int, int, ReadOnlySpan{float}, double, StreamedBeats, StreamedQuality)"/>)
/// the same formula reads per-second sums that the beat stream kept as the samples arrived (<see cref="StreamingLeadQuality"/>),
/// so nothing is filtered or detected per window. Each band is the window's filter run twice causally (the magnitude
/// response of its zero-phase filter), on the model's preprocessing band run twice: qP and the baseline ratio are the
/// window's power ratios; the kurtosis is of the preprocessing's high-pass, from its summed moments; the range is the
/// median of the seconds' peak-to-peak ranges; flat runs count as clipping at the extremes of the last 10 s (the
/// window's are not known yet); and bSQI compares the stream's beats with a causal curve-length detector's, leaving out
/// the window's last <see cref="StreamedAgreementGuardSeconds"/>, where neither is final yet.</para>
/// <para>The weights are a heuristic fusion (the papers fuse with a trained classifier); the component ranges were
/// measured on synthetic windows and on MIT-BIH 201/203 (see the tests). The analysis lead is the present lead with the
/// highest SQI (ties: the earlier model row).</para>
/// <para><b>Heart rate</b> = 60 / mean RR of the analysis lead's beats (null with fewer than two beats). Beats on the
/// window's first or last sample are dropped: their true peak lies outside the window.</para>
/// <para><b>RR irregularity</b> (null with fewer than three beats) = median over i of min over lag L ∈ {1, 2, 3} of
/// |RR(i) − RR(i−L)|, divided by the median RR: a robust, normalised successive-difference index (like nRMSSD) that
/// tolerates repeating patterns. Medians make it insensitive to one ectopic beat or one missed/extra detection; the
/// lags keep bigeminy and trigeminy (regularly irregular) low, while AF (irregularly irregular) matches no lag. The
/// value is a feature for the interpret stage, not an AF diagnosis: sinus rhythm with frequent multiform ectopy
/// overlaps AF.</para>
/// <para>How well the RR irregularity separates AF from other rhythms, and how accurate the heart rate is against
/// annotated beats (MIT-BIH DS1), is recorded in docs/performance.md.</para>
/// </remarks>
public sealed class BeatMeasurer
{
    private sealed record RateTools(double SampleRateHz, QrsDetector Detector, BiquadCascade QrsBand, BiquadCascade AboveQrsLow, BiquadCascade Baseline);

    private volatile RateTools? _tools;

    public BeatMeasurer(BeatMeasurementOptions? options = null)
    {
        Options = (options ?? new BeatMeasurementOptions()).Validate();
    }

    public BeatMeasurementOptions Options { get; }

    /// <summary>
    /// Measures one window given as <paramref name="leadCount"/> rows of <paramref name="windowSamples"/> preprocessed
    /// samples each (row-major, row r at <c>r × windowSamples</c>; <paramref name="rows"/> may be longer), sampled at
    /// <paramref name="sampleRateHz"/>. Row r is present when <c>leadMask[r] &gt; 0.5</c>; absent rows are not read. The
    /// analysis lead is the present, non-flat row with the highest SQI (ties: the earlier row). The samples are only read.
    /// </summary>
    /// <exception cref="ArgumentException">The mask does not have <paramref name="leadCount"/> entries, or the rows are too short.</exception>
    /// <exception cref="NotSupportedException">A lead is present and <paramref name="sampleRateHz"/> is below 50 Hz or not finite.</exception>
    public BeatMeasurement Measure(ReadOnlySpan<float> rows, int leadCount, int windowSamples, ReadOnlySpan<float> leadMask, double sampleRateHz) =>
        Measure(rows, leadCount, windowSamples, leadMask, sampleRateHz, default, onStream: false);

    /// <summary>
    /// As <see cref="Measure(ReadOnlySpan{float}, int, int, ReadOnlySpan{float}, double)"/>, with each lead's beats taken
    /// from the beat stream (<paramref name="streamed"/>) instead of detected in the window: only the present rows that
    /// are streamed are measured, and a lead's bSQI is the agreement of its stream beats with the window's
    /// curve-length detector (<see cref="LengthTransformDetector"/>), which stays as the second opinion.
    /// </summary>
    /// <exception cref="ArgumentException">As the other overload, or <paramref name="streamed"/> describes another number of rows.</exception>
    public BeatMeasurement Measure(ReadOnlySpan<float> rows, int leadCount, int windowSamples, ReadOnlySpan<float> leadMask, double sampleRateHz,
                                   StreamedBeats streamed)
    {
        if (streamed.RowCount != leadCount)
            throw new ArgumentException($"the stream's beats describe {streamed.RowCount} rows; the window has {leadCount}", nameof(streamed));
        return Measure(rows, leadCount, windowSamples, leadMask, sampleRateHz, streamed, onStream: true);
    }

    /// <summary>
    /// As the overload with <see cref="StreamedBeats"/>, with each streamed lead's quality also taken from the stream
    /// (<paramref name="quality"/>: its per-second sums and second detector, <see cref="StreamingLeadQuality"/>), so
    /// that nothing is filtered or detected in the window (see the remarks for the formula on the stream).
    /// <paramref name="rows"/> are not read.
    /// </summary>
    /// <exception cref="ArgumentException">As the other overloads, or the beats and quality describe other numbers of rows.</exception>
    public BeatMeasurement Measure(ReadOnlySpan<float> rows, int leadCount, int windowSamples, ReadOnlySpan<float> leadMask, double sampleRateHz,
                                   StreamedBeats streamed, StreamedQuality quality)
    {
        if (streamed.RowCount != leadCount)
            throw new ArgumentException($"the stream's beats describe {streamed.RowCount} rows; the window has {leadCount}", nameof(streamed));
        if (quality.RowCount != leadCount)
            throw new ArgumentException($"the stream's quality describes {quality.RowCount} rows; the window has {leadCount}", nameof(quality));
        return Measure(rows, leadCount, windowSamples, leadMask, sampleRateHz, streamed, onStream: true, quality, qualityOnStream: true);
    }

    private BeatMeasurement Measure(ReadOnlySpan<float> rows, int leadCount, int windowSamples, ReadOnlySpan<float> leadMask, double sampleRateHz,
                                    StreamedBeats streamed, bool onStream, StreamedQuality streamedQuality = default, bool qualityOnStream = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(leadCount);
        ArgumentOutOfRangeException.ThrowIfNegative(windowSamples);
        if (leadMask.Length != leadCount)
            throw new ArgumentException($"lead mask has {leadMask.Length} entries; the window has {leadCount} leads", nameof(leadMask));
        if ((long)leadCount * windowSamples > rows.Length)
            throw new ArgumentException($"rows hold {rows.Length} floats; {leadCount} leads of {windowSamples} samples need {(long)leadCount * windowSamples}", nameof(rows));
        double fs = sampleRateHz;
        // Each lead's beats go to pooled scratch; only the analysis lead's are copied out. Two buffers, swapped when a
        // lead beats the best so far, so no lead is detected twice and no per-lead array is allocated. Rented at the
        // first present lead: a window without one needs neither them nor the rate's filter designs.
        var pool = ArrayPool<int>.Shared;
        RateTools? tools = null;
        // Every present lead's beats go to one pooled buffer (a slot of MaxBeats per lead), so that the analysis lead's
        // beats can be fused with the other good leads' after the loop; only the results are copied out.
        int[]? all = null;
        int present = 0, mostStreamed = 0;
        for (int row = 0; row < leadCount; row++)
            if (Measured(row, leadMask, streamed, onStream))
            {
                present++;
                if (onStream) mostStreamed = Math.Max(mostStreamed, streamed.Row(row).Length);
            }
        Span<int> slotCount = stackalloc int[present];
        try
        {
            int bestSlot = -1, capacity = 0, slots = 0;
            LeadQuality best = default;
            var rates = new LeadRateAtEnd[present];
            for (int row = 0; row < leadCount; row++)
            {
                if (!Measured(row, leadMask, streamed, onStream)) continue;
                if (tools is null)
                {
                    tools = Tools(fs);
                    capacity = Math.Max(tools.Detector.MaxBeats(windowSamples), mostStreamed);
                    all = pool.Rent(capacity * present);
                }
                var slot = all.AsSpan(slots * capacity, capacity);
                var quality = qualityOnStream
                    ? AssessStreamed(streamedQuality.Blocks(row), streamedQuality.SecondBeats(row), streamed.Row(row), windowSamples, fs, slot, out int count)
                    : Assess(rows.Slice(row * windowSamples, windowSamples), fs, tools, slot, out count, onStream ? streamed.Row(row) : default, onStream);
                if (quality.Flat) continue;
                var found = slot[..count];
                rates[slots] = new LeadRateAtEnd(row, BeatToBeatHeartRate.RateAt(found, windowSamples, fs),
                                                 (windowSamples - (count > 0 ? found[^1] : 0)) / fs, quality.Sqi, quality.BeatAgreement);
                slotCount[slots] = count;
                if (bestSlot < 0 || quality.Sqi > best.Sqi)
                {
                    bestSlot = slots;
                    best = quality;
                }
                slots++;
            }
            if (bestSlot < 0) return BeatMeasurement.None;
            int[] beats = slotCount[bestSlot] == 0 ? [] : all.AsSpan(bestSlot * capacity, slotCount[bestSlot]).ToArray();
            var leads = slots == rates.Length ? rates : rates[..slots];
            return new BeatMeasurement(leads[bestSlot].Row, beats, HeartRateBpm(beats, fs), RrIrregularity(beats), best.Sqi, best)
            {
                LeadRates = leads,
                FusedBeats = Fuse(all!, capacity, slotCount[..slots], leads, bestSlot, beats, fs),
            };
        }
        finally
        {
            if (all is not null) pool.Return(all);
        }
    }

    /// <summary>Whether row <paramref name="row"/> is measured: present, and streamed when the beats are the stream's.</summary>
    private static bool Measured(int row, ReadOnlySpan<float> leadMask, in StreamedBeats streamed, bool onStream) =>
        leadMask[row] > 0.5f && (!onStream || streamed.IsStreamed(row));

    /// <summary>
    /// The analysis lead's beats with the beats it missed that another good lead found: Pan and Tompkins' search-back,
    /// across leads. Where the analysis lead's RR interval is longer than 1.66 usual RR intervals (a beat is missing), a
    /// beat that a lead of SQI at least <see cref="BeatMeasurementOptions.FusionMinSqi"/> found inside it, at least the
    /// refractory period (200 ms) from both ends, joins. The usual RR is the analysis lead's median, or the other lead's
    /// when that is shorter and the other lead's two detectors agree at least as well. A small ectopic complex that the analysis lead barely shows is
    /// then counted; the other lead's T waves and noise, which fall beside beats rather than in gaps, are not. Ascending.
    /// </summary>
    private int[] Fuse(int[] all, int capacity, ReadOnlySpan<int> counts, LeadRateAtEnd[] leads, int bestSlot, int[] analysis, double fs)
    {
        if (analysis.Length < 3 || counts.Length < 2) return analysis;
        double analysisRr = MedianRr(analysis);
        int refractory = (int)Math.Round(0.2 * fs);
        List<int>? fused = null;
        for (int slot = 0; slot < counts.Length; slot++)
        {
            if (slot == bestSlot || !(leads[slot].Sqi >= Options.FusionMinSqi)) continue;
            var lead = all.AsSpan(slot * capacity, counts[slot]);
            // The usual RR: the analysis lead's, or this lead's when it is shorter and this lead's detectors agree at least
            // as well (the analysis lead then misses beats all along, e.g. every ventricular one in bigeminy).
            double usual = lead.Length >= 3 && leads[slot].BeatAgreement >= leads[bestSlot].BeatAgreement ? Math.Min(analysisRr, MedianRr(lead)) : analysisRr;
            double gap = SearchBackFactor * usual;
            foreach (int b in lead)
            {
                var current = fused is null ? analysis.AsSpan() : System.Runtime.InteropServices.CollectionsMarshal.AsSpan(fused);
                int i = current.BinarySearch(b);
                if (i >= 0) continue;
                i = ~i;
                // Only inside an interval of the analysis lead's own beats: at the window's edges nothing says a beat is missing.
                if (i == 0 || i == current.Length) continue;
                int prev = current[i - 1], next = current[i];
                if (next - prev <= gap || b - prev < refractory || next - b < refractory) continue;
                fused ??= [.. analysis];
                fused.Insert(i, b);
            }
        }
        return fused is null ? analysis : [.. fused];
    }

    /// <summary>Pan and Tompkins' search-back: an RR interval this many times the usual one means a beat was missed.</summary>
    private const double SearchBackFactor = 1.66;

    private static double MedianRr(ReadOnlySpan<int> beats)
    {
        var rr = ArrayPool<double>.Shared.Rent(beats.Length - 1);
        try
        {
            var span = rr.AsSpan(0, beats.Length - 1);
            for (int i = 0; i < span.Length; i++) span[i] = beats[i + 1] - beats[i];
            return OrderStatistics.Median(span);
        }
        finally { ArrayPool<double>.Shared.Return(rr); }
    }

    /// <summary>The signal quality of one preprocessed lead sampled at <paramref name="sampleRateHz"/>.</summary>
    public LeadQuality AssessLead(ReadOnlySpan<float> samples, double sampleRateHz)
    {
        var tools = Tools(sampleRateHz);
        var beats = ArrayPool<int>.Shared.Rent(tools.Detector.MaxBeats(samples.Length));
        try
        {
            return Assess(samples, sampleRateHz, tools, beats, out _, default, onStream: false);
        }
        finally { ArrayPool<int>.Shared.Return(beats); }
    }

    /// <summary>Beats of one preprocessed lead as the measurement finds them (primary detector, edge beats dropped).</summary>
    public int[] DetectBeats(ReadOnlySpan<float> samples, double sampleRateHz)
    {
        var tools = Tools(sampleRateHz);
        var beats = ArrayPool<int>.Shared.Rent(tools.Detector.MaxBeats(samples.Length));
        try
        {
            return beats.AsSpan(0, PrimaryBeats(samples, tools, beats)).ToArray();
        }
        finally { ArrayPool<int>.Shared.Return(beats); }
    }

    /// <summary>60 / mean RR in bpm, or null with fewer than two beats.</summary>
    public static double? HeartRateBpm(IReadOnlyList<int> beats, double sampleRateHz)
    {
        ArgumentNullException.ThrowIfNull(beats);
        if (beats.Count < 2) return null;
        int span = beats[^1] - beats[0];
        if (span <= 0) return null;
        return 60.0 * sampleRateHz * (beats.Count - 1) / span;
    }

    /// <summary>
    /// Pattern-tolerant RR irregularity of ascending beat positions, or null with fewer than three beats:
    /// median over i of min over lag L ∈ {1, 2, 3} (L ≤ i) of |RR(i) − RR(i−L)|, divided by the median RR.
    /// </summary>
    /// <remarks>
    /// Lag 1 alone (a normalised, median-based RMSSD) calls bigeminy and trigeminy irregular, because their RR
    /// pattern short–long(–normal) makes every successive difference large; comparing with the RR one or two
    /// beats further back finds the repeating pattern. AF is irregularly irregular: no lag matches.
    /// </remarks>
    public static double? RrIrregularity(IReadOnlyList<int> beats)
    {
        ArgumentNullException.ThrowIfNull(beats);
        switch (beats)
        {
            case int[] array: return RrIrregularity(array.AsSpan());
            case List<int> list: return RrIrregularity(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list));
        }
        var copy = ArrayPool<int>.Shared.Rent(beats.Count);
        try
        {
            for (int i = 0; i < beats.Count; i++) copy[i] = beats[i];
            return RrIrregularity(copy.AsSpan(0, beats.Count));
        }
        finally { ArrayPool<int>.Shared.Return(copy); }
    }

    /// <summary>As <see cref="RrIrregularity(IReadOnlyList{int})"/>, for beats in a span (same value, no list needed).</summary>
    public static double? RrIrregularity(ReadOnlySpan<int> beats)
    {
        if (beats.Length < 3) return null;
        int m = beats.Length - 1;
        var buf = ArrayPool<double>.Shared.Rent(2 * m);
        try
        {
            var rr = buf.AsSpan(0, m);
            for (int i = 0; i < m; i++) rr[i] = beats[i + 1] - beats[i];
            return Irregularity(rr, buf.AsSpan(m, m - 1));
        }
        finally { ArrayPool<double>.Shared.Return(buf); }
    }

    /// <summary>The irregularity of the RRs <paramref name="rr"/> (in time order, left so); <paramref name="diffs"/> is scratch of m − 1.</summary>
    private static double? Irregularity(ReadOnlySpan<double> rr, Span<double> diffs)
    {
        int m = rr.Length;
        for (int i = 1; i < m; i++)
        {
            double d = double.MaxValue;
            for (int lag = 1; lag <= Math.Min(MaxPatternLag, i); lag++) d = Math.Min(d, Math.Abs(rr[i] - rr[i - lag]));
            diffs[i - 1] = d;
        }
        // Median RR from a copy: the differences above need the RRs in time order.
        double medianRr = MedianOfCopy(rr);
        if (!(medianRr > 0)) return null;
        return OrderStatistics.Median(diffs) / medianRr;
    }

    /// <summary>Longest repeating RR pattern <see cref="RrIrregularity(ReadOnlySpan{int})"/> tolerates (3: trigeminy).</summary>
    public const int MaxPatternLag = 3;

    private static double MedianOfCopy(ReadOnlySpan<double> x)
    {
        var buf = ArrayPool<double>.Shared.Rent(x.Length);
        try
        {
            var c = buf.AsSpan(0, x.Length);
            x.CopyTo(c);
            return OrderStatistics.Median(c);
        }
        finally { ArrayPool<double>.Shared.Return(buf); }
    }

    private RateTools Tools(double fs)
    {
        var t = _tools;
        if (t is not null && t.SampleRateHz == fs) return t;
        // Below 50 Hz the 5–15 Hz QRS band and the 200 ms refractory period cannot be resolved; the shipped model runs at 100 Hz.
        if (!(fs >= 50) || !double.IsFinite(fs))
            throw new NotSupportedException($"The measure stage needs windows sampled at 50 Hz or more (got {fs} Hz).");
        t = new RateTools(fs, new QrsDetector(fs), Butterworth.BandPass(2, 5, 15, fs), Butterworth.HighPass(2, 5, fs), Butterworth.LowPass(2, 1, fs));
        _tools = t; // one model, one rate: a benign race only builds the same designs twice
        return t;
    }

    /// <summary>The primary detector's beats of <paramref name="x"/>, written to <paramref name="beats"/> (room for <see cref="QrsDetector.MaxBeats"/>); returns their number.</summary>
    private static int PrimaryBeats(ReadOnlySpan<float> x, RateTools tools, Span<int> beats)
    {
        int found = tools.Detector.Detect(x, beats);
        int n = x.Length;
        // A beat on the first/last sample was pinned there by the ±100 ms R-peak search: its peak is outside the window.
        int kept = 0;
        for (int i = 0; i < found; i++)
            if (beats[i] > 0 && beats[i] < n - 1) beats[kept++] = beats[i];
        return kept;
    }

    /// <summary>The stream's beats of a lead within the window's <paramref name="n"/> samples, written to <paramref name="beats"/>; returns their number.</summary>
    private static int StreamBeats(ReadOnlySpan<ClassifiedBeat> stream, int n, Span<int> beats)
    {
        int kept = 0;
        foreach (var b in stream)
            if (b.Sample >= 0 && b.Sample < n) beats[kept++] = (int)b.Sample;
        return kept;
    }

    /// <summary>
    /// The quality of lead <paramref name="x"/>; its primary beats go to <paramref name="beatsOut"/> (room for
    /// <see cref="QrsDetector.MaxBeats"/>), their number to <paramref name="beatCount"/> (0 when the lead is unusable).
    /// The primary beats are the window's detector's, or <paramref name="streamBeats"/> when <paramref name="onStream"/>.
    /// </summary>
    private LeadQuality Assess(ReadOnlySpan<float> x, double fs, RateTools tools, Span<int> beatsOut, out int beatCount,
                               ReadOnlySpan<ClassifiedBeat> streamBeats, bool onStream)
    {
        beatCount = 0;
        int n = x.Length;
        if (n < fs) return LeadQuality.Unusable; // under a second: no rhythm to judge
        var pool = ArrayPool<float>.Shared;
        float[] finiteBuf = pool.Rent(n), aBuf = pool.Rent(n), bBuf = pool.Rent(n), cBuf = pool.Rent(n);
        int[] secondBuf = ArrayPool<int>.Shared.Rent(n / Math.Max(1, (int)(0.2 * fs)) + 2);
        try
        {
            // The lead with non-finite samples as 0 (they count as saturated below): the input of the moments, the
            // percentiles and the band powers. The mean's sum runs here, in sample order as before.
            var finite = finiteBuf.AsSpan(0, n);
            int nonFinite = 0;
            double mean = 0;
            float min = float.PositiveInfinity, max = float.NegativeInfinity;
            for (int i = 0; i < n; i++)
            {
                float v = x[i];
                if (!float.IsFinite(v)) { nonFinite++; v = 0; }
                finite[i] = v;
                mean += v;
                if (v < min) min = v;
                if (v > max) max = v;
            }
            // Robust range from the 1st and 99th percentiles: the values a sort gives, found by keeping both tails' few
            // extremes in one pass; a flat lead stops here, before the detectors and filters.
            var (p1, p99) = OrderStatistics.SelectPair(finite, (int)(0.01 * (n - 1)), (int)Math.Ceiling(0.99 * (n - 1)));
            double range = p99 - p1;
            if (range < Options.FlatLineRangeMv)
                return LeadQuality.Unusable with { RangeMv = range };

            // Saturation: beyond the plausible amplitude, flat runs at the extremes (clipping at an ADC rail), and
            // stretches of a second or more without activity (a railed or disconnected electrode for part of the
            // window: after the 0.5 Hz high-pass a rail decays to a line). Real diastole is shorter, and real baseline
            // noise moves more than 0.4 mV/s.
            int saturated = nonFinite;
            double sat = Options.SaturationMv;
            double near = 0.01 * (max - min);
            int minRun = Math.Max(2, (int)Math.Round(0.030 * fs));
            int minQuiet = (int)Math.Round(1.0 * fs);
            double quietStep = 0.4 / fs;
            int run = 0, quiet = 0;
            for (int i = 0; i < n; i++)
            {
                float v = x[i];
                if (!float.IsFinite(v)) { run = 0; quiet = 0; continue; }
                if (Math.Abs(v) > sat) saturated++;
                double step = i > 0 && float.IsFinite(x[i - 1]) ? Math.Abs(v - x[i - 1]) : double.MaxValue;
                bool atExtreme = max - v <= near || v - min <= near;
                if (atExtreme && step <= near)
                {
                    run++;
                    if (run == minRun) saturated += minRun; // the run's first samples count once it is long enough
                    else if (run > minRun) saturated++;
                }
                else run = 0;
                if (step <= quietStep)
                {
                    quiet++;
                    if (quiet == minQuiet) saturated += minQuiet;
                    else if (quiet > minQuiet) saturated++;
                }
                else quiet = 0;
            }
            double saturatedFraction = Math.Min(1, (double)saturated / n);

            // Moments for the kurtosis.
            mean /= n;
            double m2 = 0, m4 = 0;
            for (int i = 0; i < n; i++)
            {
                double d = finite[i] - mean, d2 = d * d;
                m2 += d2;
                m4 += d2 * d2;
            }
            m2 /= n;
            m4 /= n;
            double kurtosis = m2 > 0 ? m4 / (m2 * m2) : 0;
            double total = m2 * n + mean * mean * n;

            // Zero-phase band powers, the three filters interleaved in one loop (ZeroPhase: same results as FiltFilt).
            var a = aBuf.AsSpan(0, n);
            var b = bBuf.AsSpan(0, n);
            var c = cBuf.AsSpan(0, n);
            ZeroPhase.FiltFilt(tools.QrsBand, tools.AboveQrsLow, tools.Baseline, finite, c, a, b);
            double qrsBand = Power(c);
            double aboveQrsLow = Power(a);
            double baseline = Power(b);
            double qrsRatio = aboveQrsLow > 0 ? Math.Min(1, qrsBand / aboveQrsLow) : 0;
            double baselineRatio = total > 0 ? Math.Min(1, baseline / total) : 0;

            var beats = beatsOut[..(onStream ? StreamBeats(streamBeats, n, beatsOut) : PrimaryBeats(x, tools, beatsOut))];
            var second = secondBuf.AsSpan(0, LengthTransformDetector.Detect(x, fs, secondBuf));
            beatCount = beats.Length;
            return Combine(beats, beats, second, fs, range, saturatedFraction, qrsRatio, baselineRatio, kurtosis);
        }
        finally
        {
            pool.Return(finiteBuf);
            pool.Return(aBuf);
            pool.Return(bBuf);
            pool.Return(cBuf);
            ArrayPool<int>.Shared.Return(secondBuf);
        }
    }

    /// <summary>
    /// Beats of a window's last this many seconds are left out of the streamed beat agreement: neither stream has made
    /// them final yet (look-aheads of about half a second), and counting one detector's without the other's would read
    /// as disagreement.
    /// </summary>
    public const double StreamedAgreementGuardSeconds = 0.75;

    /// <summary>
    /// The quality of a streamed lead from the stream's per-second sums (<paramref name="blocks"/>), its second detector's
    /// beats (<paramref name="second"/>) and its beats (<paramref name="streamBeats"/>, written to
    /// <paramref name="beatsOut"/> within the window's <paramref name="n"/> samples): the formula of the remarks, with the
    /// robust range the median of the blocks' peak-to-peak ranges, the moments and band powers summed over the blocks,
    /// and the beat agreement over the window without its last <see cref="StreamedAgreementGuardSeconds"/>.
    /// </summary>
    private LeadQuality AssessStreamed(ReadOnlySpan<QualityBlock> blocks, ReadOnlySpan<int> second, ReadOnlySpan<ClassifiedBeat> streamBeats,
                                       int n, double fs, Span<int> beatsOut, out int beatCount)
    {
        beatCount = 0;
        long samples = 0;
        int saturated = 0, full = 0;
        double sum = 0, sum2 = 0, sum3 = 0, sum4 = 0, qrs = 0, above = 0, base2 = 0;
        Span<float> ranges = stackalloc float[Math.Min(blocks.Length, 256)];
        foreach (var b in blocks)
        {
            samples += b.Samples;
            saturated += b.Saturated;
            sum += b.Sum; sum2 += b.SumSquares; sum3 += b.SumCubes; sum4 += b.SumFourths;
            qrs += b.QrsBandPower; above += b.AboveQrsLowPower;
            base2 += b.BaselinePower;
            // Half a block or more gives a range worth a vote.
            if (2 * b.Samples >= fs && full < ranges.Length) ranges[full++] = b.RangeMv;
        }
        if (samples < fs || full == 0) return LeadQuality.Unusable; // under a second: no rhythm to judge
        var votes = ranges[..full];
        votes.Sort();
        double range = full % 2 == 1 ? votes[full / 2] : 0.5 * (votes[full / 2 - 1] + votes[full / 2]);
        if (range < Options.FlatLineRangeMv)
            return LeadQuality.Unusable with { RangeMv = range };

        double saturatedFraction = Math.Min(1, (double)saturated / samples);
        double mean = sum / samples, e2 = sum2 / samples, e3 = sum3 / samples, e4 = sum4 / samples;
        double m2 = e2 - mean * mean;
        double m4 = e4 - 4 * mean * e3 + 6 * mean * mean * e2 - 3 * mean * mean * mean * mean;
        double kurtosis = m2 > 0 ? m4 / (m2 * m2) : 0;
        double qrsRatio = above > 0 ? Math.Min(1, qrs / above) : 0;
        double baselineRatio = sum2 > 0 ? Math.Min(1, base2 / sum2) : 0;   // powers, as the window's below-1 Hz / total

        var beats = beatsOut[..StreamBeats(streamBeats, n, beatsOut)];
        int guardEnd = n - (int)Math.Round(StreamedAgreementGuardSeconds * fs);
        beatCount = beats.Length;
        return Combine(beats, beats[..CountBefore(beats, guardEnd)], second[..CountBefore(second, guardEnd)], fs,
                       range, saturatedFraction, qrsRatio, baselineRatio, kurtosis);
    }

    /// <summary>
    /// A usable lead's quality from its parts: the agreement (bSQI) of the detectors' beats <paramref name="first"/> and
    /// <paramref name="second"/>, the plausibility of the rate of <paramref name="beats"/>, and the index.
    /// </summary>
    private LeadQuality Combine(ReadOnlySpan<int> beats, ReadOnlySpan<int> first, ReadOnlySpan<int> second, double fs,
                                double range, double saturatedFraction, double qrsRatio, double baselineRatio, double kurtosis)
    {
        int tolerance = Math.Max(1, (int)Math.Round(Options.BeatMatchToleranceSeconds * fs));
        int matched = Matched(first, second, tolerance);
        int union = first.Length + second.Length - matched;
        double agreement = union > 0 ? (double)matched / union : 0;
        var hr = HeartRateBpm(beats, fs);
        bool plausible = hr is { } h && h >= Options.MinPlausibleHeartRateBpm && h <= Options.MaxPlausibleHeartRateBpm;
        double sqi = Sqi(qrsRatio, kurtosis, baselineRatio, saturatedFraction, plausible, agreement);
        return new LeadQuality(sqi, false, range, saturatedFraction, agreement, qrsRatio, baselineRatio, kurtosis, plausible, beats.Length);
    }

    /// <summary>How many of the ascending <paramref name="beats"/> lie before <paramref name="end"/>.</summary>
    private static int CountBefore(ReadOnlySpan<int> beats, int end)
    {
        int i = beats.Length;
        while (i > 0 && beats[i - 1] >= end) i--;
        return i;
    }

    /// <summary>The index from its parts (the remarks' formula), clamped to 0..1.</summary>
    private static double Sqi(double qrsRatio, double kurtosis, double baselineRatio, double saturatedFraction, bool plausible, double agreement)
    {
        double qP = Clamp01((qrsRatio - 0.2) / 0.3);
        double qK = Clamp01((kurtosis - 3) / 2);
        double qBase = Clamp01(1 - (baselineRatio - 0.3) / 0.4);
        double qSat = Clamp01(1 - 20 * saturatedFraction);
        double qRhythm = plausible ? 1 : 0.25;
        return Clamp01(qSat * qRhythm * qK * (0.50 * agreement + 0.25 * qP + 0.25 * qBase));
    }

    /// <summary>60 / mean RR in bpm of ascending beats, or null with fewer than two beats (as <see cref="HeartRateBpm(IReadOnlyList{int}, double)"/>).</summary>
    public static double? HeartRateBpm(ReadOnlySpan<int> beats, double sampleRateHz)
    {
        if (beats.Length < 2) return null;
        int span = beats[^1] - beats[0];
        if (span <= 0) return null;
        return 60.0 * sampleRateHz * (beats.Length - 1) / span;
    }

    private static double Clamp01(double v) => double.IsNaN(v) ? 0 : Math.Clamp(v, 0, 1);

    /// <summary>Sum of squares, in sample order.</summary>
    private static double Power(ReadOnlySpan<float> s)
    {
        double p = 0;
        foreach (float v in s) p += (double)v * v;
        return p;
    }

    /// <summary>One-to-one matches of two ascending beat lists within ±<paramref name="tolerance"/> samples (the numerator of bSQI).</summary>
    public static int Matched(ReadOnlySpan<int> a, ReadOnlySpan<int> b, int tolerance)
    {
        int i = 0, j = 0, m = 0;
        while (i < a.Length && j < b.Length)
        {
            int d = a[i] - b[j];
            if (Math.Abs(d) <= tolerance) { m++; i++; j++; }
            else if (d < 0) i++;
            else j++;
        }
        return m;
    }
}
