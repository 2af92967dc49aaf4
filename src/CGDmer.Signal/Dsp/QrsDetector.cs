using System.Buffers;

namespace CGDmer.Signal.Dsp;

/// <summary>
/// Offline QRS detector after Pan &amp; Tompkins (1985): 5–15 Hz band-pass, five-point derivative, squaring, 150 ms moving
/// window integration, and adaptive signal/noise thresholds with a 200 ms refractory period, T-wave discrimination and
/// search-back for missed beats. It exists to measure heart rate and to place beat-derived labels, so it favours
/// robustness over latency: filters are zero-phase and windows centred, which puts the integrator's peak on the QRS
/// instead of ~100 ms after it. R-peaks are then located as the largest band-passed deflection near that peak.
/// </summary>
public sealed class QrsDetector
{
    public QrsDetector(double sampleRateHz)
    {
        if (!(sampleRateHz >= 50) || !double.IsFinite(sampleRateHz))
            throw new ArgumentOutOfRangeException(nameof(sampleRateHz), sampleRateHz, "QRS detection needs at least 50 Hz.");
        SampleRateHz = sampleRateHz;
        _bandPass = Butterworth.BandPass(2, 5, Math.Min(15, sampleRateHz * 0.45), sampleRateHz);
    }

    private readonly BiquadCascade _bandPass;

    public double SampleRateHz { get; }

    /// <summary>Minimum spacing of two beats; physiologically no QRS follows another within 200 ms.</summary>
    public double RefractorySeconds { get; init; } = 0.200;

    /// <summary>Moving-window integration width: about the widest normal QRS.</summary>
    public double IntegrationWindowSeconds { get; init; } = 0.150;

    /// <summary>Search back for a missed beat when no beat came within this multiple of the recent mean RR.</summary>
    public double SearchBackFactor { get; init; } = 1.66;

    /// <summary>Candidates within this time of the previous beat must show at least half its slope or are taken for T waves.</summary>
    public double TWaveWindowSeconds { get; init; } = 0.360;

    /// <summary>Primary threshold position between the running noise (0) and signal (1) peak levels.</summary>
    public double ThresholdFraction { get; init; } = 0.25;

    /// <summary>Search-back accepts a candidate above this fraction of the primary threshold (Pan–Tompkins: 0.5).</summary>
    public double SearchBackThresholdFraction { get; init; } = 0.5;

    public static int[] Detect(ReadOnlySpan<float> ecg, double sampleRateHz) => new QrsDetector(sampleRateHz).Detect(ecg);

    /// <summary>R-peak sample indices of a single lead, ascending.</summary>
    public int[] Detect(ReadOnlySpan<float> ecg)
    {
        var beats = ArrayPool<int>.Shared.Rent(MaxBeats(ecg.Length));
        try
        {
            return beats.AsSpan(0, Detect(ecg, beats)).ToArray();
        }
        finally { ArrayPool<int>.Shared.Return(beats); }
    }

    /// <summary>
    /// Allocation-free <see cref="Detect(ReadOnlySpan{float})"/>: writes the R-peaks (ascending) to <paramref name="beats"/>
    /// and returns their number. Scratch comes from <see cref="ArrayPool{T}.Shared"/>; for the measure stage, which
    /// detects beats in every lead of every window.
    /// </summary>
    /// <param name="beats">Room for <see cref="MaxBeats"/>(<paramref name="ecg"/>.Length) beats.</param>
    public int Detect(ReadOnlySpan<float> ecg, Span<int> beats)
    {
        int n = ecg.Length;
        if (beats.Length < MaxBeats(n))
            throw new ArgumentException($"room for {MaxBeats(n)} beats is needed (one per refractory period), got {beats.Length}", nameof(beats));
        if (n < (int)(SampleRateHz * 0.5)) return 0;
        var pool = ArrayPool<float>.Shared;
        float[] bp = pool.Rent(n), sq = pool.Rent(n), mwi = pool.Rent(n), mag = pool.Rent(n);
        try
        {
            var mwiS = mwi.AsSpan(0, n);
            var magS = mag.AsSpan(0, n);
            mwiS.Clear();
            magS.Clear();
            AddLead(ecg, bp.AsSpan(0, n), sq.AsSpan(0, n), mwiS, magS);
            return Locate(mwiS, magS, beats);
        }
        finally
        {
            pool.Return(bp);
            pool.Return(sq);
            pool.Return(mwi);
            pool.Return(mag);
        }
    }

