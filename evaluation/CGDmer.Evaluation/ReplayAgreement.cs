using CGDmer.Signal.Datasets;
using CGDmer.Signal.Wfdb;

namespace CGDmer.Evaluation;

/// <summary>
/// The reference annotations of a replayed WFDB record on the replay's clock: annotated beats (for the heart-rate error
/// and QRS agreement) and rhythm episodes (for the AF alert check). Read from the record's <c>.atr</c> file when it has
/// one; for an AFTDB record, from its <c>.qrs</c> beat marks (automatic, unaudited) with AF over the whole record, as the
/// dataset defines. An <c>.atr</c> with rhythm annotations but no beats (as the MIT-BIH AF Database's) is a rhythm
/// reference only: the AF figures are compared, the beat figures are not (<see cref="HasBeats"/>).
/// </summary>
public sealed class RecordReference
{
    private readonly long[] _beatTicks;

    private RecordReference(long[] beatTicks, IReadOnlyList<(DateTimeOffset Start, DateTimeOffset End)> af, DateTimeOffset start, DateTimeOffset end)
    {
        _beatTicks = beatTicks;
        AfEpisodes = af;
        Start = start;
        End = end;
    }

    public DateTimeOffset Start { get; }
    public DateTimeOffset End { get; }
    /// <summary>Annotated atrial fibrillation episodes ("(AFIB").</summary>
    public IReadOnlyList<(DateTimeOffset Start, DateTimeOffset End)> AfEpisodes { get; }
    public int BeatCount => _beatTicks.Length;
    /// <summary>Whether the reference annotates beats; without them there is no heart-rate or QRS reference.</summary>
    public bool HasBeats { get; private init; } = true;

    /// <summary>The reference of record <paramref name="recordPath"/> replayed from <paramref name="start"/>, or null without an .atr file.</summary>
    public static RecordReference? TryLoad(string recordPath, double sampleRateHz, long recordLength, DateTimeOffset start) =>
        TryLoad(recordPath, WfdbDataset.Other, sampleRateHz, recordLength, start);

