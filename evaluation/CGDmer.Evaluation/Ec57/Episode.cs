namespace CGDmer.Evaluation.Ec57;

/// <summary>An episode: samples [Start, End) of a record, e.g. an annotated AF episode or an alert from onset to end.</summary>
public readonly record struct Episode(long Start, long End)
{
    public long Length => End - Start;

    /// <summary>
    /// The episode from <paramref name="onset"/> to <paramref name="end"/> on a record whose sample 0 was taken at
    /// <paramref name="recordStart"/>: how an alert's interval becomes a test episode.
    /// </summary>
    public static Episode FromTimes(DateTimeOffset onset, DateTimeOffset end, DateTimeOffset recordStart, double sampleRateHz)
    {
        if (!double.IsFinite(sampleRateHz) || sampleRateHz <= 0)
            throw new ArgumentOutOfRangeException(nameof(sampleRateHz), sampleRateHz, "The sample rate must be a finite number of Hz above 0.");
        long Sample(DateTimeOffset t) => (long)Math.Round((t - recordStart).TotalSeconds * sampleRateHz);
        return new Episode(Sample(onset), Sample(end));
    }
}