    /// <summary>Most beats <see cref="Detect(ReadOnlySpan{float}, Span{int})"/> can report in <paramref name="samples"/> samples.</summary>
    public int MaxBeats(int samples)
    {
        if (samples <= 0) return 0;
        // Beats are at least one refractory period apart (at least one sample when that rounds to zero).
        int refractory = Math.Max(1, (int)Math.Round(RefractorySeconds * SampleRateHz));
        return Math.Min(samples, samples / refractory + 1);
    }

    /// <summary>
    /// Core over one or more equally long leads. Each lead's feature signals are scaled by its own QRS amplitude (99th
    /// percentile of the band-passed magnitude) and summed. Kept internal: on MIT-BIH, fusing MLII and V1 this way
    /// detected worse than MLII alone, because noise in the second lead adds false beats (figures in docs/performance.md).
    /// </summary>
    internal int[] Detect(IReadOnlyList<ArraySegment<float>> leads)
    {
        if (leads.Count == 0) throw new ArgumentException("At least one lead is needed.", nameof(leads));
        int n = leads[0].Count;
        foreach (var l in leads)
            if (l.Count != n) throw new ArgumentException("All leads must have the same length.", nameof(leads));
        if (n < (int)(SampleRateHz * 0.5)) return [];
        var pool = ArrayPool<float>.Shared;
        float[] bp = pool.Rent(n), sq = pool.Rent(n), mwi = pool.Rent(n), mag = pool.Rent(n);
        int[] beats = ArrayPool<int>.Shared.Rent(MaxBeats(n));
        try
        {
            var mwiS = mwi.AsSpan(0, n);
            var magS = mag.AsSpan(0, n);
            mwiS.Clear();
            magS.Clear();
            foreach (var lead in leads) AddLead(lead.AsSpan(), bp.AsSpan(0, n), sq.AsSpan(0, n), mwiS, magS);
            return beats.AsSpan(0, Locate(mwiS, magS, beats)).ToArray();
        }
        finally
        {
            pool.Return(bp);
            pool.Return(sq);
            pool.Return(mwi);
            pool.Return(mag);
            ArrayPool<int>.Shared.Return(beats);
        }
    }

    /// <summary>Steps 1–4 for one lead: adds its scaled integrator output to <paramref name="mwi"/> and its scaled band-passed magnitude to <paramref name="mag"/>.</summary>
    private void AddLead(ReadOnlySpan<float> x, Span<float> bp, Span<float> sq, Span<float> mwi, Span<float> mag)
    {
        int n = x.Length;
        double fs = SampleRateHz;
        int w = Math.Max(1, (int)Math.Round(IntegrationWindowSeconds * fs));
        // 1. band-pass (invalid samples held at the last valid value so NaN cannot spread through the filters)
        float last = 0;
        for (int i = 0; i < n; i++)
        {
            float v = x[i];
            if (float.IsFinite(v)) last = v; else v = last;
            bp[i] = v;
        }
        ZeroPhase.FiltFilt(_bandPass, bp, (int)Math.Min(n - 1, fs)); // = _bandPass.FiltFilt, interleaved sections
        double scale = Percentile99Abs(bp, sq);
        if (!(scale > 0)) return; // flat lead: contributes nothing
        float inv = (float)(1 / scale);

        // 2.–3. centred five-point derivative, squared (the ends clamp the index; the interior needs no clamping)
        for (int i = 0; i < n; i++)
        {
            float d = i >= 2 && i < n - 2
                ? (2 * bp[i + 2] + bp[i + 1] - bp[i - 1] - 2 * bp[i - 2]) * 0.125f * inv
                : (2 * At(bp, i + 2) + At(bp, i + 1) - At(bp, i - 1) - 2 * At(bp, i - 2)) * 0.125f * inv;
            sq[i] = d * d;
            mag[i] += Math.Abs(bp[i]) * inv;
        }
        // 4. centred moving-window integration (running sum in double to avoid drift over long records)
        double sum = 0;
        int half = w / 2;
        for (int i = 0; i < n + half; i++)
        {
            if (i < n) sum += sq[i];
            if (i - w >= 0) sum -= sq[i - w];
            int c = i - half;
            if (c >= 0) mwi[c] += (float)(sum / w);
        }
    }

