namespace CGDmer.Evaluation;

/// <summary>Searches over ascending sample indices (beats, annotations).</summary>
internal static class SortedSamples
{
    /// <summary>Index of the first element of <paramref name="sorted"/> at or after <paramref name="value"/> (its length when none).</summary>
    public static int LowerBound(long[] sorted, long value) => LowerBound<long>(sorted, value);

    /// <summary>As <see cref="LowerBound(long[], long)"/>, for any ascending values.</summary>
    public static int LowerBound<T>(ReadOnlySpan<T> sorted, T value) where T : IComparable<T>
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid].CompareTo(value) < 0) lo = mid + 1; else hi = mid;
        }
        return lo;
    }
}
