using System.Text.Json.Serialization;
using CGDmer.Signal.Wfdb;

namespace CGDmer.Evaluation.Ec57;

/// <summary>
/// Heart-rate comparison in the manner of WFDB's mxm. Both heart rates are measured from beats the same way: at step times
/// τ = start + W + k × step up to the end of the test period (W = <see cref="Ec57Options.HeartRateWindowSeconds"/>, step =
/// <see cref="Ec57Options.HeartRateStepSeconds"/>, start = the end of the learning period), over the n beats in the
/// trailing window (τ − W, τ], the rate is 60 × (n − 1) / (t_last − t_first) per minute, undefined for n &lt; 2. So every
/// window lies in the test period. The error at a step is test minus reference where both rates are defined; the median
/// of its magnitude and its RMS are reported.
/// </summary>
public static class HeartRateComparison
{
    /// <summary>Compares the heart rate of the test beats with that of the reference beats (WFDB isqrs annotations).</summary>
    public static HeartRateResult Compare(string record, IEnumerable<Annotation> reference, IEnumerable<long> testBeats,
        double sampleRateHz, long? recordLength = null, Ec57Options? options = null)
    {
        ArgumentNullException.ThrowIfNull(reference);
        return Compare(record, AnnotationReader.Beats(reference).Select(a => a.Sample), testBeats, sampleRateHz, recordLength, options);
    }

    /// <summary>Compares the heart rate of two ascending lists of beat sample indices.</summary>
    /// <exception cref="ArgumentException">A list is out of time order; the message names the beat.</exception>
    public static HeartRateResult Compare(string record, IEnumerable<long> referenceBeats, IEnumerable<long> testBeats,
        double sampleRateHz, long? recordLength = null, Ec57Options? options = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(referenceBeats);
        ArgumentNullException.ThrowIfNull(testBeats);
        var o = (options ?? Ec57Options.Default).Validate();
        long[] reference = Ascending(referenceBeats, "reference"), test = Ascending(testBeats, "test");
        long last = Math.Max(reference.Length > 0 ? reference[^1] : 0, test.Length > 0 ? test[^1] : 0);
        var (start, end, _) = o.Samples(sampleRateHz, recordLength ?? last);
        double step = o.HeartRateStepSeconds * sampleRateHz, window = o.HeartRateWindowSeconds * sampleRateHz;

        var errors = new List<double>();
        int missingTest = 0, missingReference = 0;
        for (long k = 0; ; k++)
        {
            double tau = start + window + k * step;
            if (tau > end) break;
            double? r = Rate(reference, tau - window, tau, sampleRateHz), t = Rate(test, tau - window, tau, sampleRateHz);
            if (r is { } rv && t is { } tv) errors.Add(tv - rv);
            else if (r is not null) missingTest++;
            else if (t is not null) missingReference++;
        }
        return HeartRateResult.Of(record, errors, missingTest, missingReference);
    }

    /// <summary>60 × (n − 1) / span of the beats in (from, to], per minute; null with fewer than two.</summary>
    private static double? Rate(long[] beats, double from, double to, double sampleRateHz)
    {
        int lo = UpperBound(beats, from), hi = UpperBound(beats, to) - 1;
        if (hi - lo < 1 || beats[hi] == beats[lo]) return null;
        return 60.0 * sampleRateHz * (hi - lo) / (beats[hi] - beats[lo]);
    }

    /// <summary>First index whose beat lies after <paramref name="value"/>.</summary>
    private static int UpperBound(long[] sorted, double value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] <= value) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    private static long[] Ascending(IEnumerable<long> beats, string which)
    {
        var a = beats.ToArray();
        for (int k = 1; k < a.Length; k++)
            if (a[k] < a[k - 1])
                throw new ArgumentException($"{which} beat {k} at sample {a[k]} precedes {which} beat {k - 1} at sample {a[k - 1]}; beats must be in ascending time order.");
        return a;
    }
}

/// <summary>
/// A record's heart-rate comparison: the steps where both rates were defined, the steps where only one was, and the
/// median and RMS of |test − reference| in beats per minute (null without a compared step).
/// </summary>
public sealed record HeartRateResult(string Record, int Steps, int StepsWithoutTestRate, int StepsWithoutReferenceRate,
    double? MedianAbsoluteErrorPerMinute, double? RmsErrorPerMinute)
{
    /// <summary>test − reference at each compared step, for pooled (gross) statistics.</summary>
    [JsonIgnore]
    public IReadOnlyList<double> Errors { get; private init; } = [];

    internal static HeartRateResult Of(string record, IReadOnlyList<double> errors, int missingTest, int missingReference)
    {
        var magnitudes = errors.Select(Math.Abs).ToArray();
        return new HeartRateResult(record, errors.Count, missingTest, missingReference, Statistics.Median(magnitudes), Statistics.Rms(errors))
        {
            Errors = errors,
        };
    }

    /// <summary>Gross statistics: all records' compared steps pooled.</summary>
    public static HeartRateResult Gross(IEnumerable<HeartRateResult> records, string name = "Gross")
    {
        ArgumentNullException.ThrowIfNull(records);
        var list = records.ToList();
        return Of(name, list.SelectMany(r => r.Errors).ToList(), list.Sum(r => r.StepsWithoutTestRate), list.Sum(r => r.StepsWithoutReferenceRate));
    }
}

/// <summary>The per-record heart-rate comparisons, pooled (gross) and averaged over records (mean of the defined per-record figures).</summary>
public sealed record HeartRateSummary(IReadOnlyList<HeartRateResult> Records, HeartRateResult Gross,
    double? AverageMedianAbsoluteErrorPerMinute, double? AverageRmsErrorPerMinute)
{
    public static HeartRateSummary Of(IEnumerable<HeartRateResult> records)
    {
        var list = records.ToList();
        return new HeartRateSummary(list, HeartRateResult.Gross(list),
            Statistics.Mean(list.Select(r => r.MedianAbsoluteErrorPerMinute)), Statistics.Mean(list.Select(r => r.RmsErrorPerMinute)));
    }
}