    /// <summary>Steps 5–6: beat decisions on the integrator, then R-peaks; writes them to <paramref name="result"/>, returns their number.</summary>
    private int Locate(ReadOnlySpan<float> mwi, ReadOnlySpan<float> mag, Span<int> result)
    {
        int n = mwi.Length;
        double fs = SampleRateHz;
        var intPool = ArrayPool<int>.Shared;
        var doublePool = ArrayPool<double>.Shared;
        int capacity = MaxBeats(n), candidates = n / 2 + 1; // integrator maxima are at least two samples apart
        int[] beats = intPool.Rent(capacity), noiseIndex = intPool.Rent(candidates), rr = intPool.Rent(RrHistory);
        double[] beatValues = doublePool.Rent(capacity), noiseValue = doublePool.Rent(candidates);
        try
        {
            int count = Decide(mwi, mag, fs, beats, beatValues, noiseIndex, noiseValue, rr);
            // 6. R-peak: largest (scaled, summed) band-passed magnitude within ±100 ms of the integrator peak
            int r = (int)Math.Round(0.100 * fs);
            int spacing = (int)(RefractorySeconds * fs);
            int found = 0;
            for (int b = 0; b < count; b++)
            {
                int p = beats[b];
                int lo = Math.Max(0, p - r), hi = Math.Min(n - 1, p + r);
                int best = p;
                float bv = -1;
                for (int i = lo; i <= hi; i++)
                {
                    if (mag[i] > bv) { bv = mag[i]; best = i; }
                }
                if (found == 0 || best - result[found - 1] >= spacing) result[found++] = best;
            }
            return found;
        }
        finally
        {
            intPool.Return(beats);
            intPool.Return(noiseIndex);
            intPool.Return(rr);
            doublePool.Return(beatValues);
            doublePool.Return(noiseValue);
        }
    }

    /// <summary>99th percentile of |x| (a subsample of long records), using <paramref name="scratch"/>.</summary>
    private static double Percentile99Abs(ReadOnlySpan<float> x, Span<float> scratch)
    {
        int step = Math.Max(1, x.Length / 20000); // a subsample is plenty for a scale estimate
        int m = (x.Length + step - 1) / step;
        var s = scratch[..m];
        for (int i = 0, j = 0; j < m; i += step, j++) s[j] = Math.Abs(x[i]);
        return OrderStatistics.SelectTail(s, Math.Min(m - 1, (int)(0.99 * m)));
    }

    private static float At(ReadOnlySpan<float> x, int i) => x[Math.Clamp(i, 0, x.Length - 1)];

    /// <summary>
    /// Step 5, the adaptive thresholds. Writes the integrator peaks taken for beats to <paramref name="beats"/> (their
    /// values to <paramref name="beatValues"/>) and returns their number; <paramref name="noiseIndex"/> and
    /// <paramref name="noiseValue"/> hold the candidates for search-back. All four are caller-provided scratch so that
    /// detection allocates nothing per window.
    /// </summary>
    private int Decide(ReadOnlySpan<float> mwi, ReadOnlySpan<float> bp, double fs,
                       int[] beats, double[] beatValues, int[] noiseIndex, double[] noiseValue, int[] rr)
    {
        int n = mwi.Length;
        int refractory = (int)Math.Round(RefractorySeconds * fs);
        int tWindow = (int)Math.Round(TWaveWindowSeconds * fs);
        int slopeHalf = (int)Math.Round(0.075 * fs);

        // Learning phase: the first 2 s set the initial signal and noise levels.
        int learn = Math.Min(n, (int)(2 * fs));
        double max = 0, mean = 0;
        for (int i = 0; i < learn; i++) { max = Math.Max(max, mwi[i]); mean += mwi[i]; }
        mean /= Math.Max(1, learn);
        double spki = max / 3, npki = mean / 2;

        int count = 0, noiseCount = 0;
        double lastSlope = 0;
        // rr: the last eight RR intervals, oldest first, for the mean RR of search-back.
        int rrCount = 0;
        double rrMean = fs; // 1 s until real intervals are known

        for (int i = 1; i < n - 1; i++)
        {
            float v = mwi[i];
            if (!(v > mwi[i - 1] && v >= mwi[i + 1])) continue; // local maxima of the integrator only

            // Search-back: a long silence since the last beat means one was missed under the threshold.
            while (noiseCount > 0 && count > 0 && i - beats[count - 1] > SearchBackFactor * rrMean)
            {
                int best = -1;
                double bestV = SearchBackThresholdFraction * Threshold(spki, npki);
                for (int c = 0; c < noiseCount; c++)
                {
                    int idx = noiseIndex[c];
                    double val = noiseValue[c];
                    if (idx - beats[count - 1] >= refractory && val > bestV
                        && (idx - beats[count - 1] >= tWindow || Slope(idx, bp, slopeHalf) >= 0.5 * lastSlope)) // not a T wave
                    { best = idx; bestV = val; }
                }
                if (best < 0) break;
                Accept(best, bestV, Slope(best, bp, slopeHalf), searchBack: true);
            }

            if (count > 0 && i - beats[count - 1] < refractory)
            {
                // Within the refractory period a larger peak belongs to the same complex: move the beat there.
                if (v > beatValues[count - 1])
                {
                    if (rrCount > 0 && count > 1) rr[rrCount - 1] = i - beats[count - 2];
                    beats[count - 1] = i;
                    beatValues[count - 1] = v;
                }
                continue;
            }
            if (v > Threshold(spki, npki))
            {
                double slope = Slope(i, bp, slopeHalf);
                if (count > 0 && i - beats[count - 1] < tWindow && slope < 0.5 * lastSlope)
                {
                    npki = 0.125 * v + 0.875 * npki; // T wave
                    continue;
                }
                Accept(i, v, slope, searchBack: false);
            }
            else
            {
                npki = 0.125 * v + 0.875 * npki;
                // Only peaks that could pass search-back are kept, which bounds the list (and the scan) in long
                // stretches without beats, e.g. asystole or lead-off.
                if (v > SearchBackThresholdFraction * Threshold(spki, npki))
                {
                    noiseIndex[noiseCount] = i;
                    noiseValue[noiseCount++] = v;
                }
            }
        }
        return count;

        void Accept(int p, double v, double slope, bool searchBack)
        {
            if (count > 0)
            {
                if (rrCount == RrHistory)
                {
                    Array.Copy(rr, 1, rr, 0, RrHistory - 1);
                    rrCount--;
                }
                rr[rrCount++] = p - beats[count - 1];
                double s = 0;
                for (int k = 0; k < rrCount; k++) s += rr[k];
                rrMean = s / rrCount;
            }
            beats[count] = p;
            beatValues[count++] = v;
            lastSlope = slope;
            spki = searchBack ? 0.25 * v + 0.75 * spki : 0.125 * v + 0.875 * spki;
            if (searchBack)
            {
                // Later candidates may hide a second missed beat: keep those after the beat, in order.
                int kept = 0;
                for (int c = 0; c < noiseCount; c++)
                    if (noiseIndex[c] > p)
                    {
                        noiseIndex[kept] = noiseIndex[c];
                        noiseValue[kept++] = noiseValue[c];
                    }
                noiseCount = kept;
            }
            else noiseCount = 0;
        }
    }

