using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using CGDmer.Signal.Dsp;

namespace CGDmer.Signal.Beats;

/// <summary>
/// What one lead of a window shows before its normal QRS complexes: whether an organised atrial wave (a P wave) comes
/// before every beat in the same shape, as in sinus rhythm and most of the ectopy that makes a rhythm irregular, or an
/// incoherent fibrillatory baseline, as in AF. RR statistics alone cannot tell AF from sinus arrhythmia, atrial ectopy or
/// SVT; the P wave is the second half of the textbook definition of AF. The third part of the rhythm feature set
/// <c>rr-v7</c> (<see cref="RhythmFeatures.ComputeSet"/>).
/// </summary>
/// <remarks>
/// <para><b>Beats used.</b> Normal beats (<see cref="BeatType.Normal"/>) that follow a normal beat at least
/// <see cref="MinPrecedingRrSeconds"/> earlier, whose segment [R − <see cref="AtrialSeconds"/>, R + <see cref="QrsHalfSeconds"/>]
/// lies in the lead. With fewer than <see cref="MinBeats"/> such beats every feature is 0.</para>
/// <para><b>Alignment.</b> Each beat's R position is refined within ±<see cref="MaxLagSeconds"/> by the correlation of its
/// QRS part ([R − <see cref="QrsHalfSeconds"/>, R + <see cref="QrsHalfSeconds"/>]) with the mean QRS of the beats used.</para>
/// <para><b>Atrial segments.</b> x_i = the lead over [R − <see cref="AtrialSeconds"/>, R − <see cref="QrsHalfSeconds"/>),
/// less its mean; T = the mean of the x_i (the atrial template); A = the median peak-to-peak of the QRS parts.</para>
/// <para>Features, each clamped to [−10, 10], NaN and ±∞ 0 (<see cref="Names"/>):</para>
/// <list type="number">
/// <item><c>atrial_present</c>: 1 when at least <see cref="MinBeats"/> beats were used, else 0.</item>
/// <item><c>atrial_beats_fraction</c>: beats used / all beats of the lead.</item>
/// <item><c>atrial_consistency</c>: mean Pearson correlation of the x_i with T (0 for a flat segment).</item>
/// <item><c>atrial_coherence</c>: ‖T‖² / mean ‖x_i‖²: near 1 when the atrial wave repeats, near 1 / beats when it does not.</item>
/// <item><c>atrial_wave_over_qrs</c>: peak-to-peak of T / A.</item>
/// <item><c>atrial_residual_over_qrs</c>: RMS of x_i − T over all beats used / A: the fibrillatory activity left once the
/// repeating part is removed.</item>
/// </list>
/// <para>Allocation-free: all scratch is on the stack (at most <see cref="StackBeats"/> beats are used).</para>
/// </remarks>
public static class AtrialActivity
{
    /// <summary>Number of features.</summary>
    public const int Count = 6;

    /// <summary>The atrial segment starts this long before the R-peak (a P wave spans about 250 to 100 ms before it).</summary>
    public const double AtrialSeconds = 0.25;

    /// <summary>Half the QRS part around the R-peak; the atrial segment ends where it begins.</summary>
    public const double QrsHalfSeconds = 0.05;

    /// <summary>The preceding RR a beat needs, so that its atrial segment lies after the previous beat's QRS and ST.</summary>
    public const double MinPrecedingRrSeconds = 0.45;

    /// <summary>How far a beat's R position is moved at most to align its QRS with the others'.</summary>
    public const double MaxLagSeconds = 0.02;

    /// <summary>Beats needed for a template.</summary>
    public const int MinBeats = 3;

    /// <summary>Beats used at most; later ones are ignored (a 10-s window at 133 /min has 22).</summary>
    public const int StackBeats = 48;

    private const int MaxSegmentSamples = 256;

    /// <summary>The features' names, in the order <see cref="Compute"/> writes them.</summary>
    public static IReadOnlyList<string> Names { get; } = Array.AsReadOnly(new[]
    {
        "atrial_present", "atrial_beats_fraction", "atrial_consistency", "atrial_coherence", "atrial_wave_over_qrs",
        "atrial_residual_over_qrs",
    });

