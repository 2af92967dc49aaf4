using CGDmer.Pipeline.Measurement;
using System.Buffers;
using CGDmer.Pipeline.Windowing;
using CGDmer.Signal;
using CGDmer.Signal.Dsp;
using CGDmer.Signal.Wfdb;

namespace CGDmer.Evaluation;

/// <summary>One window of an annotated record: what the measure stage found and what the reference annotations say.</summary>
/// <param name="ReferenceHeartRateBpm">60 / mean RR of the annotated beats (WFDB isqrs) inside the window; null with fewer than two.</param>
/// <param name="AtrialFibrillation">The whole window lies inside an annotated "(AFIB" episode.</param>
/// <param name="FreeOfAtrialArrhythmia">The window overlaps no "(AFIB" or "(AFL" episode.</param>
public sealed record WindowEvaluation(
    string Record, long Index, WindowMeasurement Measurement, double? ReferenceHeartRateBpm,
    bool AtrialFibrillation, bool FreeOfAtrialArrhythmia)
{
    /// <summary>|measured − reference| heart rate, or null when either is missing.</summary>
    public double? HeartRateError => Measurement.HeartRateBpm is { } m && ReferenceHeartRateBpm is { } r ? Math.Abs(m - r) : null;
}

/// <summary>Figures over a set of evaluated windows.</summary>
public sealed record EvaluationSummary(
    int Windows, int WindowsWithBothRates, int WindowsMissingRate,
    double MedianAbsoluteErrorBpm, double MeanAbsoluteErrorBpm, double Percentile90AbsoluteErrorBpm,
    int AfWindows, int NonAfWindows, double IrregularityAuroc,
    double AfIrregularityMedian, double NonAfIrregularityMedian,
    double AfIrregularityP10, double NonAfIrregularityP90)
{
    public override string ToString() =>
        $"windows {Windows} (HR compared {WindowsWithBothRates}, measured HR missing {WindowsMissingRate}); " +
        $"HR |error| median {MedianAbsoluteErrorBpm:F2} mean {MeanAbsoluteErrorBpm:F2} p90 {Percentile90AbsoluteErrorBpm:F2} bpm; " +
        $"RR irregularity AF n={AfWindows} median {AfIrregularityMedian:F3} p10 {AfIrregularityP10:F3} / non-AF n={NonAfWindows} median {NonAfIrregularityMedian:F3} p90 {NonAfIrregularityP90:F3}; AUROC {IrregularityAuroc:F3}";
}

/// <summary>
/// Evaluates the measure stage on annotated WFDB records (MIT-BIH): windows are built the way the window stage builds
/// them (the whole record resampled to the model rate with <see cref="Resampler"/>, then <see cref="EcgPreprocessing"/>
/// per lead per window, consecutive non-overlapping windows) and compared with the reference beat annotations. Used by
/// the tests on the two records in the repository and by the report over MIT-BIH DS1; not part of the streaming path.
/// </summary>
public static class MitBihEvaluation
{
    /// <summary>The shipped model's geometry: 12 standard leads, 100 Hz, 10 s.</summary>
    public static WindowGeometry ModelGeometry { get; } = new(100, 1000, Leads.StandardOrder, EcgPreprocessing.Identifier);

    /// <summary>Measures every complete window of record <paramref name="recordPath"/> (path without extension; needs .hea, .dat, .atr).</summary>
    public static List<WindowEvaluation> EvaluateRecord(string recordPath, WindowMeasurer measurer, WindowGeometry? geometry = null)
    {
        ArgumentNullException.ThrowIfNull(measurer);
        var g = geometry ?? ModelGeometry;
        var record = WfdbReader.Read(recordPath);
        var annotations = AnnotationReader.Read(recordPath + ".atr");
        double fsIn = record.SampleRateHz, fs = g.SampleRateHz;
        var beats = AnnotationReader.Beats(annotations).Select(a => a.Sample).ToArray();
        var episodes = AnnotationReader.RhythmEpisodes(annotations, record.Length);
        int w = g.WindowSamples;

        var results = new List<WindowEvaluation>();
        foreach (var window in Windows(record, g))
        {
            long k = window.Index;
            var measurement = measurer.Measure(window);
            window.ReleaseSignal();

            // The window covers source samples [start, end) at the record's rate.
            long start = (long)Math.Round(k * w * fsIn / fs), end = (long)Math.Round((k + 1) * w * fsIn / fs);
            int first = SortedSamples.LowerBound(beats, start), last = SortedSamples.LowerBound(beats, end) - 1;
            double? referenceHr = last - first >= 1 ? 60.0 * fsIn * (last - first) / (beats[last] - beats[first]) : null;
            bool af = episodes.Any(e => e.Rhythm == "(AFIB" && e.Start <= start && e.End >= end);
            bool free = !episodes.Any(e => (e.Rhythm == "(AFIB" || e.Rhythm == "(AFL") && e.Start < end && e.End > start);
            results.Add(new WindowEvaluation(record.Name, k, measurement, referenceHr, af, free));
        }
        return results;
    }