    /// <summary>
    /// The reference of a record of <paramref name="dataset"/>: its <c>.atr</c> file when there is one, else for AFTDB its
    /// <c>.qrs</c> beats with AF throughout; null when neither applies (e.g. CinC 2017, labelled per recording only).
    /// </summary>
    public static RecordReference? TryLoad(string recordPath, WfdbDataset dataset, double sampleRateHz, long recordLength, DateTimeOffset start)
    {
        try { return Load(recordPath, dataset, sampleRateHz, recordLength, start); }
        catch (Exception e) when (e is WfdbFormatException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"Cannot read the annotations of record '{recordPath}': {e.Message}", e);
        }
    }

    private static RecordReference? Load(string recordPath, WfdbDataset dataset, double sampleRateHz, long recordLength, DateTimeOffset start)
    {
        long Ticks(long sample) => start.UtcTicks + (long)Math.Round(sample * (double)TimeSpan.TicksPerSecond / sampleRateHz);
        var end = new DateTimeOffset(Ticks(recordLength), TimeSpan.Zero);
        var atr = recordPath + ".atr";
        if (File.Exists(atr))
        {
            var annotations = AnnotationReader.Read(atr);
            // An empty or garbled file would compare the replay with nothing and print a false agreement table.
            var annotated = AnnotationReader.Beats(annotations).ToList();
            var rhythms = AnnotationReader.RhythmEpisodes(annotations, recordLength);
            if (annotated.Count == 0 && rhythms.Count == 0)
                throw new WfdbFormatException(atr, "holds no beat or rhythm annotations to compare with.");
            if (annotations.FirstOrDefault(a => a.Sample < 0 || a.Sample > recordLength) is { } outside)
                throw new WfdbFormatException(atr, $"annotation at sample {outside.Sample} lies outside the record's {recordLength} samples.");
            var beats = annotated.Select(b => Ticks(b.Sample)).ToArray();
            var af = rhythms
                .Where(e => e.Rhythm == "(AFIB")
                .Select(e => (new DateTimeOffset(Ticks(e.Start), TimeSpan.Zero), new DateTimeOffset(Ticks(e.End), TimeSpan.Zero)))
                .ToList();
            return new RecordReference(beats, af, start, end) { HasBeats = beats.Length > 0 };
        }
        if (dataset == WfdbDataset.Aftdb && File.Exists(recordPath + "." + Aftdb.BeatAnnotator))
        {
            var qrs = recordPath + "." + Aftdb.BeatAnnotator;
            var annotated = Aftdb.ReadBeats(recordPath);
            if (annotated.Count == 0) throw new WfdbFormatException(qrs, "holds no beat annotations, so there is no reference to compare with.");
            if (annotated.FirstOrDefault(a => a.Sample < 0 || a.Sample > recordLength) is { } outside)
                throw new WfdbFormatException(qrs, $"annotation at sample {outside.Sample} lies outside the record's {recordLength} samples.");
            var beats = annotated.Select(b => Ticks(b.Sample)).ToArray();
            return new RecordReference(beats, [(start, end)], start, end);
        }
        return null;
    }

    /// <summary>60 / mean RR of the annotated beats in [start, end), or null with fewer than two beats.</summary>
    public double? HeartRate(DateTimeOffset start, DateTimeOffset end)
    {
        int lo = LowerBound(start.UtcTicks), hi = LowerBound(end.UtcTicks);
        if (hi - lo < 2) return null;
        double meanRrSeconds = (_beatTicks[hi - 1] - _beatTicks[lo]) / (double)TimeSpan.TicksPerSecond / (hi - lo - 1);
        return 60.0 / meanRrSeconds;
    }

    /// <summary>
    /// Beat-by-beat agreement of <paramref name="detectedTicks"/> (ascending) with the reference beats in
    /// [<paramref name="from"/>, <paramref name="to"/>): each detection matches at most one reference beat within
    /// <paramref name="tolerance"/> (EC57's 150 ms), greedily in time order as bxb pairs them.
    /// </summary>
    public (int Matched, int Reference, int Detected) MatchBeats(IReadOnlyList<long> detectedTicks, DateTimeOffset from, DateTimeOffset to, TimeSpan tolerance)
    {
        ArgumentNullException.ThrowIfNull(detectedTicks);
        // Milliseconds from the span's start: the measure stage's matcher works on int sample positions.
        static int[] Ms(IEnumerable<long> ticks, long origin) => [.. ticks.Select(t => (int)((t - origin) / TimeSpan.TicksPerMillisecond))];
        int lo = LowerBound(from.UtcTicks), hi = LowerBound(to.UtcTicks);
        var reference = Ms(_beatTicks[lo..hi], from.UtcTicks);
        var detected = Ms(detectedTicks.Where(t => t >= from.UtcTicks && t < to.UtcTicks), from.UtcTicks);
        int matched = CGDmer.Signal.Beats.BeatMeasurer.Matched(reference, detected, (int)tolerance.TotalMilliseconds);
        return (matched, reference.Length, detected.Length);
    }

    /// <summary>
    /// The reference up to <paramref name="end"/> (beats, AF episodes and the span cut there): what an interrupted replay
    /// is compared with, so that the part never replayed does not count as missed AF or as quiet sinus rhythm.
    /// </summary>
    public RecordReference Until(DateTimeOffset end)
    {
        if (end >= End) return this;
        if (end < Start) end = Start;
        var beats = _beatTicks[..LowerBound(end.UtcTicks)];
        var af = AfEpisodes.Where(e => e.Start < end).Select(e => (e.Start, e.End < end ? e.End : end)).ToList();
        return new RecordReference(beats, af, Start, end) { HasBeats = HasBeats };
    }

    /// <summary>Seconds of annotated AF within [start, end).</summary>
    public double AfSeconds(DateTimeOffset start, DateTimeOffset end) => Overlap(AfEpisodes, start, end);

    internal static double Overlap(IEnumerable<(DateTimeOffset Start, DateTimeOffset End)> intervals, DateTimeOffset start, DateTimeOffset end)
    {
        double s = 0;
        foreach (var (a, b) in intervals)
        {
            var lo = a > start ? a : start;
            var hi = b < end ? b : end;
            if (hi > lo) s += (hi - lo).TotalSeconds;
        }
        return s;
    }

    private int LowerBound(long ticks) => SortedSamples.LowerBound(_beatTicks, ticks);
}

