namespace CGDmer.Signal.Beats;

/// <summary>
/// The heart rate a bedside monitor shows, updated at every beat: 60 over the mean of the most recent RR intervals
/// (<see cref="Intervals"/>, but no more than span <see cref="MaxSpanSeconds"/> and never fewer than
/// <see cref="MinSpanIntervals"/>), leaving out the longest and the shortest once there are five or more, so that one
/// missed or one extra beat moves the figure little. The time bound keeps a slow rhythm's average as recent as a fast
/// one's: eight intervals at 40 /min would reach 12 s back. Intervals outside the physiological range (<see cref="MinRrSeconds"/>,
/// <see cref="MaxRrSeconds"/>) are not averaged: a gap longer than the maximum (lead-off, asystole) restarts the average.
/// Not thread-safe: one instance per patient.
/// </summary>
public sealed class BeatToBeatHeartRate
{
    /// <summary>Shortest RR interval averaged (300 /min).</summary>
    public const double MinRrSeconds = 0.2;
    /// <summary>Longest RR interval averaged (20 /min); a longer gap restarts the average.</summary>
    public const double MaxRrSeconds = 3.0;
    /// <summary>The averaged intervals span at most this long (counted back from the newest) ...</summary>
    public const double MaxSpanSeconds = 8.0;
    /// <summary>... unless that leaves fewer than this many.</summary>
    public const int MinSpanIntervals = 4;

    private readonly double _fs;
    private readonly double[] _rr;
    private int _count, _next;
    private long? _lastBeat;

    /// <param name="sampleRateHz">Rate of the beat sample indices.</param>
    /// <param name="intervals">RR intervals averaged (monitors use 4–16; 8 by default).</param>
    public BeatToBeatHeartRate(double sampleRateHz, int intervals = 8)
    {
        if (!(sampleRateHz > 0) || !double.IsFinite(sampleRateHz)) throw new ArgumentOutOfRangeException(nameof(sampleRateHz), sampleRateHz, "must be a positive rate");
        if (intervals is < 1 or > 64) throw new ArgumentOutOfRangeException(nameof(intervals), intervals, "must be within 1..64");
        _fs = sampleRateHz;
        _rr = new double[intervals];
    }

    public int Intervals => _rr.Length;

    /// <summary>The current heart rate in /min, or null before two beats (or after a restart).</summary>
    public double? Bpm { get; private set; }

    /// <summary>Adds the beat at <paramref name="sample"/> (ascending) and returns the updated rate.</summary>
    public double? Add(long sample)
    {
        if (_lastBeat is { } last)
        {
            if (sample <= last) throw new ArgumentException($"beats must ascend: {sample} after {last}", nameof(sample));
            double rr = (sample - last) / _fs;
            if (rr > MaxRrSeconds) Restart();
            else if (rr >= MinRrSeconds)
            {
                _rr[_next] = rr;
                _next = (_next + 1) % _rr.Length;
                _count = Math.Min(_count + 1, _rr.Length);
                Bpm = 60 / Mean();
            }
        }
        _lastBeat = sample;
        return Bpm;
    }

    /// <summary>
    /// The rate shown at <paramref name="sample"/> (at or after the last beat): null once no beat has come for
    /// <see cref="MaxRrSeconds"/> (asystole, lead-off), as a monitor blanks its rate, else <see cref="Bpm"/>.
    /// </summary>
    public double? At(long sample) =>
        _lastBeat is { } last && (sample - last) / _fs > MaxRrSeconds ? null : Bpm;

    /// <summary>Forgets the intervals (a new stream, or a gap in the signal).</summary>
    public void Restart()
    {
        _count = 0;
        _next = 0;
        Bpm = null;
    }

    private double Mean()
    {
        Span<double> newestFirst = stackalloc double[_count];
        for (int i = 0; i < _count; i++) newestFirst[i] = _rr[(_next - 1 - i + _rr.Length) % _rr.Length];
        return SpanBoundedMean(newestFirst);
    }

    /// <summary>The trimmed mean of the newest intervals (given newest first) that span at most <see cref="MaxSpanSeconds"/>, at least <see cref="MinSpanIntervals"/>.</summary>
    private static double SpanBoundedMean(ReadOnlySpan<double> newestFirst)
    {
        int n = 0;
        double span = 0;
        while (n < newestFirst.Length && (n < MinSpanIntervals || span + newestFirst[n] <= MaxSpanSeconds)) span += newestFirst[n++];
        return TrimmedMean(newestFirst[..n]);
    }

    private static double TrimmedMean(ReadOnlySpan<double> rr)
    {
        double sum = 0, min = double.MaxValue, max = 0;
        foreach (double x in rr)
        {
            sum += x;
            min = Math.Min(min, x);
            max = Math.Max(max, x);
        }
        return rr.Length >= 5 ? (sum - min - max) / (rr.Length - 2) : sum / rr.Length;
    }

    /// <summary>
    /// The rate an instance fed <paramref name="beats"/> (ascending sample indices) would show at <paramref name="atSample"/>
    /// (at or after the last beat): the same averaging, blanking and restarts, without an instance. Null before two beats
    /// or once no beat has come for <see cref="MaxRrSeconds"/>.
    /// </summary>
    public static double? RateAt(ReadOnlySpan<int> beats, long atSample, double sampleRateHz, int intervals = 8)
    {
        if (!(sampleRateHz > 0) || !double.IsFinite(sampleRateHz)) throw new ArgumentOutOfRangeException(nameof(sampleRateHz), sampleRateHz, "must be a positive rate");
        if (intervals is < 1 or > 64) throw new ArgumentOutOfRangeException(nameof(intervals), intervals, "must be within 1..64");
        if (beats.Length < 2 || (atSample - beats[^1]) / sampleRateHz > MaxRrSeconds) return null;
        // Walk back from the last beat: the averaged intervals are the last ones since the latest restart (a gap above the
        // maximum); intervals below the minimum are skipped, as Add skips them.
        Span<double> rr = stackalloc double[intervals];
        int count = 0;
        for (int i = beats.Length - 1; i > 0 && count < intervals; i--)
        {
            double interval = (beats[i] - beats[i - 1]) / sampleRateHz;
            if (interval <= 0) throw new ArgumentException($"beats must ascend: {beats[i]} after {beats[i - 1]}", nameof(beats));
            if (interval > MaxRrSeconds) break;
            if (interval >= MinRrSeconds) rr[count++] = interval;
        }
        return count == 0 ? null : 60 / SpanBoundedMean(rr[..count]);
    }
}
