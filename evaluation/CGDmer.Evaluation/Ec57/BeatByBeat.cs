using CGDmer.Signal.Wfdb;

namespace CGDmer.Evaluation.Ec57;

/// <summary>
/// Beat-by-beat comparison of a test annotator with the reference, as EC57 specifies and WFDB's bxb implements it. The
/// beats are the annotations WFDB's isqrs accepts. Both lists are walked in time order: the earlier of the current
/// reference and test beats is paired with the later one when the two lie within the match window and the next beat of
/// the earlier one's list is not closer to the later one; otherwise it is unmatched (a false negative or a false
/// positive). Each beat is used once.
/// Only the test period counts, with bxb's handling of its edges: reference beats before its start are not compared; a
/// test beat before it counts only as the match of the first reference beat after it, and a test beat just after it that
/// belongs to a reference beat before it is skipped; the walk ends when both lists have passed the end. Ventricular
/// flutter or fibrillation is left out as bxb leaves it out: annotations between a VF onset (<c>[</c>) and its end
/// (<c>]</c>, else the end of the list) are not beats, and a test beat left unmatched inside a reference VF episode is
/// not counted.
/// </summary>
public static class BeatByBeat
{
    /// <summary>Compares the beats of <paramref name="test"/> with those of <paramref name="reference"/>, with VEB statistics.</summary>
    /// <param name="recordLength">Samples in the record: the default end of the test period (else the last beat).</param>
    /// <exception cref="ArgumentException">The beats of either list are out of time order; the message names the beat.</exception>
    public static BeatByBeatResult Compare(string record, IEnumerable<Annotation> reference, IEnumerable<Annotation> test,
        double sampleRateHz, long? recordLength = null, Ec57Options? options = null)
    {
        ArgumentNullException.ThrowIfNull(test);
        var (times, classes, _) = Beats(test, "test");
        return Run(record, reference, times, classes, sampleRateHz, recordLength, options);
    }

    /// <summary>
    /// Compares unclassified test beats (a QRS detector's sample indices, ascending) with the beats of
    /// <paramref name="reference"/>; the result has no VEB statistics.
    /// </summary>
    /// <exception cref="ArgumentException">The beats of either list are out of time order; the message names the beat.</exception>
    public static BeatByBeatResult CompareDetections(string record, IEnumerable<Annotation> reference, IEnumerable<long> testBeats,
        double sampleRateHz, long? recordLength = null, Ec57Options? options = null)
    {
        ArgumentNullException.ThrowIfNull(testBeats);
        var times = testBeats.ToArray();
        CheckOrder(times, "test");
        return Run(record, reference, times, null, sampleRateHz, recordLength, options);
    }

    private static BeatByBeatResult Run(string record, IEnumerable<Annotation> reference, long[] testTimes, AamiBeatClass[]? testClasses,
        double sampleRateHz, long? recordLength, Ec57Options? options)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(reference);
        var o = (options ?? Ec57Options.Default).Validate();
        var (refTimes, refClasses, refVf) = Beats(reference, "reference");
        long lastBeat = Math.Max(refTimes.Length > 0 ? refTimes[^1] : 0, testTimes.Length > 0 ? testTimes[^1] : 0);
        var (start, end, window) = o.Samples(sampleRateHz, recordLength ?? lastBeat);