    /// <summary>Writes the <see cref="Count"/> features of <paramref name="lead"/> to <c>destination[0..Count)</c>.</summary>
    /// <param name="lead">One lead's samples (preprocessed, as the model sees them) at <paramref name="sampleRateHz"/>.</param>
    /// <param name="beats">That lead's classified beats, ascending, with sample indices into <paramref name="lead"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short, or the rate is not positive or so
    /// high that a segment would not fit the stack scratch.</exception>
    public static void Compute(ReadOnlySpan<float> lead, ReadOnlySpan<ClassifiedBeat> beats, double sampleRateHz, Span<float> destination)
    {
        if (destination.Length < Count)
            throw new ArgumentException($"destination holds {destination.Length} values; the atrial features are {Count}", nameof(destination));
        if (!(sampleRateHz > 0) || !double.IsFinite(sampleRateHz))
            throw new ArgumentOutOfRangeException(nameof(sampleRateHz), sampleRateHz, "the sample rate must be a positive number of Hz");
        int atrial = (int)Math.Round(AtrialSeconds * sampleRateHz), half = (int)Math.Round(QrsHalfSeconds * sampleRateHz);
        int maxLag = (int)Math.Round(MaxLagSeconds * sampleRateHz), minRr = (int)Math.Round(MinPrecedingRrSeconds * sampleRateHz);
        int pre = atrial - half, qrs = 2 * half + 1;
        if (pre <= 1 || pre > MaxSegmentSamples || qrs > MaxSegmentSamples)
            throw new ArgumentOutOfRangeException(nameof(sampleRateHz), sampleRateHz, "the atrial segment does not fit this rate");
        destination[..Count].Clear();

        // The beats used: normal after normal, far enough from the previous one, with room for alignment in the lead.
        Span<int> used = stackalloc int[StackBeats];
        int n = 0;
        for (int i = 1; i < beats.Length && n < StackBeats; i++)
        {
            if (beats[i].Type != BeatType.Normal || beats[i - 1].Type != BeatType.Normal) continue;
            long r = beats[i].Sample;
            if (r - beats[i - 1].Sample < minRr || r - atrial - maxLag < 0 || r + half + maxLag >= lead.Length) continue;
            used[n++] = (int)r;
        }
        if (n < MinBeats) return;

        // Align each beat's QRS with the beats' common QRS shape.
        Span<double> qrsShape = stackalloc double[qrs];
        qrsShape.Clear();
        for (int b = 0; b < n; b++)
            for (int k = 0; k < qrs; k++) qrsShape[k] += lead[used[b] - half + k];   // the sum: correlation ignores scale
        Centre(qrsShape);
        Span<double> ranges = stackalloc double[n];
        int lanes = (2 * maxLag + 1 + Vector256<float>.Count - 1) / Vector256<float>.Count * Vector256<float>.Count;
        Span<float> shifted = stackalloc float[qrs + lanes];
        Span<double> correlations = stackalloc double[lanes];
        for (int b = 0; b < n; b++)
        {
            // Lane j: the QRS shifted by j − maxLag; lanes past the last shift read zeros and are not used.
            int from = used[b] - maxLag - half;
            for (int i = 0; i < shifted.Length; i++) shifted[i] = from + i < lead.Length ? lead[from + i] : 0;
            ShiftedCorrelations(shifted, qrsShape, correlations);
            int best = 0;
            double bestCorrelation = double.NegativeInfinity;
            for (int lag = -maxLag; lag <= maxLag; lag++)
            {
                double c = correlations[lag + maxLag];
                if (c > bestCorrelation) { bestCorrelation = c; best = lag; }
            }
            used[b] += best;
            var part = lead.Slice(used[b] - half, qrs);
            float lo = float.PositiveInfinity, hi = float.NegativeInfinity;
            foreach (float v in part) { lo = Math.Min(lo, v); hi = Math.Max(hi, v); }
            ranges[b] = hi - lo;
        }
        double amplitude = OrderStatistics.Median(ranges);

        // The atrial template and each segment's agreement with it.
        Span<double> template = stackalloc double[pre], means = stackalloc double[n];
        template.Clear();
        double segmentEnergy = 0;
        for (int b = 0; b < n; b++)
        {
            var x = lead.Slice(used[b] - atrial, pre);
            double mean = means[b] = Mean(x);
            for (int k = 0; k < pre; k++)
            {
                double v = x[k] - mean;
                template[k] += v / n;
                segmentEnergy += v * v;
            }
        }
        segmentEnergy /= n;
        Centre(template);   // zero-mean up to rounding already (a mean of zero-mean segments); Correlation needs it exact
        double templateEnergy = 0, templateLo = double.PositiveInfinity, templateHi = double.NegativeInfinity;
        foreach (double v in template)
        {
            templateEnergy += v * v;
            templateLo = Math.Min(templateLo, v);
            templateHi = Math.Max(templateHi, v);
        }
        double consistency = 0, residual = 0;
        for (int b = 0; b < n; b++)
        {
            var x = lead.Slice(used[b] - atrial, pre);
            double mean = means[b];
            consistency += Correlation(x, template);
            for (int k = 0; k < pre; k++)
            {
                double d = x[k] - mean - template[k];
                residual += d * d;
            }
        }

        Span<double> f = stackalloc double[Count];
        f[0] = 1;
        f[1] = (double)n / beats.Length;
        f[2] = consistency / n;
        f[3] = segmentEnergy > 0 ? templateEnergy / segmentEnergy : 0;
        f[4] = (templateHi - templateLo) / amplitude;
        f[5] = Math.Sqrt(residual / (n * pre)) / amplitude;
        for (int k = 0; k < Count; k++) destination[k] = (float)(double.IsFinite(f[k]) ? Math.Clamp(f[k], -10, 10) : 0);
    }

