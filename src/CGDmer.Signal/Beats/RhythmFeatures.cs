using System.Buffers;
using System.Collections.ObjectModel;
using CGDmer.Signal.Dsp;

namespace CGDmer.Signal.Beats;

/// <summary>
/// Rhythm features of one window: <see cref="Count"/> values derived from a list of beats, plus the analysis lead's
/// signal quality and beat agreement. One definition for training and for the streaming service, so that a model given
/// these features sees the same values in both. Two feature sets use it (<see cref="CountOf"/>):
/// <list type="bullet">
/// <item><c>rr-v1</c>: the <see cref="Count"/> features of the analysis lead's beats as <see cref="BeatMeasurer.Measure"/> finds them;</item>
/// <item><c>rr-v4</c>: those, followed by the same <see cref="Count"/> features of the analysis lead's normal-to-normal
/// intervals (<see cref="NormalToNormal"/>), in which ventricular ectopy no longer reads as irregularity.</item>
/// <item><c>rr-v5</c>: those of <c>rr-v4</c>, followed by the same <see cref="Count"/> features of the NN intervals of
/// the analysis lead's beat stream over the <see cref="ContextSeconds"/> ending with the window
/// (<see cref="EpochAnchoredBeatStream"/>, as the window stage runs it): the rhythm over three windows' time.</item>
/// <item><c>rr-v6</c>: the features of <c>rr-v4</c>, measured on the beat stream instead of in the window: the beats,
/// signal quality and beat agreement are <see cref="BeatMeasurer"/>'s on the stream's beats
/// (<see cref="MeasuresOnBeatStream"/>), and the NN half chains the stream's own classes of the analysis lead's beats
/// in the window, so no detector or classifier runs per window.</item>
/// <item><c>rr-v7</c>: the features of <c>rr-v4</c>, followed by the analysis lead's <see cref="AtrialActivity"/>
/// features over the beats its NN classifier calls normal: whether a repeating P wave precedes them.</item>
/// <item><c>rr-v8</c>: the features of <c>rr-v6</c> (measured on the beat stream), followed by the analysis lead's
/// <see cref="AtrialActivity"/> features over the beats the stream classes normal: <c>rr-v7</c>'s atrial half without a
/// classifier per window.</item>
/// <item><c>rr-v10</c>: <c>rr-v8</c>'s features, with each streamed lead's signal quality (and so the analysis lead,
/// <c>signal_quality</c> and <c>beat_agreement</c>) measured on the stream too (<see cref="StreamingLeadQuality"/>): nothing
/// is filtered or detected per window. (<c>rr-v9</c>, its first definition, with single causal passes of the quality
/// bands, was not adopted and is retired.)</item>
/// </list>
/// Changing any definition, order or scaling means a new identifier.
/// </summary>
/// <remarks>
/// <para>RR(i) = (beats[i+1] − beats[i]) / fs in seconds, m = number of RRs, ΔRR(i) = RR(i+1) − RR(i) (m − 1 values).
/// When m &lt; 2 every RR-derived feature (0 and 2–13) is 0. Every feature is clamped to [−10, 10]; NaN and ±∞ become 0.
/// In order (<see cref="Names"/>):</para>
/// <list type="number">
/// <item><c>rhythm_present</c>: 1 when m ≥ 2, else 0.</item>
/// <item><c>beat_count</c>: number of beats / 20.</item>
/// <item><c>mean_rr_s</c>: mean RR in seconds.</item>
/// <item><c>heart_rate_per_100bpm</c>: 60 / mean RR / 100.</item>
/// <item><c>rr_irregularity</c>: the measure stage's pattern-tolerant RR irregularity (<see cref="BeatMeasurer.RrIrregularity(ReadOnlySpan{int})"/>), 0 when undefined.</item>
/// <item><c>nrmssd</c>: root mean square of ΔRR / mean RR.</item>
/// <item><c>cv_rr</c>: population standard deviation of RR / mean RR.</item>
/// <item><c>pnn50</c>: fraction of ΔRR with |ΔRR| &gt; 0.05 s.</item>
/// <item><c>mad_rr_norm</c>: median absolute deviation of RR from the median RR / median RR.</item>
/// <item><c>delta_rr_lag1_mean_norm</c>: mean |ΔRR| / mean RR.</item>
/// <item><c>max_rr_over_median</c>: largest RR / median RR.</item>
/// <item><c>min_rr_over_median</c>: smallest RR / median RR.</item>
/// <item><c>turning_point_ratio</c>: fraction of interior RRs (i = 1 … m − 2) above both neighbours or below both; 0 when m &lt; 3.</item>
/// <item><c>rr_entropy</c>: Shannon entropy in bits of ΔRR / mean RR binned in 8 equal bins over [−0.4, 0.4] (values outside in the edge bins), / 3 (so 0..1).</item>
/// <item><c>signal_quality</c>: the analysis lead's SQI clamped to [0, 1] (NaN: 0).</item>
/// <item><c>beat_agreement</c>: the analysis lead's bSQI (<see cref="LeadQuality.BeatAgreement"/>) clamped to [0, 1] (NaN: 0).</item>
/// </list>
/// <para>Allocation-free: scratch is on the stack, or from <see cref="ArrayPool{T}.Shared"/> for long beat lists.</para>
/// </remarks>
public static class RhythmFeatures
{
    /// <summary>The features of the analysis lead's beats.</summary>
    public const string AnalysisLeadIdentifier = "rr-v1";