        var matrix = new Matrix();
        var walk = new Walk(refTimes, testTimes, start, window);
        AamiBeatClass TestClass(int j) => testClasses?[j] ?? AamiBeatClass.N;
        foreach (var (i, j) in walk.Pairs(end))
        {
            if (i < 0 && refVf.Any(vf => vf.On <= testTimes[j] && testTimes[j] <= vf.Off)) continue; // bxb's '*' pseudo-beat
            matrix.Add(i >= 0 ? refClasses[i] : null, j >= 0 ? TestClass(j) : null);
        }
        return new BeatByBeatResult(record, matrix.Qrs, testClasses is null ? null : matrix.Veb);
    }

    /// <summary>
    /// The beat annotations' times and classes, checked for time order, and the VF episodes [On, Off] (inclusive, as bxb
    /// takes them), whose annotations are skipped.
    /// </summary>
    private static (long[] Times, AamiBeatClass[] Classes, List<(long On, long Off)> Vf) Beats(IEnumerable<Annotation> annotations, string which)
    {
        var times = new List<long>();
        var classes = new List<AamiBeatClass>();
        var vf = new List<(long, long)>();
        long? vfOn = null;
        foreach (var a in annotations)
        {
            if (vfOn is { } on)
            {
                if (a.Code == AnnotationCodes.VfOff) { vf.Add((on, a.Sample)); vfOn = null; }
                continue;
            }
            if (a.Code == AnnotationCodes.VfOn) { vfOn = a.Sample; continue; }
            if (AamiBeatClasses.Of(a.Code) is not { } c) continue; // exactly the isqrs codes
            times.Add(a.Sample);
            classes.Add(c);
        }
        if (vfOn is { } open) vf.Add((open, long.MaxValue));
        var t = times.ToArray();
        CheckOrder(t, which);
        return (t, classes.ToArray(), vf);
    }

    private static void CheckOrder(long[] times, string which)
    {
        for (int k = 1; k < times.Length; k++)
            if (times[k] < times[k - 1])
                throw new ArgumentException($"{which} beat {k} at sample {times[k]} precedes {which} beat {k - 1} at sample {times[k - 1]}; beats must be in ascending time order.");
    }

    /// <summary>bxb's walk over two ascending beat lists; yields (reference index, test index), −1 for an unmatched side.</summary>
    private sealed class Walk(long[] reference, long[] test, long start, long window)
    {
        /// <summary>The time of a beat past the end of its list (bxb's huge_time): later than any beat, without overflow.</summary>
        private const long None = long.MaxValue / 4;

        private long R(int i) => i < reference.Length ? reference[i] : None;
        private long D(int j) => j < test.Length ? test[j] : None;

        public IEnumerable<(int Ref, int Test)> Pairs(long end)
        {
            int i = SortedSamples.LowerBound(reference, start), first = SortedSamples.LowerBound(test, start), j;
            long T = R(i);
            // The last test beat of the learning period may match the first reference beat after it.
            if (start > 0 && first > 0 && T - test[first - 1] <= window && T - test[first - 1] < Math.Abs(T - D(first)))
            {
                yield return (i, first - 1);
                i++;
                j = first;
            }
            else
            {
                j = first;
                // A test beat just after the start that a later test beat beats to the first reference beat belongs to
                // a reference beat of the learning period: it is skipped, not counted.
                if (start > 0 && D(j) - start <= window && Math.Abs(T - D(j + 1)) < Math.Abs(T - D(j))) j++;
            }

            while (R(i) <= end || D(j) <= end)
            {
                long r = R(i), t = D(j);
                if (t < r)
                {
                    if (r - t <= window && r - t < Math.Abs(r - D(j + 1))) yield return (i++, j++);
                    else yield return (-1, j++);
                }
                else
                {
                    if (t - r <= window && t - r < Math.Abs(t - R(i + 1))) yield return (i++, j++);
                    else yield return (i++, -1);
                }
            }
        }

    }

    /// <summary>bxb's confusion matrix: reference class (or none) × test class (or none).</summary>
    private sealed class Matrix
    {
        private const int None = 5;
        private readonly int[,] _n = new int[6, 6];

        public void Add(AamiBeatClass? reference, AamiBeatClass? test) =>
            _n[reference is { } r ? (int)r : None, test is { } t ? (int)t : None]++;

        public DetectionCounts Qrs
        {
            get
            {
                int tp = 0, fn = 0, fp = 0;
                for (int r = 0; r < None; r++)
                {
                    for (int t = 0; t < None; t++) tp += _n[r, t];
                    fn += _n[r, None];
                    fp += _n[None, r];
                }
                return new DetectionCounts(tp, fn, fp);
            }
        }

        public DetectionCounts Veb
        {
            get
            {
                const int v = (int)AamiBeatClass.V;
                int tp = _n[v, v], fn = 0;
                for (int t = 0; t <= None; t++) if (t != v) fn += _n[v, t];
                int fp = _n[(int)AamiBeatClass.N, v] + _n[(int)AamiBeatClass.S, v] + _n[None, v];
                return new DetectionCounts(tp, fn, fp);
            }
        }
    }
}