/// <summary>How a replayed record's outputs compare with its annotations.</summary>
public sealed record RecordAgreement(
    int HeartRateWindows, double? HeartRateMeanAbsError, double? HeartRateMedianAbsError, double? HeartRateWithin5Bpm,
    double AfAnnotatedSeconds, double AfAlertedSecondsInAf, double AfAlertSecondsOutsideAf, double NonAfSeconds,
    int AfAlertOnsets, int AfAlertOnsetsOutsideAf)
{
    /// <summary>Fraction of annotated AF time covered by an AF alert (null without annotated AF).</summary>
    public double? AfTimeSensitivity => AfAnnotatedSeconds > 0 ? AfAlertedSecondsInAf / AfAnnotatedSeconds : null;
    /// <summary>Fraction of non-AF time during which an AF alert was active.</summary>
    public double? AfFalseAlertFraction => NonAfSeconds > 0 ? AfAlertSecondsOutsideAf / NonAfSeconds : null;
    /// <summary>AF duration positive predictivity (ANSI/AAMI EC57 style): share of AF-alerted time that was annotated AF (null without any alert).</summary>
    public double? AfAlertPositivePredictivity =>
        AfAlertedSecondsInAf + AfAlertSecondsOutsideAf > 0 ? AfAlertedSecondsInAf / (AfAlertedSecondsInAf + AfAlertSecondsOutsideAf) : null;
    /// <summary>Minutes of AF alert outside annotated AF per hour of non-AF recording.</summary>
    public double? FalseAfAlertMinutesPerHour => NonAfSeconds > 0 ? AfAlertSecondsOutsideAf / 60 / (NonAfSeconds / 3600) : null;

    /// <summary>
    /// Time to AF alarm per annotated AF episode that an alert overlapped: from the episode's onset to when that alert was
    /// raised (0 when it was already active). Empty without annotated AF or without raise times.
    /// </summary>
    public IReadOnlyList<double> AfTimesToAlarmSeconds { get; init; } = [];
    /// <summary>Annotated AF episodes no AF alert overlapped.</summary>
    public int AfEpisodesMissed { get; init; }
    /// <summary>Reference beats in the replayed span, and how many of them the service's own beats matched (EC57: 150 ms).</summary>
    public int QrsReferenceBeats { get; init; }
    public int QrsMatched { get; init; }
    /// <summary>The service's beats in the span (each window's beats near its centre, so that every beat counts once).</summary>
    public int QrsDetected { get; init; }
    public double? QrsSensitivity => QrsReferenceBeats > 0 ? (double)QrsMatched / QrsReferenceBeats : null;
    public double? QrsPositivePredictivity => QrsDetected > 0 ? (double)QrsMatched / QrsDetected : null;

    /// <summary>Median of <see cref="AfTimesToAlarmSeconds"/>, or null when there is none.</summary>
    public double? AfTimeToAlarmMedianSeconds => Ec57.Statistics.Median(AfTimesToAlarmSeconds);

    /// <summary>
    /// Compares heart rates per window (start, end, measured bpm) and AF alert intervals (onset, end or the replay's end)
    /// with <paramref name="reference"/>.
    /// </summary>
    /// <param name="afRaisedAt">When each AF alert was raised (pairs with <paramref name="afAlerts"/>), for the time to alarm.</param>
    public static RecordAgreement Compute(RecordReference reference,
        IEnumerable<(DateTimeOffset Start, DateTimeOffset End, double Bpm)> heartRates,
        IReadOnlyList<(DateTimeOffset Onset, DateTimeOffset End)> afAlerts, IReadOnlyList<DateTimeOffset>? afRaisedAt = null,
        (IReadOnlyList<long> Ticks, DateTimeOffset From, DateTimeOffset To)? beats = null)
    {
        // Without reference beats nothing is compared: the service's beats would read as all false positives.
        var qrs = beats is { } b && reference.HasBeats ? reference.MatchBeats(b.Ticks, b.From, b.To, TimeSpan.FromMilliseconds(150)) : default;
        // Time to alarm is AlarmTiming's, on the tick clock: an alert without a raise time counts from its onset.
        static Ec57.Episode Ticks(DateTimeOffset start, DateTimeOffset end) => new(start.UtcTicks, end.UtcTicks);
        var timing = Ec57.AlarmTiming.Compare("", "(AFIB", reference.AfEpisodes.Select(e => Ticks(e.Start, e.End)),
            afAlerts.Select((a, i) => (Ticks(a.Onset, a.End), (afRaisedAt is { } r && i < r.Count ? r[i] : a.Onset).UtcTicks)),
            TimeSpan.TicksPerSecond);
        var errors = new List<double>();
        foreach (var (s, e, bpm) in heartRates)
            if (reference.HeartRate(s, e) is { } truth) errors.Add(Math.Abs(bpm - truth));
        errors.Sort();
        double total = (reference.End - reference.Start).TotalSeconds;
        double afTotal = reference.AfSeconds(reference.Start, reference.End);
        double alertedInAf = 0, alertOutside = 0;
        int outsideOnsets = 0;
        foreach (var (onset, end) in afAlerts)
        {
            double inAf = reference.AfSeconds(onset, end);
            alertedInAf += inAf;
            alertOutside += Math.Max(0, (end - onset).TotalSeconds - inAf);
            if (inAf <= 0) outsideOnsets++;
        }
        return new RecordAgreement(
            errors.Count,
            errors.Count > 0 ? errors.Average() : null,
            errors.Count > 0 ? errors[errors.Count / 2] : null,
            errors.Count > 0 ? errors.Count(x => x <= 5) / (double)errors.Count : null,
            afTotal, alertedInAf, alertOutside, total - afTotal, afAlerts.Count, outsideOnsets)
        {
            AfTimesToAlarmSeconds = afRaisedAt is null ? [] : timing.DelaysSeconds,
            AfEpisodesMissed = timing.Episodes - timing.Alarmed,
            QrsReferenceBeats = qrs.Reference, QrsMatched = qrs.Matched, QrsDetected = qrs.Detected,
        };
    }
}