    /// <summary>The analysis lead's features followed by those of its normal-to-normal intervals.</summary>
    public const string WithNormalToNormalIdentifier = "rr-v4";

    /// <summary><c>rr-v4</c> followed by the features of the beat stream's NN intervals over <see cref="ContextSeconds"/>.</summary>
    public const string WithStreamContextIdentifier = "rr-v5";

    /// <summary><c>rr-v4</c>'s features measured on the beat stream (<see cref="MeasuresOnBeatStream"/>).</summary>
    public const string StreamMeasuredIdentifier = "rr-v6";

    /// <summary><c>rr-v4</c> and the analysis lead's atrial activity (<see cref="AtrialActivity"/>).</summary>
    public const string WithAtrialActivityIdentifier = "rr-v7";

    /// <summary><c>rr-v6</c> and the analysis lead's atrial activity over the stream's beats (<see cref="AtrialActivity"/>).</summary>
    public const string StreamMeasuredWithAtrialActivityIdentifier = "rr-v8";

    /// <summary>
    /// <c>rr-v8</c> with each streamed lead's signal quality measured on the stream too (<see cref="MeasuresQualityOnStream"/>):
    /// the same features, of which <c>signal_quality</c> and <c>beat_agreement</c> (and the analysis lead they choose) come
    /// from the stream's per-second sums and second detector instead of the window's filters and detectors.
    /// </summary>
    public const string StreamQualityIdentifier = "rr-v10";

    /// <summary>How much of the beat stream, ending with the window, <c>rr-v5</c>'s context features read.</summary>
    public const double ContextSeconds = 30;

    /// <summary>The feature set the trainer computes for a new model; stored with it.</summary>
    public static string Identifier { get; } = WithNormalToNormalIdentifier;

    /// <summary>What each set this build computes is made of: its feature count and where its inputs come from.</summary>
    private sealed record SetTraits(int Count, bool ReadsStream, bool MeasuredOnStream, bool Atrial, bool QualityOnStream = false);

    private static readonly Dictionary<string, SetTraits> Sets = new(StringComparer.Ordinal)
    {
        [AnalysisLeadIdentifier] = new(Count, false, false, false),
        [WithNormalToNormalIdentifier] = new(2 * Count, false, false, false),
        [WithStreamContextIdentifier] = new(3 * Count, true, false, false),
        [StreamMeasuredIdentifier] = new(2 * Count, true, true, false),
        [WithAtrialActivityIdentifier] = new(2 * Count + AtrialActivity.Count, false, false, true),
        [StreamMeasuredWithAtrialActivityIdentifier] = new(2 * Count + AtrialActivity.Count, true, true, true),
        [StreamQualityIdentifier] = new(2 * Count + AtrialActivity.Count, true, true, true, QualityOnStream: true),
    };

