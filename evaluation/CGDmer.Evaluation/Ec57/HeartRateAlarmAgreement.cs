using CGDmer.Signal.Beats;
using CGDmer.Signal.Wfdb;

namespace CGDmer.Evaluation.Ec57;

/// <summary>
/// How the onsets of one heart-rate alarm on one record agree with the reference beats: an onset is confirmed when the
/// rate the reference beats give at the moment it was raised (averaged as the service averages its own,
/// <see cref="BeatToBeatHeartRate"/>) also meets the alarm's condition, within the alarm's hysteresis.
/// </summary>
/// <param name="Code">heart_rate_high, heart_rate_low or asystole.</param>
/// <param name="Hours">Length of the record, hours.</param>
public sealed record HeartRateAlarmResult(string Record, string Code, int Onsets, int Confirmed, double Hours)
{
    public int Unconfirmed => Onsets - Confirmed;
    public double? PositivePredictivity => Onsets == 0 ? null : (double)Confirmed / Onsets;
    public double UnconfirmedPerHour => Hours > 0 ? Unconfirmed / Hours : 0;

    /// <summary>Every record's onsets of one code together.</summary>
    public static HeartRateAlarmResult Gross(string code, IEnumerable<HeartRateAlarmResult> records)
    {
        var list = records.ToList();
        return new HeartRateAlarmResult("Gross", code, list.Sum(r => r.Onsets), list.Sum(r => r.Confirmed), list.Sum(r => r.Hours));
    }
}

/// <summary>The limits an alarm's onset is checked against (the service's <c>Interpretation</c> settings).</summary>
public sealed record HeartRateAlarmLimits(double HighAboveBpm, double LowBelowBpm, double HysteresisBpm, double AsystoleAfterSeconds);

public static class HeartRateAlarmAgreement
{
    /// <summary>
    /// Checks each onset of alarm <paramref name="code"/>, raised at sample <paramref name="raisedAt"/> of the record's
    /// clock, against the reference beats: heart_rate_high when their rate exceeds the high limit less the hysteresis, or
    /// when it is raised in annotated ventricular flutter or within <see cref="FlutterGraceSeconds"/> of its end (flutter
    /// has no beat annotations, and its rate is far above any limit); heart_rate_low when the rate is under the low limit
    /// plus the hysteresis (or blanked by a pause); asystole when the last reference beat lies at least the asystole time
    /// less one second before, outside flutter.
    /// </summary>
    public static HeartRateAlarmResult Compare(string record, string code, IEnumerable<Annotation> reference, IEnumerable<long> raisedAt,
                                               double sampleRateHz, long recordLength, HeartRateAlarmLimits limits)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(raisedAt);
        ArgumentNullException.ThrowIfNull(limits);
        if (!(sampleRateHz > 0) || !double.IsFinite(sampleRateHz)) throw new ArgumentOutOfRangeException(nameof(sampleRateHz), sampleRateHz, "must be a positive rate");
        var annotations = reference as IReadOnlyList<Annotation> ?? reference.ToList();
        var beats = AnnotationReader.Beats(annotations).Select(a => (int)a.Sample).Order().ToArray();
        var flutter = Flutter(annotations, recordLength);
        long grace = (long)Math.Round(FlutterGraceSeconds * sampleRateHz);
        int onsets = 0, confirmed = 0;
        foreach (long t in raisedAt)
        {
            onsets++;
            int upTo = SortedSamples.LowerBound<int>(beats, (int)Math.Min(t + 1, int.MaxValue));   // the beats at or before t
            double? rate = BeatToBeatHeartRate.RateAt(beats.AsSpan(0, upTo), t, sampleRateHz);
            double silence = upTo == 0 ? double.PositiveInfinity : (t - beats[upTo - 1]) / sampleRateHz;
            bool inFlutter = flutter.Any(e => t >= e.Start && t < e.End + grace);
            bool met = code switch
            {
                "heart_rate_high" => rate > limits.HighAboveBpm - limits.HysteresisBpm || inFlutter,
                "heart_rate_low" => rate is null || rate < limits.LowBelowBpm + limits.HysteresisBpm,
                "asystole" => silence >= limits.AsystoleAfterSeconds - 1 && !inFlutter,
                _ => throw new ArgumentOutOfRangeException(nameof(code), code, "not a heart-rate alarm code"),
            };
            if (met) confirmed++;
        }
        return new HeartRateAlarmResult(record, code, onsets, confirmed, recordLength / sampleRateHz / 3600);
    }

    /// <summary>
    /// The stretches in which the reference beats meet an alarm's condition for at least <paramref name="minSeconds"/>:
    /// for the rate alarms, runs of beats at which the reference's own 8-interval rate (<see cref="BeatToBeatHeartRate"/>)
    /// is beyond the limit, from the first such beat to the last; for asystole, every gap between reference beats of at
    /// least the asystole time, from the beat before it. What a time to alarm on an annotated record is measured from.
    /// </summary>
    public static List<Episode> ReferenceEpisodes(string code, IEnumerable<Annotation> reference, double sampleRateHz, long recordLength,
                                                  HeartRateAlarmLimits limits, double minSeconds = 10)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(limits);
        var annotations = reference as IReadOnlyList<Annotation> ?? reference.ToList();
        var beats = AnnotationReader.Beats(annotations).Select(a => (int)a.Sample).Order().ToArray();
        var flutter = Flutter(annotations, recordLength);
        var episodes = new List<Episode>();
        if (code == "asystole")
        {
            // A gap in the beat annotations that ventricular flutter fills is not asystole.
            for (int i = 1; i < beats.Length; i++)
                if ((beats[i] - beats[i - 1]) / sampleRateHz >= limits.AsystoleAfterSeconds
                    && !flutter.Any(e => e.Start < beats[i] && e.End > beats[i - 1]))
                    episodes.Add(new Episode(beats[i - 1], beats[i]));
            return episodes;
        }
        if (code == "heart_rate_high")
            episodes.AddRange(flutter.Where(e => e.Length / sampleRateHz >= minSeconds));
        Func<double, bool> beyond = code switch
        {
            "heart_rate_high" => r => r > limits.HighAboveBpm,
            "heart_rate_low" => r => r < limits.LowBelowBpm,
            _ => throw new ArgumentOutOfRangeException(nameof(code), code, "not a heart-rate alarm code"),
        };
        int start = -1;
        for (int i = 0; i <= beats.Length; i++)
        {
            bool on = i < beats.Length && BeatToBeatHeartRate.RateAt(beats.AsSpan(0, i + 1), beats[i], sampleRateHz) is { } r && beyond(r);
            if (on && start < 0) start = i;
            if (!on && start >= 0)
            {
                if ((beats[i - 1] - beats[start]) / sampleRateHz >= minSeconds) episodes.Add(new Episode(beats[start], beats[i - 1]));
                start = -1;
            }
        }
        episodes.Sort((a, b) => a.Start.CompareTo(b.Start));
        return episodes;
    }

    /// <summary>How long after annotated ventricular flutter a rate alarm still belongs to it (the window that shows it ends up to a hop later).</summary>
    public const double FlutterGraceSeconds = 10;

    private static List<Episode> Flutter(IEnumerable<Annotation> annotations, long recordLength) =>
        AnnotationReader.RhythmEpisodes(annotations, recordLength).Where(e => e.Rhythm == "(VFL").Select(e => new Episode(e.Start, e.End)).ToList();
}