    private static double Mean(ReadOnlySpan<float> x)
    {
        double s = 0;
        foreach (float v in x) s += v;
        return s / x.Length;
    }

    private static void Centre(Span<double> y)
    {
        double mean = 0;
        foreach (double v in y) mean += v;
        mean /= y.Length;
        for (int k = 0; k < y.Length; k++) y[k] -= mean;
    }

    /// <summary>
    /// For each lane j (whole vectors of them, as long as <paramref name="correlations"/>): <see cref="Correlation"/> of
    /// <paramref name="shifted"/>[j .. j + centred.Length) with <paramref name="centred"/>, the same to the bit (each
    /// lane forms the same double-precision terms in the same order; the lanes run side by side).
    /// </summary>
    internal static void ShiftedCorrelations(ReadOnlySpan<float> shifted, ReadOnlySpan<double> centred, Span<double> correlations)
    {
        int lanes = correlations.Length, length = centred.Length;
        if (lanes % Vector256<float>.Count != 0 || shifted.Length < length + lanes)
            throw new ArgumentException("the lanes are whole vectors, and the shifted signal covers them all");
        ref float x = ref MemoryMarshal.GetReference(shifted);
        var n = Vector256.Create((double)length);
        for (int g = 0; g < lanes; g += ShiftedLanes.Group)
        {
            var (sumLow, sumHigh) = ShiftedLanes.Sums(ref x, g, length);
            var (meanLow, meanHigh) = (sumLow / n, sumHigh / n);
            var (xyLow, xyHigh, xxLow, xxHigh, yy) = (Vector256<double>.Zero, Vector256<double>.Zero, Vector256<double>.Zero, Vector256<double>.Zero, Vector256<double>.Zero);
            for (int k = 0; k < length; k++)
            {
                var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref x, (nuint)(k + g)));
                var (aLow, aHigh) = (lo - meanLow, hi - meanHigh);
                var b = Vector256.Create(centred[k]);
                xyLow += aLow * b;
                xyHigh += aHigh * b;
                xxLow += aLow * aLow;
                xxHigh += aHigh * aHigh;
                yy += b * b;
            }
            double syy = yy[0];
            for (int j = 0; j < Vector256<double>.Count; j++)
            {
                correlations[g + j] = Quotient(xyLow[j], xxLow[j], syy);
                correlations[g + Vector256<double>.Count + j] = Quotient(xyHigh[j], xxHigh[j], syy);
            }
        }
    }

    private static double Quotient(double sxy, double sxx, double syy) => sxx > 0 && syy > 0 ? sxy / Math.Sqrt(sxx * syy) : 0;

    /// <summary>Pearson correlation of <paramref name="x"/> with a zero-mean <paramref name="centred"/> (<see cref="Centre"/>); 0 when either is flat.</summary>
    internal static double Correlation(ReadOnlySpan<float> x, ReadOnlySpan<double> centred)
    {
        double mx = Mean(x);
        double sxy = 0, sxx = 0, syy = 0;
        for (int k = 0; k < x.Length; k++)
        {
            double a = x[k] - mx, b = centred[k];
            sxy += a * b;
            sxx += a * a;
            syy += b * b;
        }
        return Quotient(sxy, sxx, syy);
    }
}