    private static SetTraits? TraitsOf(string identifier) => identifier is not null && Sets.TryGetValue(identifier, out var t) ? t : null;

    /// <summary>Whether set <paramref name="identifier"/> reads the beat stream (so the window stage must run it).</summary>
    public static bool ReadsBeatStream(string identifier) => TraitsOf(identifier)?.ReadsStream == true;

    /// <summary>
    /// Whether set <paramref name="identifier"/> is measured on the beat stream: the measure stage then takes each lead's
    /// beats from the stream (<see cref="BeatMeasurer.Measure(ReadOnlySpan{float}, int, int, ReadOnlySpan{float}, double, StreamedBeats)"/>)
    /// rather than detecting them in the window.
    /// </summary>
    public static bool MeasuresOnBeatStream(string identifier) => TraitsOf(identifier)?.MeasuredOnStream == true;

    /// <summary>
    /// Whether set <paramref name="identifier"/> also takes each streamed lead's signal quality from the stream
    /// (<see cref="StreamingLeadQuality"/>, <see cref="BeatMeasurer.Measure(ReadOnlySpan{float}, int, int, ReadOnlySpan{float}, double, StreamedBeats, StreamedQuality)"/>):
    /// the window stage then runs the stream with quality, and the measure stage filters and detects nothing.
    /// </summary>
    public static bool MeasuresQualityOnStream(string identifier) => TraitsOf(identifier)?.QualityOnStream == true;

    /// <summary>Whether set <paramref name="identifier"/> ends with the analysis lead's <see cref="AtrialActivity"/> features.</summary>
    public static bool HasAtrialActivity(string identifier) => TraitsOf(identifier)?.Atrial == true;

    /// <summary>Number of features <see cref="Compute"/> writes for one list of beats.</summary>
    public const int Count = 16;

    /// <summary>Whether this build computes the feature set <paramref name="identifier"/>.</summary>
    public static bool IsKnown(string identifier) => TraitsOf(identifier) is not null;

    /// <summary>How many features the set <paramref name="identifier"/> has: <see cref="Count"/> per list of beats it reads.</summary>
    /// <exception cref="ArgumentException">This build does not know <paramref name="identifier"/>.</exception>
    public static int CountOf(string identifier) => TraitsOf(identifier)?.Count
        ?? throw new ArgumentException($"unknown rhythm feature set '{identifier}' (this build computes {KnownList})", nameof(identifier));

    /// <summary>The sets this build computes, quoted, for messages.</summary>
    public static string KnownList { get; } =
        string.Join(", ", Sets.Keys.Order(StringComparer.Ordinal).SkipLast(1).Select(k => $"'{k}'")) + $" and '{Sets.Keys.Order(StringComparer.Ordinal).Last()}'";

    /// <summary>The names of set <paramref name="identifier"/>'s features in order: the NN half's carry the prefix <c>nn_</c>.</summary>
    public static IReadOnlyList<string> NamesOf(string identifier) => CountOf(identifier) switch
    {
        Count => FeatureNames,
        2 * Count => [.. FeatureNames, .. FeatureNames.Select(n => "nn_" + n)],
        2 * Count + AtrialActivity.Count => [.. FeatureNames, .. FeatureNames.Select(n => "nn_" + n), .. AtrialActivity.Names],
        _ => [.. FeatureNames, .. FeatureNames.Select(n => "nn_" + n), .. FeatureNames.Select(n => "context_nn_" + n)],
    };

    private static readonly ReadOnlyCollection<string> FeatureNames = Array.AsReadOnly(new[]
    {
        "rhythm_present", "beat_count", "mean_rr_s", "heart_rate_per_100bpm", "rr_irregularity", "nrmssd", "cv_rr",
        "pnn50", "mad_rr_norm", "delta_rr_lag1_mean_norm", "max_rr_over_median", "min_rr_over_median",
        "turning_point_ratio", "rr_entropy", "signal_quality", "beat_agreement",
    });