    /// <summary>RR intervals averaged for search-back (Pan–Tompkins: the last eight).</summary>
    private const int RrHistory = 8;

    private double Threshold(double spki, double npki) => npki + ThresholdFraction * (spki - npki);

    private static double Slope(int p, ReadOnlySpan<float> x, int slopeHalf)
    {
        double s = 0;
        int lo = Math.Max(1, p - slopeHalf), hi = Math.Min(x.Length - 1, p + slopeHalf);
        for (int i = lo; i <= hi; i++) s = Math.Max(s, Math.Abs(x[i] - x[i - 1]));
        return s;
    }
}

/// <summary>Beat-by-beat comparison of detections against reference annotations (as in the ANSI/AAMI EC57 bxb method).</summary>
public readonly record struct BeatComparison(int TruePositives, int FalseNegatives, int FalsePositives)
{
    /// <summary>Sensitivity TP / (TP + FN).</summary>
    public double Sensitivity => TruePositives + FalseNegatives == 0 ? 1 : (double)TruePositives / (TruePositives + FalseNegatives);

    /// <summary>Positive predictive value TP / (TP + FP).</summary>
    public double PositivePredictiveValue => TruePositives + FalsePositives == 0 ? 1 : (double)TruePositives / (TruePositives + FalsePositives);

    /// <summary>Matches sorted reference and detected sample indices one-to-one within ±<paramref name="toleranceSamples"/>.</summary>
    public static BeatComparison Compare(ReadOnlySpan<long> reference, ReadOnlySpan<int> detected, long toleranceSamples)
    {
        int i = 0, j = 0, tp = 0, fn = 0, fp = 0;
        while (i < reference.Length && j < detected.Length)
        {
            long r = reference[i], d = detected[j];
            if (Math.Abs(d - r) <= toleranceSamples)
            {
                // Prefer the closer pairing if the next detection fits this reference better.
                if (j + 1 < detected.Length && Math.Abs(detected[j + 1] - r) < Math.Abs(d - r)
                    && (i + 1 >= reference.Length || Math.Abs(d - reference[i + 1]) > toleranceSamples))
                {
                    fp++; j++; continue;
                }
                tp++; i++; j++;
            }
            else if (d < r) { fp++; j++; }
            else { fn++; i++; }
        }
        fn += reference.Length - i;
        fp += detected.Length - j;
        return new BeatComparison(tp, fn, fp);
    }
}
