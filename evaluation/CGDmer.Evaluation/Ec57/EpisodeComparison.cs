using CGDmer.Signal.Wfdb;

namespace CGDmer.Evaluation.Ec57;

/// <summary>
/// Episode comparison in the manner of EC57 and WFDB's epicmp, for one rhythm (e.g. AF or VT). All episodes are clipped
/// to the test period, and overlapping or touching test episodes are merged into one. A reference episode is detected
/// when a test episode overlaps it; a test episode is true when it overlaps a reference episode. Episode Se = detected /
/// reference episodes, episode +P = true / test episodes, duration Se = overlapped / reference time, duration +P =
/// overlapped / test time.
/// </summary>
public static class EpisodeComparison
{
    /// <summary>The rhythms EC57 scores by episode: atrial fibrillation and ventricular tachycardia.</summary>
    public static IReadOnlyList<string> Ec57Rhythms { get; } = ["(AFIB", "(VT"];

    /// <summary>
    /// The reference episodes of <paramref name="rhythm"/> (an aux string such as "(AFIB"): from each rhythm annotation
    /// naming it to the next rhythm annotation or the record's end (<see cref="AnnotationReader.RhythmEpisodes"/>).
    /// </summary>
    public static List<Episode> ReferenceEpisodes(IEnumerable<Annotation> annotations, string rhythm, long recordLength)
    {
        ArgumentNullException.ThrowIfNull(annotations);
        ArgumentNullException.ThrowIfNull(rhythm);
        return AnnotationReader.RhythmEpisodes(annotations, recordLength)
            .Where(e => e.Rhythm == rhythm)
            .Select(e => new Episode(e.Start, e.End))
            .ToList();
    }

    /// <summary>Compares the test episodes of <paramref name="rhythm"/> with the rhythm's episodes in the reference annotations.</summary>
    public static EpisodeResult Compare(string record, string rhythm, IEnumerable<Annotation> reference, IEnumerable<Episode> test,
        double sampleRateHz, long recordLength, Ec57Options? options = null) =>
        Compare(record, rhythm, ReferenceEpisodes(reference, rhythm, recordLength), test, sampleRateHz, recordLength, options);

    /// <summary>Compares test episodes with reference episodes of one rhythm.</summary>
    /// <param name="recordLength">Samples in the record: the default end of the test period (null: the last episode's end).</param>
    /// <exception cref="ArgumentException">An episode ends before it starts; the message names it.</exception>
    public static EpisodeResult Compare(string record, string rhythm, IEnumerable<Episode> reference, IEnumerable<Episode> test,
        double sampleRateHz, long? recordLength, Ec57Options? options = null)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(rhythm);
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(test);
        var o = (options ?? Ec57Options.Default).Validate();
        var referenceList = Checked(reference, "reference");
        var testList = Checked(test, "test");
        long last = referenceList.Concat(testList).Select(e => e.End).DefaultIfEmpty(0).Max();
        var (start, end, _) = o.Samples(sampleRateHz, recordLength ?? last);

        var refs = Merge(Clip(referenceList, start, end));
        var tests = Merge(Clip(testList, start, end));
        int detected = refs.Count(r => tests.Any(t => Overlap(r, t) > 0));
        int truePositive = tests.Count(t => refs.Any(r => Overlap(r, t) > 0));
        long overlap = 0;
        foreach (var r in refs)
            foreach (var t in tests)
                overlap += Overlap(r, t);
        return new EpisodeResult(record, rhythm, refs.Count, detected, tests.Count, truePositive,
            refs.Sum(e => e.Length) / sampleRateHz, tests.Sum(e => e.Length) / sampleRateHz, overlap / sampleRateHz);
    }

    private static List<Episode> Checked(IEnumerable<Episode> episodes, string which)
    {
        var list = episodes.ToList();
        for (int k = 0; k < list.Count; k++)
            if (list[k].End < list[k].Start)
                throw new ArgumentException($"{which} episode {k} ends (sample {list[k].End}) before it starts (sample {list[k].Start}).");
        return list;
    }

    private static IEnumerable<Episode> Clip(IEnumerable<Episode> episodes, long start, long end) =>
        episodes.Select(e => new Episode(Math.Max(e.Start, start), Math.Min(e.End, end))).Where(e => e.End > e.Start);

    /// <summary>The episodes sorted, with overlapping or touching ones joined.</summary>
    private static List<Episode> Merge(IEnumerable<Episode> episodes)
    {
        var merged = new List<Episode>();
        foreach (var e in episodes.OrderBy(e => e.Start))
        {
            if (merged.Count > 0 && e.Start <= merged[^1].End)
                merged[^1] = merged[^1] with { End = Math.Max(merged[^1].End, e.End) };
            else merged.Add(e);
        }
        return merged;
    }

    private static long Overlap(Episode a, Episode b) => Math.Max(0, Math.Min(a.End, b.End) - Math.Max(a.Start, b.Start));
}