    /// <summary>The features' names, in the order <see cref="Compute"/> writes them.</summary>
    public static IReadOnlyList<string> Names => FeatureNames;

    /// <summary>RRs up to which scratch lives on the stack.</summary>
    private const int StackRrs = 128;

    private const int EntropyBins = 8;
    private const double EntropyRange = 0.4;

    /// <summary>
    /// Writes the <see cref="Count"/> features of one window to <c>destination[0..Count)</c>.
    /// </summary>
    /// <param name="beats">The list of beats (the analysis lead's, or its NN beats): sample indices at <paramref name="sampleRateHz"/>, strictly ascending, within [0, <paramref name="windowSamples"/>).</param>
    /// <param name="sampleRateHz">Sample rate of the beat positions.</param>
    /// <param name="windowSamples">Length of the window the beats were found in, in samples (0 for a window without samples, which has no beats).</param>
    /// <param name="signalQuality">The analysis lead's SQI (<see cref="BeatMeasurement.SignalQuality"/>).</param>
    /// <param name="beatAgreement">The analysis lead's bSQI (<see cref="BeatMeasurement.BeatAgreement"/>).</param>
    /// <param name="destination">At least <see cref="Count"/> values; the rest is left alone.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short, the rate is not positive, the window length is negative, or the beats are not strictly ascending within the window.</exception>
    public static void Compute(ReadOnlySpan<int> beats, double sampleRateHz, int windowSamples, double signalQuality, double beatAgreement, Span<float> destination)
    {
        if (destination.Length < Count)
            throw new ArgumentException($"destination holds {destination.Length} values; {Identifier} has {Count}", nameof(destination));
        if (!(sampleRateHz > 0) || !double.IsFinite(sampleRateHz))
            throw new ArgumentOutOfRangeException(nameof(sampleRateHz), sampleRateHz, "the sample rate must be a positive number of Hz");
        ArgumentOutOfRangeException.ThrowIfNegative(windowSamples);
        for (int i = 0; i < beats.Length; i++)
        {
            if ((uint)beats[i] >= (uint)windowSamples)
                throw new ArgumentException($"beat {i} at sample {beats[i]} lies outside the window of {windowSamples} samples", nameof(beats));
            if (i > 0 && beats[i] <= beats[i - 1])
                throw new ArgumentException($"beats must be strictly ascending (beat {i} at {beats[i]} follows {beats[i - 1]})", nameof(beats));
        }

        Span<double> f = stackalloc double[Count];
        f.Clear();
        f[1] = beats.Length / 20.0;
        f[14] = Unit(signalQuality);
        f[15] = Unit(beatAgreement);
        int m = beats.Length - 1;
        if (m >= 2) RrFeatures(beats, sampleRateHz, m, f);
        for (int k = 0; k < Count; k++) destination[k] = (float)(double.IsFinite(f[k]) ? Math.Clamp(f[k], -10, 10) : 0);
    }

