namespace CGDmer.Evaluation.Ec57;

/// <summary>
/// A record's beat-by-beat comparison (bxb): QRS detection, and ventricular ectopic beat (VEB) detection when the test
/// annotator classifies its beats. <see cref="Veb"/> counts a reference V beat labelled otherwise or missed as a false
/// negative, and a test V beat on a reference N or S beat, or on no beat, as a false positive (F and Q are neither).
/// </summary>
public sealed record BeatByBeatResult(string Record, DetectionCounts Qrs, DetectionCounts? Veb)
{
    /// <summary>Reference beats compared: those after the learning period (TP + FN).</summary>
    public int ReferenceBeats => Qrs.TruePositives + Qrs.FalseNegatives;

    /// <summary>Gross statistics: the counts of <paramref name="records"/> summed (VEB over the records that have it).</summary>
    public static BeatByBeatResult Gross(IEnumerable<BeatByBeatResult> records, string name = "Gross")
    {
        ArgumentNullException.ThrowIfNull(records);
        var qrs = DetectionCounts.Zero;
        DetectionCounts? veb = null;
        foreach (var r in records)
        {
            qrs += r.Qrs;
            if (r.Veb is { } v) veb = (veb ?? DetectionCounts.Zero) + v;
        }
        return new BeatByBeatResult(name, qrs, veb);
    }
}

/// <summary>Average statistics: the mean of the per-record figures, over the records where each is defined.</summary>
public sealed record BeatByBeatAverage(double? QrsSensitivity, double? QrsPositivePredictivity, double? VebSensitivity, double? VebPositivePredictivity)
{
    public static BeatByBeatAverage Of(IReadOnlyCollection<BeatByBeatResult> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        return new BeatByBeatAverage(
            Statistics.Mean(records.Select(r => r.Qrs.Sensitivity)),
            Statistics.Mean(records.Select(r => r.Qrs.PositivePredictivity)),
            Statistics.Mean(records.Select(r => r.Veb?.Sensitivity)),
            Statistics.Mean(records.Select(r => r.Veb?.PositivePredictivity)));
    }
}

/// <summary>The per-record beat-by-beat results with their gross and average statistics.</summary>
public sealed record BeatByBeatSummary(IReadOnlyList<BeatByBeatResult> Records, BeatByBeatResult Gross, BeatByBeatAverage Average)
{
    public static BeatByBeatSummary Of(IEnumerable<BeatByBeatResult> records)
    {
        var list = records.ToList();
        return new BeatByBeatSummary(list, BeatByBeatResult.Gross(list), BeatByBeatAverage.Of(list));
    }
}
