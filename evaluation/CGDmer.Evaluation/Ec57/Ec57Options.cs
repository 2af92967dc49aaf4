namespace CGDmer.Evaluation.Ec57;

/// <summary>
/// The test period and tolerances of an EC57 comparison. The defaults are the standard's (and bxb's, epicmp's): a 150 ms
/// match window and a 5-minute learning period at the start of each record, which no statistic counts.
/// </summary>
public sealed record Ec57Options
{
    public static Ec57Options Default { get; } = new();

    /// <summary>A reference and a test beat match when their times differ by at most this.</summary>
    public double MatchWindowSeconds { get; init; } = 0.150;

    /// <summary>The statistics begin here; the time before is the algorithm's learning period.</summary>
    public double LearningPeriodSeconds { get; init; } = 300;

    /// <summary>The statistics end here; null: at the record's end (without a known length, after the last beat or episode).</summary>
    public double? EndSeconds { get; init; }

    /// <summary>Heart rates are compared every this many seconds (see <see cref="HeartRateComparison"/>).</summary>
    public double HeartRateStepSeconds { get; init; } = 1;

    /// <summary>Each compared heart rate is measured over the beats of the trailing window this long.</summary>
    public double HeartRateWindowSeconds { get; init; } = 10;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option and its value.</summary>
    public Ec57Options Validate()
    {
        if (!double.IsFinite(MatchWindowSeconds) || MatchWindowSeconds <= 0)
            throw new ArgumentException($"must be a finite number of seconds above 0, was {MatchWindowSeconds}", nameof(MatchWindowSeconds));
        if (!double.IsFinite(LearningPeriodSeconds) || LearningPeriodSeconds < 0)
            throw new ArgumentException($"must be a finite number of seconds, 0 or more, was {LearningPeriodSeconds}", nameof(LearningPeriodSeconds));
        if (EndSeconds is { } end && (!double.IsFinite(end) || end <= LearningPeriodSeconds))
            throw new ArgumentException($"must be finite and after the learning period ({LearningPeriodSeconds} s), was {end}", nameof(EndSeconds));
        if (!double.IsFinite(HeartRateStepSeconds) || HeartRateStepSeconds <= 0)
            throw new ArgumentException($"must be a finite number of seconds above 0, was {HeartRateStepSeconds}", nameof(HeartRateStepSeconds));
        if (!double.IsFinite(HeartRateWindowSeconds) || HeartRateWindowSeconds <= 0)
            throw new ArgumentException($"must be a finite number of seconds above 0, was {HeartRateWindowSeconds}", nameof(HeartRateWindowSeconds));
        return this;
    }

    /// <summary>The test period [start, end] in samples at <paramref name="sampleRateHz"/>; <paramref name="fallbackEnd"/> when no end is set.</summary>
    internal (long Start, long End, long MatchWindow) Samples(double sampleRateHz, long fallbackEnd)
    {
        if (!double.IsFinite(sampleRateHz) || sampleRateHz <= 0)
            throw new ArgumentOutOfRangeException(nameof(sampleRateHz), sampleRateHz, "The sample rate must be a finite number of Hz above 0.");
        long start = (long)Math.Round(LearningPeriodSeconds * sampleRateHz);
        long end = EndSeconds is { } e ? (long)Math.Round(e * sampleRateHz) : fallbackEnd;
        return (start, end, (long)Math.Round(MatchWindowSeconds * sampleRateHz));
    }
}