    /// <summary>
    /// Writes the <see cref="CountOf"/> features of set <paramref name="identifier"/> of one window: those of
    /// <paramref name="beats"/> (the analysis lead's), and for <c>rr-v4</c> then those of the NN beats of
    /// <paramref name="analysisLead"/> (its preprocessed samples; empty when no lead was usable, which gives the features
    /// of no beats); <c>rr-v7</c> then adds the atrial activity before the beats that NN classifier calls normal, and
    /// <c>rr-v8</c> the atrial activity before the beats the stream classes normal.
    /// </summary>
    /// <param name="normalToNormal">A reusable NN finder at <paramref name="sampleRateHz"/> (a caller that computes window
    /// after window keeps one); null makes a new one when the set needs it.</param>
    /// <exception cref="ArgumentException">The set is unknown, <paramref name="destination"/> is too short, the NN finder is
    /// for another rate, or as <see cref="Compute"/>.</exception>
    /// <param name="context">For <c>rr-v5</c>: the analysis lead's stream beats over the <see cref="ContextSeconds"/>
    /// ending with the window, ascending, as sample indices relative to the window's start (so from −(context − window)).
    /// For <c>rr-v6</c> and <c>rr-v8</c>: the analysis lead's stream beats within the window (<see cref="StreamedBeats.Row"/>),
    /// whose classes give the NN half; <c>rr-v6</c> then does not read <paramref name="analysisLead"/>, <c>rr-v8</c> reads
    /// it for the atrial half only.</param>
    public static void ComputeSet(string identifier, ReadOnlySpan<int> beats, ReadOnlySpan<float> analysisLead, double sampleRateHz,
        int windowSamples, double signalQuality, double beatAgreement, Span<float> destination, NormalToNormal? normalToNormal = null,
        ReadOnlySpan<ClassifiedBeat> context = default)
    {
        int count = CountOf(identifier);
        if (destination.Length < count)
            throw new ArgumentException($"destination holds {destination.Length} values; {identifier} has {count}", nameof(destination));
        Compute(beats, sampleRateHz, windowSamples, signalQuality, beatAgreement, destination);
        if (count == Count) return;
        if (normalToNormal is not null && normalToNormal.SampleRateHz != sampleRateHz)
            throw new ArgumentException($"the NN finder is for {normalToNormal.SampleRateHz} Hz, the window is at {sampleRateHz} Hz", nameof(normalToNormal));
        int capacity = windowSamples / 3 + 2;
        int[]? rented = capacity > StackRrs * 4 ? ArrayPool<int>.Shared.Rent(capacity) : null;
        Span<int> nn = rented is null ? stackalloc int[capacity] : rented.AsSpan(0, capacity);
        try
        {
            bool onStream = MeasuresOnBeatStream(identifier);
            if (onStream)
            {
                for (int i = 0; i < context.Length; i++)
                    if (context[i].Sample < 0 || context[i].Sample >= windowSamples || (i > 0 && context[i].Sample <= context[i - 1].Sample))
                        throw new ArgumentException($"stream beat {i} at sample {context[i].Sample} is out of order or outside the window of {windowSamples} samples", nameof(context));
            }
            bool atrial = HasAtrialActivity(identifier);
            if (atrial && !onStream && !analysisLead.IsEmpty) normalToNormal ??= new NormalToNormal(sampleRateHz);   // its classified beats give the atrial half
            int found = onStream ? NormalToNormal.Chain(context, 0, nn)
                : analysisLead.IsEmpty ? 0
                : normalToNormal?.Beats(analysisLead, nn) ?? NormalToNormal.Beats(analysisLead, sampleRateHz, nn);
            Compute(nn[..found], sampleRateHz, windowSamples, signalQuality, beatAgreement, destination[Count..]);
            if (atrial)
            {
                if (analysisLead.IsEmpty) destination.Slice(2 * Count, AtrialActivity.Count).Clear();
                else AtrialActivity.Compute(analysisLead, onStream ? context : normalToNormal!.LastBeats, sampleRateHz, destination[(2 * Count)..]);
                return;
            }
        }
        finally
        {
            if (rented is not null) ArrayPool<int>.Shared.Return(rented);
        }
        if (count == 2 * Count) return;
        int contextSamples = ContextSamples(sampleRateHz, windowSamples);
        long origin = windowSamples - contextSamples;   // the context's first sample, relative to the window's start
        int[]? rentedContext = context.Length + 2 > StackRrs * 4 ? ArrayPool<int>.Shared.Rent(context.Length + 2) : null;
        Span<int> contextNn = rentedContext is null ? stackalloc int[context.Length + 2] : rentedContext.AsSpan(0, context.Length + 2);
        try
        {
            for (int i = 0; i < context.Length; i++)
                if (context[i].Sample < origin || context[i].Sample >= windowSamples)
                    throw new ArgumentException($"context beat {i} at sample {context[i].Sample} lies outside the context [{origin}, {windowSamples})", nameof(context));
            int found = NormalToNormal.Chain(context, origin, contextNn);
            Compute(contextNn[..found], sampleRateHz, contextSamples, signalQuality, beatAgreement, destination[(2 * Count)..]);
        }
        finally
        {
            if (rentedContext is not null) ArrayPool<int>.Shared.Return(rentedContext);
        }
    }

