namespace CGDmer.Evaluation.Ec57;

/// <summary>
/// A record's episode comparison for one rhythm (<see cref="EpisodeComparison"/>): episode counts, durations in seconds
/// within the test period, and the four statistics (null when their denominator is zero).
/// </summary>
public sealed record EpisodeResult(string Record, string Rhythm, int ReferenceEpisodes, int ReferenceEpisodesDetected,
    int TestEpisodes, int TestEpisodesTrue, double ReferenceSeconds, double TestSeconds, double OverlapSeconds)
{
    /// <summary>Episode Se: the fraction of reference episodes that a test episode overlaps.</summary>
    public double? EpisodeSensitivity => DetectionCounts.Ratio(ReferenceEpisodesDetected, ReferenceEpisodes);

    /// <summary>Episode +P: the fraction of test episodes that overlap a reference episode.</summary>
    public double? EpisodePositivePredictivity => DetectionCounts.Ratio(TestEpisodesTrue, TestEpisodes);

    /// <summary>Duration Se: the fraction of reference time that test episodes cover.</summary>
    public double? DurationSensitivity => DetectionCounts.Ratio(OverlapSeconds, ReferenceSeconds);

    /// <summary>Duration +P: the fraction of test time that lies in reference episodes.</summary>
    public double? DurationPositivePredictivity => DetectionCounts.Ratio(OverlapSeconds, TestSeconds);

    /// <summary>Gross statistics: counts and durations of <paramref name="records"/> summed.</summary>
    public static EpisodeResult Gross(string rhythm, IEnumerable<EpisodeResult> records, string name = "Gross")
    {
        ArgumentNullException.ThrowIfNull(records);
        var list = records.ToList();
        return new EpisodeResult(name, rhythm, list.Sum(r => r.ReferenceEpisodes), list.Sum(r => r.ReferenceEpisodesDetected),
            list.Sum(r => r.TestEpisodes), list.Sum(r => r.TestEpisodesTrue),
            list.Sum(r => r.ReferenceSeconds), list.Sum(r => r.TestSeconds), list.Sum(r => r.OverlapSeconds));
    }
}

/// <summary>Average episode statistics: the mean of the per-record figures, over the records where each is defined.</summary>
public sealed record EpisodeAverage(double? EpisodeSensitivity, double? EpisodePositivePredictivity,
    double? DurationSensitivity, double? DurationPositivePredictivity)
{
    public static EpisodeAverage Of(IReadOnlyCollection<EpisodeResult> records) => new(
        Statistics.Mean(records.Select(r => r.EpisodeSensitivity)), Statistics.Mean(records.Select(r => r.EpisodePositivePredictivity)),
        Statistics.Mean(records.Select(r => r.DurationSensitivity)), Statistics.Mean(records.Select(r => r.DurationPositivePredictivity)));
}

/// <summary>One rhythm's per-record episode comparisons with their gross and average statistics.</summary>
public sealed record EpisodeSummary(string Rhythm, IReadOnlyList<EpisodeResult> Records, EpisodeResult Gross, EpisodeAverage Average)
{
    /// <summary>The summary of <paramref name="records"/>, all of which must be of <paramref name="rhythm"/>.</summary>
    public static EpisodeSummary Of(string rhythm, IEnumerable<EpisodeResult> records)
    {
        ArgumentNullException.ThrowIfNull(rhythm);
        var list = records.ToList();
        if (list.FirstOrDefault(r => r.Rhythm != rhythm) is { } other)
            throw new ArgumentException($"record {other.Record} is scored for rhythm '{other.Rhythm}', not '{rhythm}'.", nameof(records));
        return new EpisodeSummary(rhythm, list, EpisodeResult.Gross(rhythm, list), EpisodeAverage.Of(list));
    }
}