    /// <summary>
    /// The complete, consecutive, non-overlapping windows of <paramref name="record"/>, built the way the window stage
    /// builds them: each mapped lead resampled once to the model rate (invalid samples held), then preprocessed per lead
    /// per window. Window k has <see cref="EcgWindow.Index"/> k. Lazily built; each window's samples are pooled and owned
    /// by the caller (<see cref="EcgWindow.ReleaseSignal"/>).
    /// </summary>
    public static IEnumerable<EcgWindow> Windows(WfdbRecord record, WindowGeometry? geometry = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        var g = geometry ?? ModelGeometry;
        double fsIn = record.SampleRateHz, fs = g.SampleRateHz;

        // Resample each mapped lead once, like the window stage's per-lead streaming resampler.
        var rows = new Dictionary<int, float[]>();
        var recorded = new List<Lead>();
        foreach (var channel in record.Ecg.Channels)
        {
            if (channel.Lead is not { } lead || g.RowOf(lead) < 0 || rows.ContainsKey(g.RowOf(lead))) continue;
            var held = HoldInvalid(channel.Samples);
            rows[g.RowOf(lead)] = Resampler.Resample(held, fsIn, fs);
            recorded.Add(lead);
        }
        if (rows.Count == 0) yield break;
        int length = rows.Values.First().Length;
        int w = g.WindowSamples;
        var mask = new float[g.LeadCount];
        foreach (int row in rows.Keys) mask[row] = 1;
        for (long k = 0; (k + 1) * w <= length; k++)
        {
            var signal = ArrayPool<float>.Shared.Rent(g.LeadCount * w);
            Array.Clear(signal, 0, g.LeadCount * w);
            foreach (var (row, samples) in rows)
            {
                var dst = signal.AsSpan(row * w, w);
                samples.AsSpan((int)(k * w), w).CopyTo(dst);
                EcgPreprocessing.Apply(dst, fs);
            }
            yield return new EcgWindow(record.Name, "mitbih", k, DateTimeOffset.UnixEpoch + TimeSpan.FromSeconds(k * w / fs), g,
                signal, (float[])mask.Clone(), recorded, [], 1.0, WindowStatus.Analyzable, 0);
        }
    }

    /// <summary>HR error and AF separation over <paramref name="windows"/>.</summary>
    public static EvaluationSummary Summarize(IReadOnlyList<WindowEvaluation> windows)
    {
        var errors = windows.Select(x => x.HeartRateError).OfType<double>().Order().ToArray();
        int missing = windows.Count(x => x.ReferenceHeartRateBpm is not null && x.Measurement.HeartRateBpm is null);
        var af = windows.Where(x => x.AtrialFibrillation).Select(x => x.Measurement.RrIrregularity).OfType<double>().Order().ToArray();
        var nonAf = windows.Where(x => x.FreeOfAtrialArrhythmia).Select(x => x.Measurement.RrIrregularity).OfType<double>().Order().ToArray();
        return new EvaluationSummary(windows.Count, errors.Length, missing,
            Quantile(errors, 0.5), errors.Length > 0 ? errors.Average() : double.NaN, Quantile(errors, 0.9),
            af.Length, nonAf.Length, Auroc(af, nonAf),
            Quantile(af, 0.5), Quantile(nonAf, 0.5), Quantile(af, 0.1), Quantile(nonAf, 0.9));
    }

    /// <summary>Probability that a random positive scores above a random negative (ties count half): the Mann–Whitney AUROC.</summary>
    public static double Auroc(IReadOnlyList<double> positives, IReadOnlyList<double> negatives)
    {
        if (positives.Count == 0 || negatives.Count == 0) return double.NaN;
        double wins = 0;
        foreach (double p in positives)
            foreach (double q in negatives)
                wins += p > q ? 1 : p == q ? 0.5 : 0;
        return wins / ((double)positives.Count * negatives.Count);
    }

    /// <summary>Quantile of an ascending array (nearest rank), NaN when empty.</summary>
    public static double Quantile(IReadOnlyList<double> sorted, double q) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static float[] HoldInvalid(float[] samples)
    {
        var held = new float[samples.Length];
        float last = 0;
        for (int i = 0; i < samples.Length; i++)
        {
            if (float.IsFinite(samples[i])) last = samples[i];
            held[i] = last;
        }
        return held;
    }

}
