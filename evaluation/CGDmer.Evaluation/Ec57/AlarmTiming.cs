namespace CGDmer.Evaluation.Ec57;

/// <summary>
/// Time to alarm for one rhythm on one record (IEC 60601-2-27's figure, applied to annotated episodes): for each
/// reference episode that an alarm overlaps, the time from the episode's onset to the moment the first overlapping alarm
/// was raised (zero when it was raised before the onset and still active). Episodes no alarm overlaps are missed.
/// </summary>
public sealed record AlarmTimingResult(string Record, string Rhythm, int Episodes, int Alarmed, IReadOnlyList<double> DelaysSeconds)
{
    public double? MedianSeconds => Statistics.Median(DelaysSeconds);
    public double? WorstSeconds => DelaysSeconds.Count == 0 ? null : DelaysSeconds.Max();

    /// <summary>Every record's episodes together.</summary>
    public static AlarmTimingResult Gross(string rhythm, IEnumerable<AlarmTimingResult> records)
    {
        var list = records.ToList();
        return new AlarmTimingResult("Gross", rhythm, list.Sum(r => r.Episodes), list.Sum(r => r.Alarmed), [.. list.SelectMany(r => r.DelaysSeconds)]);
    }
}

public static class AlarmTiming
{
    /// <summary>
    /// Times to alarm of <paramref name="alarms"/> (each its clinical extent and the sample at which it was raised)
    /// against the <paramref name="reference"/> episodes, all on the record's sample clock.
    /// </summary>
    public static AlarmTimingResult Compare(string record, string rhythm, IEnumerable<Episode> reference,
                                            IEnumerable<(Episode Extent, long RaisedAt)> alarms, double sampleRateHz)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(alarms);
        if (!(sampleRateHz > 0) || !double.IsFinite(sampleRateHz)) throw new ArgumentOutOfRangeException(nameof(sampleRateHz), sampleRateHz, "must be a positive rate");
        var alarmList = alarms.OrderBy(a => a.RaisedAt).ToList();
        var delays = new List<double>();
        int episodes = 0;
        foreach (var e in reference)
        {
            episodes++;
            int first = alarmList.FindIndex(a => a.Extent.Start < e.End && a.Extent.End > e.Start);
            if (first < 0) continue;   // missed
            delays.Add(Math.Max(0, alarmList[first].RaisedAt - e.Start) / sampleRateHz);
        }
        return new AlarmTimingResult(record, rhythm, episodes, delays.Count, delays);
    }
}