    /// <summary>Samples of <c>rr-v5</c>'s context at <paramref name="sampleRateHz"/>: <see cref="ContextSeconds"/>, and never less than the window.</summary>
    public static int ContextSamples(double sampleRateHz, int windowSamples) => Math.Max(windowSamples, (int)Math.Round(ContextSeconds * sampleRateHz));

    /// <summary>Features 0 and 2–13 from m ≥ 2 RRs.</summary>
    private static void RrFeatures(ReadOnlySpan<int> beats, double fs, int m, Span<double> f)
    {
        double[]? rented = m > StackRrs ? ArrayPool<double>.Shared.Rent(2 * m) : null;
        Span<double> scratch = rented is null ? stackalloc double[2 * StackRrs] : rented;
        try
        {
            var rr = scratch[..m];
            var work = scratch.Slice(m, m);
            double sum = 0;
            for (int i = 0; i < m; i++)
            {
                rr[i] = (beats[i + 1] - beats[i]) / fs;
                sum += rr[i];
            }
            double mean = sum / m;
            f[0] = 1;
            f[2] = mean;
            f[3] = 60 / mean / 100;
            f[4] = BeatMeasurer.RrIrregularity(beats) ?? 0;

            // Successive differences: RMS, mean |Δ|, pNN50, entropy of the normalised histogram.
            int n = m - 1;
            Span<int> bins = stackalloc int[EntropyBins];
            bins.Clear();
            double sumSq = 0, sumAbs = 0;
            int over50 = 0;
            for (int i = 0; i < n; i++)
            {
                double d = rr[i + 1] - rr[i];
                sumSq += d * d;
                sumAbs += Math.Abs(d);
                if (Math.Abs(d) > 0.05) over50++;
                double pos = Math.Floor((d / mean + EntropyRange) / (2 * EntropyRange / EntropyBins));
                bins[double.IsNaN(pos) || pos <= 0 ? 0 : pos >= EntropyBins - 1 ? EntropyBins - 1 : (int)pos]++;
            }
            f[5] = Math.Sqrt(sumSq / n) / mean;
            f[7] = (double)over50 / n;
            f[9] = sumAbs / n / mean;
            double entropy = 0;
            foreach (int c in bins)
            {
                if (c == 0) continue;
                double p = (double)c / n;
                entropy -= p * Math.Log2(p);
            }
            f[13] = entropy / Math.Log2(EntropyBins);

            double var = 0;
            for (int i = 0; i < m; i++) var += (rr[i] - mean) * (rr[i] - mean);
            f[6] = Math.Sqrt(var / m) / mean;

            rr.CopyTo(work);
            work.Sort();
            double median = OrderStatistics.MedianOfSorted(work);
            f[10] = work[m - 1] / median;
            f[11] = work[0] / median;
            for (int i = 0; i < m; i++) work[i] = Math.Abs(rr[i] - median);
            work.Sort();
            f[8] = OrderStatistics.MedianOfSorted(work) / median;

            if (m >= 3)
            {
                int turns = 0;
                for (int i = 1; i < m - 1; i++)
                    if ((rr[i] > rr[i - 1] && rr[i] > rr[i + 1]) || (rr[i] < rr[i - 1] && rr[i] < rr[i + 1])) turns++;
                f[12] = (double)turns / (m - 2);
            }
        }
        finally
        {
            if (rented is not null) ArrayPool<double>.Shared.Return(rented);
        }
    }

    private static double Unit(double v) => double.IsNaN(v) ? 0 : Math.Clamp(v, 0, 1);
}
