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
    /// clock, against the reference beats: heart_rate_high when their rate exceeds the high limit less the hysteresis,
    /// heart_rate_low when it is under the low limit plus the hysteresis (or blanked by a pause), asystole when the last
    /// reference beat lies at least the asystole time less one second before.
    /// </summary>
    public static HeartRateAlarmResult Compare(string record, string code, IEnumerable<Annotation> reference, IEnumerable<long> raisedAt,
                                               double sampleRateHz, long recordLength, HeartRateAlarmLimits limits)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(raisedAt);
        ArgumentNullException.ThrowIfNull(limits);
        if (!(sampleRateHz > 0) || !double.IsFinite(sampleRateHz)) throw new ArgumentOutOfRangeException(nameof(sampleRateHz), sampleRateHz, "must be a positive rate");
        var beats = AnnotationReader.Beats(reference).Select(a => a.Sample).Order().ToArray();
        int onsets = 0, confirmed = 0;
        foreach (long t in raisedAt)
        {
            onsets++;
            int upTo = SortedSamples.LowerBound(beats, t + 1);   // the beats at or before t
            var before = Array.ConvertAll(beats[..upTo], b => (int)b);
            double? rate = BeatToBeatHeartRate.RateAt(before, t, sampleRateHz);
            double silence = upTo == 0 ? double.PositiveInfinity : (t - beats[upTo - 1]) / sampleRateHz;
            bool met = code switch
            {
                "heart_rate_high" => rate > limits.HighAboveBpm - limits.HysteresisBpm,
                "heart_rate_low" => rate is null || rate < limits.LowBelowBpm + limits.HysteresisBpm,
                "asystole" => silence >= limits.AsystoleAfterSeconds - 1,
                _ => throw new ArgumentOutOfRangeException(nameof(code), code, "not a heart-rate alarm code"),
            };
            if (met) confirmed++;
        }
        return new HeartRateAlarmResult(record, code, onsets, confirmed, recordLength / sampleRateHz / 3600);
    }
}
